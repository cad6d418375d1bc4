/**
 * kindling/node's `save` is atomic: it writes a temporary file next to the
 * target, flushes it and renames it over the target, so a save that fails or
 * is killed half-way leaves the previous file intact. The kill tests run a
 * child process (node --import tsx) that saves an 8 MB state dict; one pauses
 * it deterministically after the first 4 MB chunk and kills it there, one
 * kills a loop of saves as soon as a save shows on disk (with a plain
 * writeFileSync it finds a truncated file most runs). `load` and `save`
 * errors name the path.
 */

import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import * as torch from "kindling";
import { load, save } from "kindling/node";
import { afterAll, afterEach, describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("../../", import.meta.url));
const dir = fs.mkdtempSync(join(tmpdir(), "kindling-save-"));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** 2M float32 values (8 MB, two of save's 4 MB write chunks), all equal to `version`. */
const N = 2 * 1024 * 1024;
const state = (version: number) => ({ w: torch.full([N], version), step: torch.tensor(version, { dtype: "int64" }) });

/** The version a file holds, after checking it is complete and consistent. */
function versionOf(path: string): number {
  const { w, step } = load(path);
  expect(w?.shape).toEqual([N]);
  const v = step?.item() as number;
  expect([w?.min().item(), w?.max().item()]).toEqual([v, v]);
  return v;
}

const temps = (name: string) => fs.readdirSync(dir).filter((f) => f.startsWith(`.${name}.`) && f.endsWith(".tmp"));

describe("save replaces the file atomically", () => {
  it("overwrites, leaves no temporary file, and keeps the previous file's mode", () => {
    const path = join(dir, "plain.safetensors");
    save(state(1), path);
    fs.chmodSync(path, 0o600);
    save(state(2), path);
    expect(versionOf(path)).toBe(2);
    expect(temps("plain.safetensors")).toEqual([]);
    expect(fs.statSync(path).mode & 0o777).toBe(0o600);
  });

  it("writes through a symbolic link to the file it points to", () => {
    const real = join(dir, "real.safetensors");
    const link = join(dir, "link.safetensors");
    save(state(1), real);
    fs.symlinkSync(real, link);
    save(state(2), link);
    expect(fs.lstatSync(link).isSymbolicLink()).toBe(true);
    expect(versionOf(real)).toBe(2);
  });

  it("accepts a file: URL", () => {
    const path = join(dir, "url.safetensors");
    save({ a: torch.ones(1) }, pathToFileURL(path));
    expect(load(pathToFileURL(path)).a?.item()).toBe(1);
    expect(() => save({ a: torch.ones(1) }, new URL("https://example.com/x"))).toThrow("save: expected a file: URL");
  });
});

describe("a save that fails", () => {
  const original = fs.writeSync;
  afterEach(() => {
    fs.writeSync = original;
    syncBuiltinESMExports();
  });

  it("after writing part of the file leaves the previous file intact and no temporary file", () => {
    const path = join(dir, "full-disk.safetensors");
    save(state(1), path);
    let calls = 0;
    fs.writeSync = ((...args: Parameters<typeof fs.writeSync>) => {
      if (++calls === 2) throw Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC" });
      return (original as (...a: unknown[]) => number)(...args);
    }) as typeof fs.writeSync;
    syncBuiltinESMExports();
    expect(() => save(state(2), path)).toThrow(`save: cannot write '${path}': ENOSPC: no space left on device`);
    expect(calls).toBe(2); // the first chunk was written: the failure came half-way
    expect(versionOf(path)).toBe(1);
    expect(temps("full-disk.safetensors")).toEqual([]);
  });

  it("names the path and the reason when the directory does not exist", () => {
    const path = join(dir, "missing", "model.safetensors");
    let error: unknown;
    try {
      save({ a: torch.ones(1) }, path);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(torch.KindlingError);
    expect((error as Error).message).toBe(`save: cannot write '${path}': ENOENT: no such file or directory`);
  });

  it("refuses a bad state dict before touching the file", () => {
    const path = join(dir, "untouched.safetensors");
    save(state(1), path);
    expect(() => save(new Map() as never, path)).toThrow("save: expected an object mapping names to tensors, got a Map");
    expect(() => save({ a: 1 as never }, path)).toThrow("save: 'a' is not a Tensor");
    expect(versionOf(path)).toBe(1);
    expect(() => save({}, "" as never)).toThrow("save: expected a file path");
  });
});

describe("load names the path", () => {
  it("of a file it cannot read", () => {
    const missing = join(dir, "nope.safetensors");
    expect(() => load(missing)).toThrow(torch.KindlingError);
    expect(() => load(missing)).toThrow(`load: cannot read '${missing}': ENOENT: no such file or directory`);
    expect(() => load(dir)).toThrow(`load: cannot read '${dir}': EISDIR: illegal operation on a directory`);
  });
});

// ----- killed mid-save ----------------------------------------------------------------------

/**
 * A child that saves `state(version)` to `path`. "pause": after its first 4 MB
 * chunk reaches the temporary file it prints "paused" and blocks until killed.
 * "loop": saves versions 1, 2, 3, ... printing "start k" before each.
 */
const CHILD = `
import fs from "node:fs";
import { syncBuiltinESMExports } from "node:module";
const [mode, path] = process.argv.slice(2);
const torch = await import(${JSON.stringify(pathToFileURL(join(root, "src/index.ts")).href)});
const { save } = await import(${JSON.stringify(pathToFileURL(join(root, "src/node/index.ts")).href)});
const say = (line) => fs.writeSync(1, line + "\\n");
const N = ${N};
const state = (v) => ({ w: torch.full([N], v), step: torch.tensor(v, { dtype: "int64" }) });
if (mode === "pause") {
  const { openSync, writeSync } = fs;
  const temps = new Set();
  fs.openSync = (file, ...rest) => {
    const fd = openSync(file, ...rest);
    if (String(file).endsWith(".tmp")) temps.add(fd);
    return fd;
  };
  fs.writeSync = (fd, ...rest) => {
    const n = writeSync(fd, ...rest);
    if (temps.has(fd)) {
      say("paused");
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0);
    }
    return n;
  };
  syncBuiltinESMExports();
  save(state(2), path);
} else {
  for (let k = 1; ; k++) {
    const s = state(k);
    say("start " + k);
    save(s, path);
  }
}
`;

/** Resolves with the first stdout line matching `pattern`. */
function waitForLine(child: ChildProcess, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffered = "";
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    child.stdout?.on("data", (d: Buffer) => {
      buffered += d.toString();
      const line = buffered.split("\n").find((l) => pattern.test(l));
      if (line !== undefined) resolve(line);
    });
    child.on("exit", (code) => reject(new Error(`child exited (${code}) before printing ${pattern}: ${stderr}`)));
  });
}

