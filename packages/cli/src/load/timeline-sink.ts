import type { LoadRunSummary, TimelineRow } from '@sockml/core';
import { CsvTimelineSink } from './csv-timeline-sink.js';
import { JsonTimelineSink } from './json-timeline-sink.js';

/**
 * What ran: stamped into every result file so an experiment or a replay can tell which load produced
 * the metrics it sees.
 */
export interface LoadRunStamp {
  tool: 'sockml loadtest';
  engine: 'builtin' | 'k6';
  model: 'open' | 'closed';
  pattern: { name: string; peakRps: number; durationMs: number; params: Record<string, unknown> };
  target: string;
  startedAt: string;
  seed: number;
  maxInFlight: number;
  vus: number | null;
  mix: Record<string, number>;
  sloMs: number | null;
}

/** Where the per-second timeline goes. */
export interface TimelineSink {
  write(row: TimelineRow): void;
  /** Writes what is left and puts the file in place. */
  close(summary: LoadRunSummary & { stoppedBy: string }): Promise<void>;
  /** The run failed: no file, the earlier one (if any) unchanged. */
  abort(): Promise<void>;
}

/** By extension: .json gets one document at the end, anything else a CSV written as the seconds close; never one of `inputs` (a --trace file). */
export function openTimelineSink(path: string, stamp: LoadRunStamp, inputs: readonly string[] = []): TimelineSink {
  return path.toLowerCase().endsWith('.json') ? new JsonTimelineSink(path, stamp, inputs) : new CsvTimelineSink(path, stamp, inputs);
}
