import type { TimelineRow } from '@sockml/core';
import { AtomicOutput } from '../lib/output-file.js';
import type { LoadRunStamp, TimelineSink } from './timeline-sink.js';

export const TIMELINE_COLUMNS = ['second', 'offered', 'started', 'dropped', 'achieved_rps', 'errors', 'p50_ms', 'p95_ms', 'p99_ms', 'in_flight'] as const;

/**
 * One row per second, streamed to a temporary file beside the target and renamed over it when the run ends
 * (a run stopped by Ctrl-C keeps what it had; a run that fails leaves no partial file). The first line is `# ` and the run's
 * stamp as JSON, so the file says what load it records; CSV readers skip it with a comment option
 * (csv-parse: `comment: '#'`, pandas: `comment='#'`). Seconds without a completed request have empty
 * latencies, never 0.
 */
export class CsvTimelineSink implements TimelineSink {
  private readonly out: AtomicOutput;

  constructor(path: string, stamp: LoadRunStamp, inputs: readonly string[] = []) {
    this.out = AtomicOutput.open(path, { flag: '--out', inputs });
    this.out.write(`# ${JSON.stringify(stamp)}\n${TIMELINE_COLUMNS.join(',')}\n`);
  }

  write(r: TimelineRow): void {
    // Rows come from the engine's timers: a failed write must not throw there. close() reports it.
    if (this.out.failed) return;
    this.out.write([r.second, num(r.offered), r.started, r.dropped, r.completed, r.errors, ms(r.p50Ms), ms(r.p95Ms), ms(r.p99Ms), r.inFlight].join(',') + '\n');
  }

  close(): Promise<void> {
    return this.out.commit();
  }

  abort(): Promise<void> {
    return this.out.abort();
  }
}

const ms = (v: number) => (Number.isNaN(v) ? '' : v.toFixed(3));
const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(3));
