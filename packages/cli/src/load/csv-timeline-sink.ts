import { createWriteStream, type WriteStream } from 'node:fs';
import type { TimelineRow } from '@sockml/core';
import type { LoadRunStamp, TimelineSink } from './timeline-sink.js';

export const TIMELINE_COLUMNS = ['second', 'offered', 'started', 'dropped', 'achieved_rps', 'errors', 'p50_ms', 'p95_ms', 'p99_ms', 'in_flight'] as const;

/**
 * One row per second, streamed (a run cut short keeps what it had). The first line is `# ` and the run's
 * stamp as JSON, so the file says what load it records; CSV readers skip it with a comment option
 * (csv-parse: `comment: '#'`, pandas: `comment='#'`). Seconds without a completed request have empty
 * latencies, never 0.
 */
export class CsvTimelineSink implements TimelineSink {
  private readonly out: WriteStream;

  constructor(path: string, stamp: LoadRunStamp) {
    this.out = createWriteStream(path);
    this.out.write(`# ${JSON.stringify(stamp)}\n${TIMELINE_COLUMNS.join(',')}\n`);
  }

  write(r: TimelineRow): void {
    this.out.write([r.second, num(r.offered), r.started, r.dropped, r.completed, r.errors, ms(r.p50Ms), ms(r.p95Ms), ms(r.p99Ms), r.inFlight].join(',') + '\n');
  }

  close(): Promise<void> {
    return new Promise((done, fail) => {
      this.out.once('error', fail);
      this.out.end(done);
    });
  }
}

const ms = (v: number) => (Number.isNaN(v) ? '' : v.toFixed(3));
const num = (v: number) => (Number.isInteger(v) ? String(v) : v.toFixed(3));
