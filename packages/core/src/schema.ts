/**
 * The single source of truth for every record that crosses a boundary: the metrics CSV row, the
 * Kafka messages (`metrics`, `model-votes`, `scaling-decisions`) and the decision log. Every reader
 * and writer goes through the parse/format functions here; nothing else in sockml knows a column name.
 *
 * The Kafka JSON forms stay compatible with the earlier Python prototype's messages and add fields
 * (snapshot id, feature set, model version, decision id) that the prototype lacked.
 */

export class SchemaError extends Error {
  constructor(
    message: string,
    /** Where the bad record came from, e.g. `fixtures/x.csv:17` or `kafka metrics[0]@42`. */
    public readonly where?: string,
  ) {
    super(where ? `${where}: ${message}` : message);
    this.name = 'SchemaError';
  }
}

// ---------------------------------------------------------------------------------------------
// Metrics sample: one service at one 30 s poll (the 13-column CSV of the recordings)
// ---------------------------------------------------------------------------------------------

/** Columns of the recorded metrics CSV, in the order `collect` writes them. */
export const METRICS_CSV_COLUMNS = [
  'timestamp',
  'service',
  'request_rate_rps',
  'error_rate_pct',
  'p50_latency_ms',
  'p95_latency_ms',
  'p99_latency_ms',
  'cpu_usage_pct',
  'memory_usage_mb',
  'delta_rps',
  'delta_p95_latency_ms',
  'delta_cpu_usage_pct',
  'sla_violated',
] as const;

/** The recorder's (and collect's default) poll interval: the cadence the bundled models were trained on. */
export const DEFAULT_POLL_INTERVAL_MS = 30_000;

/**
 * Polls missing between two polls of one series `dtMs` apart, on a grid of `intervalMs` (a poll up to half
 * an interval late is still the next one). The one rule of what a gap is, for features and labels alike.
 */
export const missingPollsBetween = (dtMs: number, intervalMs: number): number => Math.max(0, Math.round(dtMs / intervalMs) - 1);

/** The header line of a metrics CSV as `collect` writes it. */
export const metricsCsvHeader = (): string => METRICS_CSV_COLUMNS.join(',');

/**
 * Columns a metrics CSV must have. The delta columns are derived data (FeatureExtractor recomputes
 * them per run) and `sla_violated` is only read with `--labels column`, so neither is required.
 */
export const REQUIRED_METRICS_COLUMNS = METRICS_CSV_COLUMNS.slice(0, METRICS_CSV_COLUMNS.indexOf('delta_rps')) as readonly (typeof METRICS_CSV_COLUMNS)[number][];

/**
 * One service at one poll. `null` means "no data": for latencies, the service had no requests in the
 * rate window (an empty cell or `nan` in the CSV); for the others, the series was missing. A null is
 * never the same as 0, and only the FeatureExtractor's documented policy turns it into a number.
 */
export interface MetricsSample {
  /** ISO-8601 poll time, exactly as recorded (all services of one poll share it). */
  timestamp: string;
  /** Poll time in epoch milliseconds. */
  timeMs: number;
  service: string;
  requestRateRps: number | null;
  errorRatePct: number | null;
  p50LatencyMs: number | null;
  p95LatencyMs: number | null;
  p99LatencyMs: number | null;
  cpuUsagePct: number | null;
  memoryUsageMb: number | null;
  /** The recorder's own label; never ground truth unless `--labels column` is asked for. */
  slaViolated: 0 | 1 | null;
}

/**
 * What a service measured at one poll, without time or label: the scaling policy's view of the poll
 * (PolicyObservation). It travels with the poll's feature vector (`metrics`) and the votes cast on it
 * (`model-votes`), so the live scaler decides on the same observation replay reads from the CSV.
 */
export type PollObservation = Pick<MetricsSample, 'requestRateRps' | 'errorRatePct' | 'p50LatencyMs' | 'p95LatencyMs' | 'p99LatencyMs' | 'cpuUsagePct' | 'memoryUsageMb'>;

/** The observation's fields by their CSV column names, in CSV order: its JSON form on Kafka. */
const OBSERVATION_FIELDS = [
  ['request_rate_rps', 'requestRateRps'],
  ['error_rate_pct', 'errorRatePct'],
  ['p50_latency_ms', 'p50LatencyMs'],
  ['p95_latency_ms', 'p95LatencyMs'],
  ['p99_latency_ms', 'p99LatencyMs'],
  ['cpu_usage_pct', 'cpuUsagePct'],
  ['memory_usage_mb', 'memoryUsageMb'],
] as const satisfies readonly (readonly [(typeof METRICS_CSV_COLUMNS)[number], keyof PollObservation])[];

