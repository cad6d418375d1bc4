/**
 * Atomic file replacement for `save`: the bytes go to a temporary file in the
 * target's directory, which is flushed to disk (fsync) and then renamed over
 * the target. A rename within one file system is atomic, so a reader (or a
 * process restarted after a crash) sees either the previous file or the
 * complete new one, never a partial file.
 *
 * The temporary file is named `.<name>.<pid>.<random>.tmp`. A save that fails
 * removes it; a process killed mid-save leaves it behind, and the next
 * successful save of the same target removes the leftovers of processes that
 * are no longer running (on this machine).
 */

import * as fs from "node:fs";
import { basename, dirname, join } from "node:path";
import { KindlingError } from "../core/errors.js";

/** Bytes written per system call: a kill or an I/O error can land between any two. */
const CHUNK = 1 << 22;

/** An I/O failure, named with the operation and the path ("save: cannot write '/x/y': ENOENT: ..."). */
export function ioError(op: string, verb: string, path: string, cause: unknown): KindlingError {
  const e = cause as NodeJS.ErrnoException;
  // Node's message is "CODE: description, syscall 'path'"; the path is already named.
  const detail = typeof e?.message === "string" ? e.message.replace(/, \w+ '.*'$/, "") : String(cause);
  const error = new KindlingError(`${op}: cannot ${verb} '${path}': ${detail}`);
  (error as Error & { cause?: unknown }).cause = cause;
  return error;
}

/** The real path of `path` when it exists (so a symbolic link's target is replaced, as a plain write would), else `path`. */
function resolveTarget(path: string): string {
  try {
    return fs.realpathSync(path);
  } catch {
    return path;
  }
}

function writeAll(fd: number, bytes: Uint8Array): void {
  for (let offset = 0; offset < bytes.length; ) {
    offset += fs.writeSync(fd, bytes, offset, Math.min(CHUNK, bytes.length - offset));
  }
}

/** Makes the rename itself durable; directories cannot be opened this way on some platforms (Windows), where this is skipped. */
function syncDirectory(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // Not supported here: the rename is still atomic, only its durability across a power loss is not guaranteed.
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Removes temporary files of `target` left by processes that were killed mid-save. */
function removeLeftovers(target: string): void {
  const dir = dirname(target);
  const prefix = `.${basename(target)}.`;
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) {
    if (!name.startsWith(prefix) || !name.endsWith(".tmp")) continue;
    const match = /^(\d+)\.[0-9a-f]+\.tmp$/.exec(name.slice(prefix.length));
    if (match === null || isRunning(Number(match[1]))) continue;
    try {
      fs.unlinkSync(join(dir, name));
    } catch {
      // Removed by someone else meanwhile, or not ours to remove.
    }
  }
}

/** The file mode to give the new file: the previous file's, else the default (0o666 less the umask). */
function previousMode(target: string): number | undefined {
  try {
    return fs.statSync(target).mode & 0o7777;
  } catch {
    return undefined;
  }
}

/** After a failed save: closes and removes the temporary file, ignoring errors (the save's error is the one to report). */
function cleanUp(fd: number | undefined, temp: string): void {
  try {
    if (fd !== undefined) fs.closeSync(fd);
  } catch {}
  try {
    fs.rmSync(temp, { force: true });
  } catch {}
}

/** Replaces the file at `path` with `bytes` atomically (see the module comment); errors name `op` and the path. */
export function writeFileAtomic(path: string, bytes: Uint8Array, op: string): void {
  const target = resolveTarget(path);
  const random = Math.floor(Math.random() * 2 ** 32).toString(16);
  const temp = join(dirname(target), `.${basename(target)}.${process.pid}.${random}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(temp, "wx", previousMode(target) ?? 0o666);
    writeAll(fd, bytes);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(temp, target);
  } catch (e) {
    cleanUp(fd, temp);
    throw ioError(op, "write", path, e);
  }
  syncDirectory(dirname(target));
  removeLeftovers(target);
}
