import { linkSync, rmSync, writeFileSync } from 'node:fs';
import { InputError } from '../lib/base-command.js';
import { liveWriter, lockPath } from './journal-recovery.js';

/**
 * One collect per metrics CSV: `<out>.lock` holds the writer's pid while it runs. A second collect on the
 * same file is refused while that process lives (two writers would interleave their rows and journals);
 * a lock whose process is gone (a crash, kill -9) is taken over. The lock is created whole, with its pid
 * already in it (written beside it, then hard-linked into place, which fails if a lock exists), so no
 * reader ever sees an empty lock and mistakes a live writer for a dead one.
 */
export class WriterLock {
  private constructor(private readonly path: string) {}

  static acquire(csv: string): WriterLock {
    const path = lockPath(csv);
    const mine = `${path}.${process.pid}`;
    writeFileSync(mine, `${process.pid}\n`);
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          linkSync(mine, path);
          return new WriterLock(path);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw new InputError(`--out ${csv}: cannot create its lock ${path} (${(e as NodeJS.ErrnoException).code})`);
        }
        const holder = liveWriter(csv);
        if (holder !== null) throw new InputError(`--out ${csv} is being written by another collect (pid ${holder}); stop it first, or choose another --out`);
        rmSync(path, { force: true }); // its writer is gone
      }
      throw new InputError(`--out ${csv}: its lock ${path} keeps changing hands; is another collect starting on it?`);
    } finally {
      rmSync(mine, { force: true });
    }
  }

  release(): void {
    rmSync(this.path, { force: true });
  }
}