export type ObservationMessage = Record<(typeof OBSERVATION_FIELDS)[number][0], number | null>;

export function observationOf(s: PollObservation): PollObservation {
  return {
    requestRateRps: s.requestRateRps,
    errorRatePct: s.errorRatePct,
    p50LatencyMs: s.p50LatencyMs,
    p95LatencyMs: s.p95LatencyMs,
    p99LatencyMs: s.p99LatencyMs,
    cpuUsagePct: s.cpuUsagePct,
    memoryUsageMb: s.memoryUsageMb,
  };
}

export function formatObservation(o: PollObservation): ObservationMessage {
  return Object.fromEntries(OBSERVATION_FIELDS.map(([col, key]) => [col, o[key]])) as ObservationMessage;
}

/** Reads an `observed` object: every field present, each a finite number ≥ 0 or null (missing). */
export function parseObservation(json: unknown, where?: string): PollObservation {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new SchemaError("field 'observed' must be an object", where);
  const o = json as Record<string, unknown>;
  const out = {} as Record<keyof PollObservation, number | null>;
  for (const [col, key] of OBSERVATION_FIELDS) {
    const v = o[col];
    if (v === null) out[key] = null;
    else if (typeof v === 'number' && Number.isFinite(v) && v >= 0) out[key] = v;
    else throw new SchemaError(`field 'observed.${col}' must be a number ≥ 0 or null, got ${JSON.stringify(v)}`, where);
  }
  return out;
}

/** Maps a header to column indexes, and fails naming every required column that is missing. */
export interface MetricsCsvLayout {
  index: Record<(typeof METRICS_CSV_COLUMNS)[number], number>;
}

export function metricsCsvLayout(header: readonly string[], where?: string): MetricsCsvLayout {
  const names = header.map((h) => h.trim());
  // sockml's own CSV outputs pass a look for the required columns; say what they are instead.
  const has = (...cols: string[]) => cols.every((c) => names.includes(c));
  if (has('decision', 'ensemble_vote', 'target_replicas')) {
    throw new SchemaError('not a metrics recording: this is a `sockml replay --out` decisions log (it has decision, ensemble_vote, target_replicas)', where);
  }
  if (has('label', 'run_id', 'p95_now_ms')) {
    throw new SchemaError('not a metrics recording: this is a `sockml dataset build` training matrix (it has label, run_id, p95_now_ms)', where);
  }
  const missing = REQUIRED_METRICS_COLUMNS.filter((c) => !names.includes(c));
  const known = new Set<string>(METRICS_CSV_COLUMNS);
  const unknown = names.filter((n) => !known.has(n));
  const list = (cols: readonly string[]) => cols.map((c) => `'${c}'`).join(', ');
  if (missing.length > 0) {
    throw new SchemaError(
      `missing required column${missing.length > 1 ? 's' : ''} ${list(missing)} ` + `(header has: ${names.join(', ')})`,
      where,
    );
  }
  // A recording has the recorder's columns and nothing else: anything more is another kind of file.
  if (unknown.length > 0) {
    throw new SchemaError(`not a metrics recording: unknown column${unknown.length > 1 ? 's' : ''} ${list(unknown)} (a recording has only ${METRICS_CSV_COLUMNS.join(', ')})`, where);
  }
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new SchemaError(`not a metrics recording: column '${twice}' appears twice`, where);
  const index = {} as MetricsCsvLayout['index'];
  for (const c of METRICS_CSV_COLUMNS) index[c] = names.indexOf(c);
  return { index };
}

/** The largest finite float32: model inputs are float32 tensors. */
export const FLOAT32_MAX = 3.4028234663852886e38;

const NO_DATA = new Set(['', 'nan', 'NaN', 'NAN', 'null', 'None']);

/**
 * Parses a numeric cell: "no data" spellings become null; anything else must be a finite number ≥ min
 * that float32 can hold (the models' input type: 1e308 would become Infinity in the features).
 */
