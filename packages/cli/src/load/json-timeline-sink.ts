import { writeFile } from 'node:fs/promises';
import type { LoadRunSummary, TimelineRow } from '@sockml/core';
import type { LoadRunStamp, TimelineSink } from './timeline-sink.js';

/** One JSON document, written at the end: { run: stamp, summary, timeline: rows }. Empty latencies are null. */
export class JsonTimelineSink implements TimelineSink {
  private readonly rows: TimelineRow[] = [];

  constructor(
    private readonly path: string,
    private readonly stamp: LoadRunStamp,
  ) {}

  write(row: TimelineRow): void {
    this.rows.push(row);
  }

  close(summary: LoadRunSummary & { stoppedBy: string }): Promise<void> {
    // JSON.stringify writes NaN as null already; the replacer only rounds latencies to µs.
    const round = (_: string, v: unknown) => (typeof v === 'number' && !Number.isInteger(v) && Number.isFinite(v) ? Math.round(v * 1000) / 1000 : v);
    return writeFile(this.path, JSON.stringify({ run: this.stamp, summary, timeline: this.rows }, round, 2) + '\n');
  }
}
