import type { LoadRunSummary, TimelineRow } from '@sockml/core';
import { checkOutputPath, writeFileAtomic } from '../lib/output-file.js';
import type { LoadRunStamp, TimelineSink } from './timeline-sink.js';

/**
 * One JSON document, written at the end (atomically: temporary file, rename): { run: stamp, summary,
 * timeline: rows }. Empty latencies are null. The path is checked when the sink opens, before the run.
 */
export class JsonTimelineSink implements TimelineSink {
  private readonly rows: TimelineRow[] = [];

  constructor(
    private readonly path: string,
    private readonly stamp: LoadRunStamp,
    private readonly inputs: readonly string[] = [],
  ) {
    checkOutputPath(path, { flag: '--out', inputs });
  }

  write(row: TimelineRow): void {
    this.rows.push(row);
  }

  close(summary: LoadRunSummary & { stoppedBy: string }): Promise<void> {
    // JSON.stringify writes NaN as null already; the replacer only rounds latencies to µs.
    const round = (_: string, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) && Number.isFinite(v) ? Math.round(v * 1000) / 1000 : v);
    return writeFileAtomic(this.path, JSON.stringify({ run: this.stamp, summary, timeline: this.rows }, round, 2) + '\n', { flag: '--out', inputs: this.inputs });
  }

  abort(): Promise<void> {
    return Promise.resolve(); // nothing written before close
  }
}