function numberCell(raw: string | undefined, column: string, where: string | undefined, min = -Infinity): number | null {
  if (raw === undefined) return null; // optional column absent from this file
  if (raw.length > 0) {
    // Fast path (a replay parses millions of cells): unary + accepts surrounding blanks, as trim would,
    // but also reads a blank cell as 0 and `0x1A` as 26; those two cases go to the slow path instead.
    const v = +raw;
    if (v === v && v !== Infinity && v !== -Infinity && !(v === 0 && raw.trim() === '') && !/^\s*[-+]?0[xXbBoO]/.test(raw)) {
      if (v < min) throw new SchemaError(`column '${column}': ${v} is below ${min}`, where);
      if (!Number.isFinite(Math.fround(v))) throw new SchemaError(`column '${column}': ${v} is beyond float32 (±${FLOAT32_MAX}), the models' input type`, where);
      return v;
    }
  }
  if (NO_DATA.has(raw.trim())) return null;
  throw new SchemaError(`column '${column}': '${raw}' is not a number`, where);
}

let lastTimestamp = '';
let lastTimeMs = 0;
/** All services of a poll share one timestamp, so the last one parsed is cached. */
function parseTime(raw: string, where: string | undefined): number {
  if (raw === lastTimestamp) return lastTimeMs;
  const ms = parseIsoTime(raw);
  if (Number.isNaN(ms)) throw new SchemaError(`column 'timestamp': '${raw}' is not an ISO-8601 time`, where);
  lastTimestamp = raw;
  lastTimeMs = ms;
  return ms;
}

const ISO = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(Z|[+-]\d{2}:?\d{2})?$/;

/**
 * Epoch milliseconds of an ISO-8601 time such as `2026-04-08T22:32:44.730092+00:00` (the recorder's
 * microsecond form, which V8's Date.parse only reads through its slow legacy path); anything else
 * goes to Date.parse. No zone means UTC. Sub-millisecond digits are truncated.
 */
export function parseIsoTime(raw: string): number {
  const m = ISO.exec(raw);
  if (!m) return Date.parse(raw);
  const [, y, mo, d, h, mi, sec, frac, zone] = m;
  const month = +mo;
  const day = +d;
  if (month < 1 || month > 12 || day < 1 || day > 31 || +h > 23 || +mi > 59 || +sec > 59) return NaN;
  let ms = Date.UTC(+y, month - 1, day, +h, +mi, +sec, frac ? +frac.slice(0, 3).padEnd(3, '0') : 0);
  if (zone && zone !== 'Z') {
    const sign = zone[0] === '-' ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    ms -= sign * (+digits.slice(0, 2) * 60 + +digits.slice(2, 4)) * 60_000;
  }
  return ms;
}

/** Validates one CSV record (already split into cells) against the layout. */
export function parseMetricsRow(cells: readonly string[], layout: MetricsCsvLayout, where?: string): MetricsSample {
  const ix = layout.index;
  const timestamp = (cells[ix.timestamp] ?? '').trim();
  if (timestamp === '') throw new SchemaError(`column 'timestamp' is empty`, where);
  const service = (cells[ix.service] ?? '').trim();
  if (service === '') throw new SchemaError(`column 'service' is empty`, where);
  let slaViolated: 0 | 1 | null = null;
  if (ix.sla_violated >= 0) {
    const l = cells[ix.sla_violated].trim();
    if (l === '0' || l === '0.0' || l === 'False' || l === 'false') slaViolated = 0;
    else if (l === '1' || l === '1.0' || l === 'True' || l === 'true') slaViolated = 1;
    else if (l !== '') throw new SchemaError(`column 'sla_violated': '${l}' is not 0 or 1`, where);
  }
  return {
    timestamp,
    timeMs: parseTime(timestamp, where),
    service,
    requestRateRps: numberCell(cells[ix.request_rate_rps], 'request_rate_rps', where, 0),
    errorRatePct: numberCell(cells[ix.error_rate_pct], 'error_rate_pct', where, 0),
    p50LatencyMs: numberCell(cells[ix.p50_latency_ms], 'p50_latency_ms', where, 0),
    p95LatencyMs: numberCell(cells[ix.p95_latency_ms], 'p95_latency_ms', where, 0),
    p99LatencyMs: numberCell(cells[ix.p99_latency_ms], 'p99_latency_ms', where, 0),
    cpuUsagePct: numberCell(cells[ix.cpu_usage_pct], 'cpu_usage_pct', where, 0),
    memoryUsageMb: numberCell(cells[ix.memory_usage_mb], 'memory_usage_mb', where, 0),
    slaViolated,
  };
}

