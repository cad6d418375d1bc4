/**
 * Kindling as another project gets it: `npm pack` of a fresh clone of this
 * repository (its committed HEAD), the tarball installed into a new ES module
 * project, a new CommonJS project and a new TypeScript project, and a git-URL
 * install (npm clones, installs the dev dependencies and runs `prepare`).
 * Each runs a training step. Slow (a clone, a build, installs): its own vitest
 * project, `npm run test:package` alone.
 */

import { type ExecFileSyncOptions, execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const root = new URL("../..", import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), "kindling-package-"));
const clone = join(work, "clone");
let tarball = "";

/** Runs a command; its output (stdout and stderr) as one string. */
function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv = {}): string {
  const opts: ExecFileSyncOptions = { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...env } };
  try {
    return execFileSync(cmd, args, opts) as unknown as string;
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(" ")} failed in ${cwd}:\n${err.stdout ?? ""}\n${err.stderr ?? ""}\n${err.message}`);
  }
}

/** npm with its output captured (warnings included), no audit or funding chatter. */
function npm(args: string[], cwd: string): string {
  return run("npm", [...args, "--no-audit", "--no-fund"], cwd, { npm_config_update_notifier: "false" });
}

/** A new project directory holding package.json and the given files. */
function project(name: string, pkg: object, files: Record<string, string>): string {
  const dir = join(work, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "package.json"), JSON.stringify({ name, version: "1.0.0", private: true, ...pkg }, null, 2));
  for (const [f, text] of Object.entries(files)) writeFileSync(join(dir, f), text);
  return dir;
}

const STEP = (torch: string) => `
const w = ${torch}.tensor([3, -2, 0.5], { requiresGrad: true });
const opt = new ${torch}.optim.SGD([w], { lr: 0.1 });
for (let i = 0; i < 20; i++) {
  opt.zeroGrad();
  w.sub(1).pow(2).sum().backward();
  opt.step();
}
console.log(String(w));
`;
const TRAINED = "tensor([1.0231, 0.9654, 0.9942], requires_grad=True)";

beforeAll(() => {
  run("git", ["clone", "--quiet", `file://${root}`, clone], work);
  // The clone's dev dependencies are this checkout's (the same lock file): no second download.
  symlinkSync(join(root, "node_modules"), join(clone, "node_modules"), "dir");
  npm(["pack", "--pack-destination", work], clone);
  const found = readdirSync(work).find((f) => f.endsWith(".tgz"));
  if (found === undefined) throw new Error("npm pack wrote no tarball");
  tarball = join(work, found);
}, 600_000);

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

describe("the packed package", () => {
  it("holds the built dist/, the sources its maps point to, the LICENSE and the CommonJS entry", () => {
    const list = run("tar", ["-tzf", tarball], work).split("\n");
    for (const f of ["package/dist/index.js", "package/dist/index.d.ts", "package/dist/index.cjs", "package/dist/node/index.cjs"]) {
      expect(list).toContain(f);
    }
    expect(list).toContain("package/LICENSE");
    expect(list).toContain("package/src/index.ts");
    expect(list.some((f) => f.startsWith("package/test/") || f.startsWith("package/node_modules/"))).toBe(false);
  });

  it("installs into an ES module project without a warning, and trains", () => {
    const dir = project("esm-app", { type: "module" }, { "main.js": `import * as torch from "kindling";\n${STEP("torch")}` });
    const out = npm(["install", tarball], dir);
    expect(out).not.toMatch(/npm (warn|WARN)/);
    expect(run(process.execPath, ["main.js"], dir).trim()).toBe(TRAINED);
  });

  it("is required from a CommonJS project", () => {
    const dir = project("cjs-app", {}, { "main.js": `const torch = require("kindling");\n${STEP("torch")}` });
    npm(["install", tarball], dir);
    expect(run(process.execPath, ["main.js"], dir).trim()).toBe(TRAINED);
  });

  it("type-checks and runs in a TypeScript project (module nodenext)", () => {
    const tsconfig = {
      compilerOptions: {
        module: "nodenext",
        moduleResolution: "nodenext",
        target: "es2022",
        strict: true,
        outDir: "out",
        skipLibCheck: false,
      },
      include: ["main.ts"],
    };
    const main = `import * as torch from "kindling";\nconst t: torch.Tensor = torch.ones(2);\nconsole.log(t.shape.length);\n${STEP("torch")}`;
    const dir = project("ts-app", { type: "module" }, { "main.ts": main, "tsconfig.json": JSON.stringify(tsconfig) });
    npm(["install", tarball], dir);
    run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "."], dir);
    expect(run(process.execPath, ["out/main.js"], dir).trim().split("\n")).toEqual(["1", TRAINED]);
  });

  it("in a CommonJS TypeScript project (module nodenext) compiles and runs, or fails to compile, never at run time", () => {
    const tsconfig = {
      compilerOptions: { module: "nodenext", moduleResolution: "nodenext", target: "es2022", strict: true, outDir: "out" },
      include: ["main.ts"],
    };
    const main = `import * as torch from "kindling";\n${STEP("torch")}`;
    const dir = project("ts-cjs-app", { type: "commonjs" }, { "main.ts": main, "tsconfig.json": JSON.stringify(tsconfig) });
    npm(["install", tarball], dir);
    let compiled = true;
    try {
      run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "."], dir);
    } catch (e) {
      compiled = false;
      expect(String(e)).toMatch(/error TS\d+/);
    }
    if (compiled) expect(run(process.execPath, ["out/main.js"], dir).trim()).toBe(TRAINED);
  });

  it("installs from a git URL: npm runs prepare (approved as the README says), which builds dist/", () => {
    const dir = project(
      "git-app",
      { type: "module", allowScripts: { kindling: true } },
      { "main.js": `import * as torch from "kindling";\n${STEP("torch")}` },
    );
    const out = npm(["install", `git+file://${clone}`], dir);
    expect(out).not.toMatch(/npm (warn|WARN)/);
    expect(existsSync(join(dir, "node_modules/kindling/dist/index.js"))).toBe(true);
    expect(run(process.execPath, ["main.js"], dir).trim()).toBe(TRAINED);
  }, 600_000);
});
