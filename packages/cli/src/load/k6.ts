import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import type { LoadEngine, LoadRunResult, LoadRunSpec } from './load-engine.js';
import { writeFileAtomic } from '../lib/output-file.js';
import { renderK6Script, summaryFromK6 } from './k6-script.js';

/** k6 is not installed: the script is written, and this says how to run it. */
export class K6MissingError extends Error {
  constructor(
    readonly scriptPath: string,
    readonly command: string,
  ) {
    super(`k6 is not on PATH. The script is written to ${scriptPath}; install k6 (https://grafana.com/docs/k6/latest/set-up/install-k6/) and run:\n  ${command}`);
  }
}

/**
 * Runs the load with k6: writes a ramping-arrival-rate script from the same pattern and journey, runs
 * `k6 run` when k6 is on PATH, and reads back its JSON summary. The open model only (k6's arrival-rate
 * executors); k6 draws the journey with its own Math.random, so the seed does not carry over.
 */
export class K6Engine implements LoadEngine {
  readonly name = 'k6' as const;

  constructor(
    private readonly o: { scriptPath: string; summaryPath: string; stamp: Record<string, unknown>; k6Binary?: string | null },
  ) {}

  async run(spec: LoadRunSpec): Promise<LoadRunResult> {
    if (spec.model !== 'open') throw new Error('the k6 engine runs the open model only (ramping-arrival-rate); use --engine builtin for --model closed');
    await writeFileAtomic(
      this.o.scriptPath,
      renderK6Script({ pattern: spec.pattern, target: spec.target, requests: spec.requests, maxInFlight: spec.maxInFlight, sloMs: spec.sloMs, summaryPath: this.o.summaryPath, stamp: this.o.stamp }),
      { flag: '--k6-script' },
    );
    const k6 = this.o.k6Binary === undefined ? findOnPath('k6') : this.o.k6Binary;
    const command = `k6 run ${shellQuote(this.o.scriptPath)}`;
    if (!k6) throw new K6MissingError(this.o.scriptPath, command);
    const child = spawn(k6, ['run', this.o.scriptPath], { stdio: ['ignore', 'inherit', 'inherit'] });
    const onAbort = () => child.kill('SIGINT');
    spec.signal?.addEventListener('abort', onAbort, { once: true });
    const code = await new Promise<number | null>((done, fail) => child.once('error', fail).once('exit', done)).finally(() => spec.signal?.removeEventListener('abort', onAbort));
    // k6 exits 99 when a threshold failed: the run itself happened and the summary is there.
    if (code !== 0 && code !== 99) throw new Error(`k6 run exited with ${code}`);
    const data = JSON.parse(await readFile(this.o.summaryPath, 'utf8'));
    return { stoppedBy: spec.signal?.aborted ? 'signal' : 'duration', summary: summaryFromK6(data, spec.pattern.durationMs) };
  }
}

export function findOnPath(name: string, path = process.env.PATH ?? ''): string | null {
  for (const dir of path.split(delimiter).filter(Boolean)) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

const shellQuote = (s: string) => (/^[\w./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);