const cell = (v: number | null | undefined): string => (v === null || v === undefined ? '' : String(v));

/**
 * Formats a sample as a CSV line in METRICS_CSV_COLUMNS order. Missing values are written as empty
 * cells (never 0); deltas are against `previous` (same service, previous poll) and empty without one.
 */
export function formatMetricsRow(s: MetricsSample, previous?: MetricsSample): string {
  const d = (a: number | null, b: number | null | undefined) => (a === null || b === null || b === undefined ? null : a - b);
  return [
    s.timestamp,
    s.service,
    cell(s.requestRateRps),
    cell(s.errorRatePct),
    cell(s.p50LatencyMs),
    cell(s.p95LatencyMs),
    cell(s.p99LatencyMs),
    cell(s.cpuUsagePct),
    cell(s.memoryUsageMb),
    cell(d(s.requestRateRps, previous?.requestRateRps)),
    cell(d(s.p95LatencyMs, previous?.p95LatencyMs)),
    cell(d(s.cpuUsagePct, previous?.cpuUsagePct)),
    cell(s.slaViolated),
  ].join(',');
}

// ---------------------------------------------------------------------------------------------
// Rate trace: a load shape as (t_seconds, rps) points (`--pattern trace --trace FILE`)
// ---------------------------------------------------------------------------------------------

/**
 * Columns of a two-column rate trace. (A trace can also be a metrics recording, read with the metrics
 * row above; `load/patterns/trace.ts` decides which a file is by its header.)
 */
export const TRACE_CSV_COLUMNS = ['t_seconds', 'rps'] as const;

/** One point of a rate trace: the offered rate at a time, seconds from the trace's first point. */
export interface TracePoint {
  tSeconds: number;
  rps: number;
}

export interface TraceCsvLayout {
  index: Record<(typeof TRACE_CSV_COLUMNS)[number], number>;
}

/** Maps a trace header to column indexes, and fails naming every missing column. */
export function traceCsvLayout(header: readonly string[], where?: string): TraceCsvLayout {
  const names = header.map((h) => h.trim());
  const missing = TRACE_CSV_COLUMNS.filter((c) => !names.includes(c));
  if (missing.length > 0) {
    throw new SchemaError(
      `missing required column${missing.length > 1 ? 's' : ''} ${missing.map((m) => `'${m}'`).join(', ')} (a rate trace has the header ${TRACE_CSV_COLUMNS.join(',')}; header has: ${names.join(', ')})`,
      where,
    );
  }
  return { index: { t_seconds: names.indexOf('t_seconds'), rps: names.indexOf('rps') } };
}

/** Validates one trace record: both cells are required numbers ≥ 0 (a trace has no "no data" points). */
export function parseTraceRow(cells: readonly string[], layout: TraceCsvLayout, where?: string): TracePoint {
  const required = (column: (typeof TRACE_CSV_COLUMNS)[number]): number => {
    const raw = cells[layout.index[column]] ?? '';
    const v = numberCell(raw, column, where, 0);
    if (v === null) throw new SchemaError(`column '${column}': '${raw.trim()}' is not a number (every point of a trace needs one)`, where);
    return v;
  };
  return { tSeconds: required('t_seconds'), rps: required('rps') };
}

/** Formats a trace point as a CSV line in TRACE_CSV_COLUMNS order. */
export const formatTraceRow = (p: TracePoint): string => `${p.tSeconds},${p.rps}`;

// ---------------------------------------------------------------------------------------------
// Feature vector (Kafka topic `metrics`)
// ---------------------------------------------------------------------------------------------

/** A service's features at one poll, in the order of its feature set (the ONNX input order). */
export interface FeatureVector {
  /** Identifies the poll across services and processes: `<run>@<timestamp>`. */
  snapshotId: string;
  runId: string;
  timestamp: string;
  timeMs: number;
  service: string;
  featureSet: string;
  values: Float32Array | number[];
  /** The poll's measurements, for the scaling policy (absent from older producers' messages). */
  observation?: PollObservation;
}

/** Prototype-compatible `metrics` message: {timestamp, service, features{...}} plus sockml's fields. */
export interface MetricsMessage {
  timestamp: string;
  service: string;
  features: Record<string, number>;
  snapshot_id: string;
  run_id: string;
  feature_set: string;
  observed?: ObservationMessage;
}