function killed(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.on("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

function startChild(mode: "pause" | "loop", path: string): ChildProcess {
  const script = join(dir, "child.mjs");
  fs.writeFileSync(script, CHILD);
  return spawn(process.execPath, ["--import", "tsx", script, mode, path], { cwd: root, stdio: ["ignore", "pipe", "pipe"] });
}

describe("a save killed half-way (SIGKILL in a child process)", () => {
  it("leaves the previous file intact; the next save removes the leftover temporary file", async () => {
    const name = "killed.safetensors";
    const path = join(dir, name);
    save(state(1), path);
    const child = startChild("pause", path);
    await waitForLine(child, /^paused$/);
    // The child has written the first half of version 2 to its temporary file and is blocked there.
    const [temp] = temps(name);
    expect(temp).toBeDefined();
    expect(fs.statSync(join(dir, temp as string)).size).toBe(4 * 1024 * 1024);
    await killed(child);
    expect(versionOf(path)).toBe(1);
    expect(temps(name)).toEqual([temp]); // a killed save cannot clean up after itself
    save(state(3), path);
    expect(versionOf(path)).toBe(3);
    expect(temps(name)).toEqual([]); // its writer is gone, so the next save removed it
  }, 60_000);

  it("whenever the kill lands, the file is a complete version", async () => {
    const name = "loop.safetensors";
    const path = join(dir, name);
    const child = startChild("loop", path);
    await waitForLine(child, /^start 3$/);
    // Kill as soon as the third save shows on disk: a temporary file, or (were save not atomic) the target changing.
    const before = fs.statSync(path);
    const writing = () => {
      const now = fs.statSync(path);
      return temps(name).length > 0 || now.size !== before.size || now.mtimeMs !== before.mtimeMs;
    };
    for (let i = 0; i < 10_000 && !writing(); i++) await new Promise((resolve) => setImmediate(resolve));
    await killed(child);
    // A complete version (versionOf checks every element): 2 or later, however far the child got on a slow machine.
    expect(versionOf(path)).toBeGreaterThanOrEqual(2);
  }, 60_000);
});
