/**
 * Every file a command writes as its result goes through here, so that a failed run loses nothing:
 *  - the path is checked before any work: its directory exists, it is not a directory, and it is not one
 *    of the command's inputs (same file by device and inode, so `./a.csv`, a symlink or a hard link to an
 *    input are caught as well as the same spelling);
 *  - the content goes to a temporary file beside the target (same directory, so the rename cannot cross
 *    file systems), fsynced and renamed over the target only once the run succeeded. A run that fails,
 *    or is killed by a signal it does not handle, leaves the earlier file as it was and no partial one;
 *  - every error (missing directory, a directory, no space left) is an InputError naming the flag: one
 *    line and exit code 2, never a stack trace.
 */
import { chmodSync, closeSync, createWriteStream, fsyncSync, openSync, realpathSync, renameSync, statSync, unlinkSync, type Stats, type WriteStream } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { finished } from 'node:stream/promises';
import { basename, dirname, join } from 'node:path';
import { InputError } from './base-command.js';

/** `--out x.csv`: how an output is named in messages. */
export interface OutputOptions {
  /** The flag that named the path, e.g. `--out` or `-o`. */
  flag: string;
  /** Files the command reads: the output must be none of them. */
  inputs?: readonly string[];
}

/** `ENOSPC: no space left on device`, without Node's `, write` or `, open '/path'` tail. */
const reason = (e: unknown) => {
  const err = e as NodeJS.ErrnoException;
  const text = String(err?.message ?? e).replace(/^[A-Z]+: /, '').replace(/, \w+(?: '.*')?$/, '');
  return err?.code ? `${err.code}: ${text}` : text;
};

/**
 * Refuses an output path that cannot be written or is also an input (InputError, exit code 2). Nothing is
 * created: call it before the work, so a typo costs nothing.
 */
export function checkOutputPath(path: string, o: OutputOptions): void {
  const where = `${o.flag} ${path}`;
  const dir = dirname(path);
  let dirStat: Stats;
  try {
    dirStat = statSync(dir);
  } catch {
    throw new InputError(`${where}: directory ${dir} does not exist`);
  }
  if (!dirStat.isDirectory()) throw new InputError(`${where}: ${dir} is not a directory`);
  let target: Stats | undefined;
  try {
    target = statSync(path);
  } catch {
    return; // a new file: it cannot be an input, which all exist
  }
  if (target.isDirectory()) throw new InputError(`${where}: is a directory; name a file`);
  for (const input of o.inputs ?? []) {
    let s: Stats;
    try {
      s = statSync(input);
    } catch {
      continue;
    }
    if (s.dev === target.dev && s.ino === target.ino) throw new InputError(`${where} is also an input (${input}): writing it would destroy what is being read; choose another path`);
  }
}

/**
 * Where the bytes for `path` go. A symlink is followed (the link stays a link, its file is replaced). A
 * path that exists and is not a regular file — /dev/null, a FIFO — or lives under /dev or /proc
 * (/dev/stdout, also when redirected to a file) is written directly: it cannot be replaced by a rename,
 * and must not be (renaming over /dev/null as root would replace it).
 */
export function outputTarget(path: string): { path: string; direct: boolean; mode?: number } {
  let st: Stats;
  try {
    st = statSync(path); // follows symlinks, also /dev/stdout's to a pipe
  } catch {
    return { path, direct: false }; // a new file
  }
  // /dev/stdout redirected to a file is still the process's stdout: written through, never replaced.
  if (!st.isFile() || /^\/(dev|proc)\//.test(path)) return { path, direct: true };
  return { path: realpathSync(path), direct: false, mode: st.mode & 0o7777 };
}

/** Temporary files not yet renamed or removed: removed if the process ends first. */
const pending = new Set<string>();
const removePending = () => {
  for (const p of pending) {
    try {
      unlinkSync(p);
    } catch {
      // already gone
    }
  }
  pending.clear();
};
process.on('exit', removePending);
/**
 * A signal the command does not handle itself ends the process without 'exit' handlers; remove the
 * temporary files first, then end as the signal would have. A command that handles the signal (collect,
 * loadtest, experiment run stop cleanly) commits or aborts its output itself.
 */
let signalsHooked = false;
function hookSignals() {
  if (signalsHooked) return;
  signalsHooked = true;
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = () => {
      if (process.listenerCount(sig) > 1) return; // someone else stops the command
      removePending();
      process.removeListener(sig, onSignal);
      process.kill(process.pid, sig);
    };
    process.on(sig, onSignal);
  }
}