export function formatMetricsMessage(v: FeatureVector, featureNames: readonly string[]): MetricsMessage {
  if (featureNames.length !== v.values.length) {
    throw new SchemaError(`feature set '${v.featureSet}' has ${featureNames.length} names but the vector has ${v.values.length} values`);
  }
  const features: Record<string, number> = {};
  featureNames.forEach((n, i) => (features[n] = v.values[i]));
  return {
    timestamp: v.timestamp,
    service: v.service,
    features,
    snapshot_id: v.snapshotId,
    run_id: v.runId,
    feature_set: v.featureSet,
    ...(v.observation ? { observed: formatObservation(v.observation) } : {}),
  };
}

function obj(x: unknown, where?: string): Record<string, unknown> {
  if (typeof x !== 'object' || x === null || Array.isArray(x)) throw new SchemaError('message is not a JSON object', where);
  return x as Record<string, unknown>;
}
function str(o: Record<string, unknown>, k: string, where?: string, optional = false): string {
  const v = o[k];
  if (v === undefined && optional) return '';
  if (typeof v !== 'string' || v === '') throw new SchemaError(`field '${k}' must be a non-empty string`, where);
  return v;
}
function num(o: Record<string, unknown>, k: string, where?: string, min = -Infinity, max = Infinity): number {
  const v = o[k];
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max) {
    throw new SchemaError(`field '${k}' must be a number in [${min}, ${max}], got ${JSON.stringify(v)}`, where);
  }
  return v;
}

/** Parses a `metrics` message back into a feature vector in `featureNames` order. */
export function parseMetricsMessage(json: unknown, featureNames: readonly string[], where?: string): FeatureVector {
  const o = obj(json, where);
  const features = obj(o.features, where);
  const values = new Float32Array(featureNames.length);
  // Within float32: a larger finite number would reach the model as Infinity.
  featureNames.forEach((n, i) => (values[i] = num(features, n, where, -FLOAT32_MAX, FLOAT32_MAX)));
  const timestamp = str(o, 'timestamp', where);
  const timeMs = parseIsoTime(timestamp);
  if (Number.isNaN(timeMs)) throw new SchemaError(`field 'timestamp': '${timestamp}' is not an ISO-8601 time`, where);
  const runId = str(o, 'run_id', where, true) || 'live';
  return {
    snapshotId: str(o, 'snapshot_id', where, true) || `${runId}@${timestamp}`,
    runId,
    timestamp,
    timeMs,
    service: str(o, 'service', where),
    featureSet: str(o, 'feature_set', where, true) || 'unknown',
    values,
    ...(o.observed === undefined ? {} : { observation: parseObservation(o.observed, where) }),
  };
}

// ---------------------------------------------------------------------------------------------
// Vote (Kafka topic `model-votes`)
// ---------------------------------------------------------------------------------------------

/** One model's opinion on one (service, snapshot). */
export interface Vote {
  snapshotId: string;
  service: string;
  timestamp: string;
  model: string;
  modelVersion: string;
  /** 1 = "SLO violation within the lookahead" (vote to scale up), 0 = no violation. */
  prediction: 0 | 1;
  /** Probability of the violation class, as the model computed it. */
  violationProbability: number;
  /** The probability the model gives its own prediction (the prototype's `confidence`). */
  confidence: number;
  /** The poll's measurements, passed on from the feature vector the vote was cast on. */
  observation?: PollObservation;
}

export interface VoteMessage {
  timestamp: string;
  service: string;
  model: string;
  prediction: 0 | 1;
  /** Prototype semantics: probability of the predicted class. */
  probability: number;
  confidence: number;
  violation_probability: number;
  snapshot_id: string;
  model_version: string;
  observed?: ObservationMessage;
}

export function formatVoteMessage(v: Vote): VoteMessage {
  return {
    timestamp: v.timestamp,
    service: v.service,
    model: v.model,
    prediction: v.prediction,
    probability: v.prediction === 1 ? v.violationProbability : 1 - v.violationProbability,
    confidence: v.confidence,
    violation_probability: v.violationProbability,
    snapshot_id: v.snapshotId,
    model_version: v.modelVersion,
    ...(v.observation ? { observed: formatObservation(v.observation) } : {}),
  };
}

