import type { LoadPattern, LoadRunSummary, TimelineRow, WeightedRequest } from '@sockml/core';

export const LOAD_MODELS = ['open', 'closed'] as const;
export type LoadModel = (typeof LOAD_MODELS)[number];

/** What a load run is: the same for every engine, and stamped into its results. */
export interface LoadRunSpec {
  pattern: LoadPattern;
  /** Base URL of the Sock Shop front-end; journey paths are appended to its path. */
  target: URL;
  /** open: arrivals on the pattern's schedule whatever the responses; closed: virtual users looping. */
  model: LoadModel;
  /** closed model: virtual users at the peak (fewer while the pattern is lower). */
  vus: number;
  /** open model: most requests in flight at once; an arrival beyond it is a dropped iteration. */
  maxInFlight: number;
  requests: readonly WeightedRequest[];
  seed: number;
  timeoutMs: number;
  /** p95 SLO in ms: the k6 threshold, and the summary's verdict. */
  sloMs?: number;
  signal?: AbortSignal;
  /** Each closed timeline second, as soon as it can no longer change. */
  onRow?: (row: TimelineRow) => void;
}

export interface LoadRunResult {
  stoppedBy: 'duration' | 'signal';
  summary: LoadRunSummary;
}

/** Something that puts a pattern's load on a target. */
export interface LoadEngine {
  readonly name: 'builtin' | 'k6';
  run(spec: LoadRunSpec): Promise<LoadRunResult>;
}