/** A name beside the target that no input scan picks up (it ends in neither .csv nor .jsonl). */
function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
}

/**
 * A file written as a stream (replay's decisions, a training matrix, a load timeline) that appears under
 * its name only when `commit()` succeeds.
 */
export class AtomicOutput {
  private readonly stream: WriteStream;
  private failure: Error | undefined;
  private done = false;

  private constructor(
    readonly path: string,
    private readonly flag: string,
    /** The temporary file, or null when writing straight to a device or pipe (outputTarget). */
    private readonly temp: string | null,
    private readonly target: string,
    private readonly fd: number,
  ) {
    this.stream = createWriteStream(temp ?? target, { fd, autoClose: false, highWaterMark: 1 << 16 });
    this.stream.on('error', (e) => (this.failure ??= e));
  }

  /** Checks the path (checkOutputPath) and creates the temporary file beside it. */
  static open(path: string, o: OutputOptions): AtomicOutput {
    checkOutputPath(path, o);
    const target = outputTarget(path);
    if (target.direct) {
      let fd: number;
      try {
        fd = openSync(target.path, 'w');
      } catch (e) {
        throw new InputError(`${o.flag} ${path}: cannot write (${reason(e)})`);
      }
      return new AtomicOutput(path, o.flag, null, target.path, fd);
    }
    const temp = tempPathFor(target.path);
    let fd: number;
    try {
      fd = openSync(temp, 'wx', target.mode ?? 0o666);
    } catch (e) {
      throw new InputError(`${o.flag} ${path}: cannot write in ${dirname(target.path)} (${reason(e)})`);
    }
    pending.add(temp);
    hookSignals();
    if (target.mode !== undefined) {
      try {
        chmodSync(temp, target.mode); // the replaced file's permissions, whatever the umask
      } catch {
        // best effort
      }
    }
    return new AtomicOutput(path, o.flag, temp, target.path, fd);
  }

  /** A write failed: `commit()` will throw it; later writes throw at once. */
  get failed(): boolean {
    return this.failure !== undefined;
  }

  /** Queues text; false when the caller should wait for `drained()`. Throws once a write has failed. */
  write(text: string): boolean {
    if (this.failure) throw this.error(this.failure);
    return this.stream.write(text);
  }

  /** Resolves when the queued text is written (or throws the write's error). */
  drained(): Promise<void> {
    if (this.failure) return Promise.reject(this.error(this.failure));
    if (!this.stream.writableNeedDrain) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onDrain = () => {
        this.stream.off('error', onError);
        resolve();
      };
      const onError = (e: Error) => {
        this.stream.off('drain', onDrain);
        reject(this.error(e));
      };
      this.stream.once('drain', onDrain).once('error', onError);
    });
  }

  /** Writes what is queued, fsyncs and renames the temporary file over the target. */
  async commit(): Promise<void> {
    if (this.done) return;
    this.stream.end();
    await finished(this.stream).catch((e: Error) => (this.failure ??= e));
    this.done = true;
    try {
      if (this.failure) throw this.failure;
      if (this.temp === null) {
        closeSync(this.fd);
        return;
      }
      fsyncSync(this.fd);
      closeSync(this.fd);
      renameSync(this.temp, this.target);
      pending.delete(this.temp);
    } catch (e) {
      this.discard();
      throw this.error(e);
    }
  }

  /** Removes the temporary file; the target stays as it was. Safe to call after commit (does nothing). */
  async abort(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.stream.destroy();
    this.discard();
  }

  private discard() {
    try {
      closeSync(this.fd);
    } catch {
      // closed already
    }
    if (this.temp === null) return;
    try {
      unlinkSync(this.temp);
    } catch {
      // gone already
    }
    pending.delete(this.temp);
  }

  private error(e: unknown): InputError {
    return e instanceof InputError ? e : new InputError(`${this.flag} ${this.path}: cannot write (${reason(e)}); the earlier file, if any, is unchanged`);
  }
}

/** Writes a whole file atomically (temporary file, fsync, rename); errors as AtomicOutput's. */
export async function writeFileAtomic(path: string, data: string, o: OutputOptions): Promise<void> {
  const out = AtomicOutput.open(path, o);
  try {
    out.write(data);
    await out.commit();
  } finally {
    await out.abort();
  }
}