export function parseVoteMessage(json: unknown, where?: string): Vote {
  const o = obj(json, where);
  const prediction = num(o, 'prediction', where, 0, 1);
  if (prediction !== 0 && prediction !== 1) throw new SchemaError(`field 'prediction' must be 0 or 1`, where);
  const probability = num(o, 'probability', where, 0, 1);
  const voteTime = str(o, 'timestamp', where);
  if (Number.isNaN(parseIsoTime(voteTime))) throw new SchemaError(`field 'timestamp': '${voteTime}' is not an ISO-8601 time`, where);
  const violationProbability =
    o.violation_probability === undefined ? (prediction === 1 ? probability : 1 - probability) : num(o, 'violation_probability', where, 0, 1);
  const timestamp = str(o, 'timestamp', where);
  return {
    snapshotId: str(o, 'snapshot_id', where, true) || `live@${timestamp}`,
    service: str(o, 'service', where),
    timestamp,
    model: str(o, 'model', where),
    modelVersion: str(o, 'model_version', where, true) || 'unknown',
    prediction,
    violationProbability,
    confidence: num(o, 'confidence', where, 0, 1),
    ...(o.observed === undefined ? {} : { observation: parseObservation(o.observed, where) }),
  };
}

// ---------------------------------------------------------------------------------------------
// Decision (Kafka topic `scaling-decisions`)
// ---------------------------------------------------------------------------------------------

export const DECISIONS = ['SCALE_UP', 'NO_ACTION', 'SCALE_DOWN'] as const;
export type DecisionKind = (typeof DECISIONS)[number];

export interface ScalingDecision {
  decisionId: string;
  snapshotId: string;
  service: string;
  timestamp: string;
  decision: DecisionKind;
  strategy: string;
  scaleUpVotes: number;
  noActionVotes: number;
  totalVotes: number;
  /** Mean confidence of the votes counted (the prototype's `confidence`). */
  confidence: number;
  /** The strategy's score for "violation" in [0, 1] (vote share or weighted share). */
  score: number;
  /** True when the decision was taken at window close without every expected vote. */
  degraded: boolean;
  targetReplicas?: number;
  reason?: string;
}

export interface DecisionMessage {
  service: string;
  decision: DecisionKind;
  timestamp: string;
  scale_up_votes: number;
  no_action_votes: number;
  total_votes: number;
  confidence: number;
  strategy: string;
  decision_id: string;
  snapshot_id: string;
  score: number;
  degraded: boolean;
  target_replicas?: number;
  reason?: string;
}

export function formatDecisionMessage(d: ScalingDecision): DecisionMessage {
  return {
    service: d.service,
    decision: d.decision,
    timestamp: d.timestamp,
    scale_up_votes: d.scaleUpVotes,
    no_action_votes: d.noActionVotes,
    total_votes: d.totalVotes,
    confidence: d.confidence,
    strategy: d.strategy,
    decision_id: d.decisionId,
    snapshot_id: d.snapshotId,
    score: d.score,
    degraded: d.degraded,
    ...(d.targetReplicas === undefined ? {} : { target_replicas: d.targetReplicas }),
    ...(d.reason === undefined ? {} : { reason: d.reason }),
  };
}

/** The prototype wrote NO_OP for "no action"; accept it on input. */
const DECISION_ALIASES: Record<string, DecisionKind> = { NO_OP: 'NO_ACTION', 'SCALE UP': 'SCALE_UP', 'NO ACTION': 'NO_ACTION', 'SCALE DOWN': 'SCALE_DOWN' };

export function parseDecisionMessage(json: unknown, where?: string): ScalingDecision {
  const o = obj(json, where);
  const raw = str(o, 'decision', where);
  const decision = (DECISIONS as readonly string[]).includes(raw) ? (raw as DecisionKind) : DECISION_ALIASES[raw];
  if (!decision) throw new SchemaError(`field 'decision': '${raw}' is not one of ${DECISIONS.join(', ')}`, where);
  const timestamp = str(o, 'timestamp', where);
  const service = str(o, 'service', where);
  const snapshotId = str(o, 'snapshot_id', where, true) || `live@${timestamp}`;
  return {
    decisionId: str(o, 'decision_id', where, true) || `${service}@${snapshotId}`,
    snapshotId,
    service,
    timestamp,
    decision,
    strategy: str(o, 'strategy', where),
    scaleUpVotes: num(o, 'scale_up_votes', where, 0),
    noActionVotes: num(o, 'no_action_votes', where, 0),
    totalVotes: num(o, 'total_votes', where, 0),
    confidence: num(o, 'confidence', where, 0, 1),
    score: o.score === undefined ? 0 : num(o, 'score', where, 0, 1),
    degraded: o.degraded === true,
    ...(o.target_replicas === undefined ? {} : { targetReplicas: num(o, 'target_replicas', where, 0) }),
    ...(typeof o.reason === 'string' ? { reason: o.reason } : {}),
  };
}

// ---------------------------------------------------------------------------------------------
// Decision log (`replay --out`) and training matrix (`dataset build`)
// ---------------------------------------------------------------------------------------------

/** Everything replay knows about one (snapshot, service). */
export interface DecisionLogRow {
  runId: string;
  pattern: string;
  timestamp: string;
  service: string;
  features: Float32Array;
  /** Violation probability per model, in model order. */
  probabilities: number[];
  votes: (0 | 1)[];
  ensembleScore: number;
  ensembleScaleUp: boolean;
  decision: DecisionKind;
  targetReplicas: number;
  p95LatencyMs: number | null;
  /** Future-only label; null when the run ended before the lookahead was complete. */
  label: 0 | 1 | null;
}

export function decisionLogHeader(featureNames: readonly string[], modelNames: readonly string[]): string {
  return [
    'run_id',
    'pattern',
    'timestamp',
    'service',
    ...featureNames,
    ...modelNames.flatMap((m) => [`${m}_probability`, `${m}_vote`]),
    'ensemble_score',
    'ensemble_vote',
    'decision',
    'target_replicas',
    'label',
  ].join(',');
}

export function formatDecisionLogRow(r: DecisionLogRow): string {
  const cells: (string | number)[] = [r.runId, r.pattern, r.timestamp, r.service];
  for (const f of r.features) cells.push(f);
  for (let m = 0; m < r.probabilities.length; m++) cells.push(r.probabilities[m], r.votes[m]);
  cells.push(r.ensembleScore, r.ensembleScaleUp ? 1 : 0, r.decision, r.targetReplicas, r.label === null ? '' : r.label);
  return cells.map(csvCell).join(',');
}

/** One row of the training matrix: a labelled example, or an unlabelled poll (label null). */
export interface TrainingRow {
  features: Float32Array;
  /**
   * null: the label is not known (the last k polls of a series, or a missing poll in the lookahead). Such rows
   * are written with an empty label: the trainer neither learns from nor scores them, but counts violation
   * episodes over them, so an episode that begins in a series' last polls counts as it does in replay.
   */
  label: 0 | 1 | null;
  runId: string;
  pattern: string;
  service: string;
  timestamp: string;
  /** The poll's own p95 (empty = no data): the persistence baseline and episodes need it. */
  p95LatencyMs: number | null;
}

export const TRAINING_META_COLUMNS = ['label', 'run_id', 'pattern', 'service', 'timestamp', 'p95_now_ms'] as const;

export const trainingHeader = (featureNames: readonly string[]) => [...featureNames, ...TRAINING_META_COLUMNS].join(',');

export function formatTrainingRow(r: TrainingRow): string {
  const cells: (string | number)[] = [];
  for (const f of r.features) cells.push(f);
  cells.push(r.label ?? '', r.runId, r.pattern, r.service, r.timestamp, r.p95LatencyMs ?? '');
  return cells.map(csvCell).join(',');
}

/** Quotes a cell only when CSV needs it. */
function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** serve-model's predictions log: one line per vote. */
export const VOTE_LOG_HEADER = 'timestamp,service,snapshot_id,model,model_version,violation_probability,prediction';

export function formatVoteLogRow(v: Vote): string {
  return [v.timestamp, v.service, v.snapshotId, v.model, v.modelVersion, v.violationProbability, v.prediction].map(csvCell).join(',');
}

// ---------------------------------------------------------------------------------------------
// Kafka topics
// ---------------------------------------------------------------------------------------------

/** The pipeline's topics; every message is keyed by service so one service's messages stay in order. */
export const TOPICS = { metrics: 'metrics', votes: 'model-votes', decisions: 'scaling-decisions' } as const;

/** Where a topic's malformed messages go, with the reason in the `sockml-error` header. */
export const deadLetterTopic = (topic: string) => `${topic}.dlq`;
