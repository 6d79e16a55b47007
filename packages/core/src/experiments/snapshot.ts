/**
 * The experiment-outcome snapshot: one JSON object per line, one line per poll of a proactive
 * (ML-driven), reactive (HPA) or static (fixed replicas) load run. The seed experiments
 * (../shared/data/seed-experiments) poll every 30 s and have no static runs; `sockml experiment run`
 * writes all three conditions, may poll more often, and adds a top-level `load` field this reader ignores.
 * Parsing is pure — it takes the text and a name for error messages — so the CLI owns the file system
 * and the tests need none.
 */
import { SchemaError } from '../schema.js';

/** Static is the baseline both controllers must beat: the replica counts the run started with. */
export const CONDITIONS = ['proactive', 'reactive', 'static'] as const;
export type Condition = (typeof CONDITIONS)[number];

/** One service in one snapshot. `null` means "no data", never 0 (see parseSnapshotLine). */
export interface ServiceSnapshot {
  /** Ready replicas; null when the recorder's Kubernetes API call failed (recorded as -1). */
  replicas: number | null;
  /** p95 latency in ms; null when the service had no requests (recorded as 0.0). */
  p95Ms: number | null;
  /** Only in diag_* files; 0.0 there also means no data. */
  p99Ms: number | null;
  cpuPct: number | null;
  rps: number | null;
  /** The recorder's own flag (p95 > 36.0 ms); kept for reference, the analysis recomputes from --slo. */
  sloViolated: boolean | null;
}

export interface ExperimentSnapshot {
  timestamp: string;
  runId: number;
  condition: Condition;
  pattern: string;
  intervalIdx: number;
  /** Only in diag_* files: 'settle' marks polls after the load ended. */
  phase: string | null;
  services: Record<string, ServiceSnapshot>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function num(o: Record<string, unknown>, key: string, where: string, { required = false, min = -Infinity } = {}): number | null {
  const v = o[key];
  if (v === undefined || v === null) {
    if (required) throw new SchemaError(`missing '${key}'`, where);
    return null;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new SchemaError(`'${key}': ${JSON.stringify(v)} is not a finite number`, where);
  if (v < min) throw new SchemaError(`'${key}': ${v} is below ${min}`, where);
  return v;
}

function parseService(name: string, raw: unknown, where: string): ServiceSnapshot {
  const w = `${where}: service '${name}'`;
  if (!isObject(raw)) throw new SchemaError(`service '${name}' is not an object`, where);
  const replicas = num(raw, 'replicas', w, { required: true, min: -1 })!;
  if (!Number.isInteger(replicas)) throw new SchemaError(`'replicas': ${replicas} is not an integer`, w);
  const p95 = num(raw, 'p95_ms', w, { required: true, min: 0 })!;
  const p99 = num(raw, 'p99_ms', w, { min: 0 });
  const flag = raw.slo_violated;
  if (flag !== undefined && flag !== null && typeof flag !== 'boolean') throw new SchemaError(`'slo_violated': ${JSON.stringify(flag)} is not a boolean`, w);
  return {
    // The recorder writes -1 when the API call failed and 0.0 when Prometheus had no samples: both
    // are missing data, and treating 0.0 as "0 ms latency" would make an idle service look fast.
    replicas: replicas === -1 ? null : replicas,
    p95Ms: p95 === 0 ? null : p95,
    p99Ms: p99 === 0 ? null : p99,
    cpuPct: num(raw, 'cpu_pct', w, { min: 0 }),
    rps: num(raw, 'rps', w, { min: 0 }),
    sloViolated: typeof flag === 'boolean' ? flag : null,
  };
}

/** Validates one JSONL line; `where` (e.g. `file.jsonl:7`) prefixes every error. */
export function parseSnapshotLine(line: string, where: string): ExperimentSnapshot {
  let o: unknown;
  try {
    o = JSON.parse(line);
  } catch (e) {
    throw new SchemaError(`not valid JSON (${(e as Error).message})`, where);
  }
  if (!isObject(o)) throw new SchemaError('a snapshot must be a JSON object', where);
  const { timestamp, condition, pattern, phase, services } = o;
  if (typeof timestamp !== 'string' || timestamp === '' || Number.isNaN(Date.parse(timestamp))) {
    throw new SchemaError(`'timestamp': ${JSON.stringify(timestamp)} is not a time`, where);
  }
  const runId = num(o, 'run_id', where, { required: true, min: 0 })!;
  if (!Number.isInteger(runId)) throw new SchemaError(`'run_id': ${runId} is not an integer`, where);
  if (!(CONDITIONS as readonly unknown[]).includes(condition)) {
    throw new SchemaError(`'condition': ${JSON.stringify(condition)} is not one of ${CONDITIONS.join(', ')}`, where);
  }
  if (typeof pattern !== 'string' || !/^[a-z0-9-]+$/.test(pattern)) throw new SchemaError(`'pattern': ${JSON.stringify(pattern)} is not a pattern name`, where);
  const intervalIdx = num(o, 'interval_idx', where, { required: true, min: 0 })!;
  if (!Number.isInteger(intervalIdx)) throw new SchemaError(`'interval_idx': ${intervalIdx} is not an integer`, where);
  if (phase !== undefined && phase !== null && typeof phase !== 'string') throw new SchemaError(`'phase': ${JSON.stringify(phase)} is not a string`, where);
  if (!isObject(services) || Object.keys(services).length === 0) throw new SchemaError(`'services' must be a non-empty object`, where);
  const parsed: Record<string, ServiceSnapshot> = {};
  for (const [name, s] of Object.entries(services)) parsed[name] = parseService(name, s, where);
  return { timestamp, runId, condition: condition as Condition, pattern, intervalIdx, phase: typeof phase === 'string' ? phase : null, services: parsed };
}

/**
 * Parses a whole snapshot file. Blank lines are allowed (a trailing newline is common); every other
 * line must be a valid snapshot, and a malformed one fails the file naming `name:line`. When the file
 * name follows the `<condition>_<pattern>_run<id>` convention, every line must agree with it, so a
 * mislabelled or concatenated file cannot silently land in the wrong group.
 */
export function parseSnapshotJsonl(text: string, name: string): ExperimentSnapshot[] {
  const expected = classifyExperimentFile(name);
  const out: ExperimentSnapshot[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line === '') continue;
    const where = `${name}:${i + 1}`;
    const s = parseSnapshotLine(line, where);
    if (expected.use) {
      for (const [key, want, got] of [
        ['condition', expected.condition, s.condition],
        ['pattern', expected.pattern, s.pattern],
        ['run_id', expected.runId, s.runId],
      ] as const) {
        if (want !== got) throw new SchemaError(`'${key}' is ${JSON.stringify(got)} but the file name says ${JSON.stringify(want)}`, where);
      }
    }
    out.push(s);
  }
  return out;
}

/** Why a `<run>.partial.jsonl` (an `experiment run` stopped part-way) is left out of an analysis. */
export const PARTIAL_RUN_REASON = 'partial run: its experiment run was interrupted, so it covers only part of the load pattern';

export type ExperimentFileClass = { use: true; condition: Condition; pattern: string; runId: number } | { use: false; reason: string };

const RUN_FILE = new RegExp(`^(${CONDITIONS.join('|')})_([a-z0-9-]+)_run(\\d+)\\.jsonl$`);

/**
 * The prototype's file selection: every `<condition>_<pattern>_run<id>.jsonl`, except the diag_* files
 * (a different recorder with extra fields and post-load 'settle' polls, re-recording runs that are
 * already in the set) and the no-load smoke test. Takes a path or a base name.
 */
export function classifyExperimentFile(path: string): ExperimentFileClass {
  const base = path.split(/[\\/]/).pop() ?? path;
  if (base.endsWith('.partial.jsonl')) return { use: false, reason: PARTIAL_RUN_REASON };
  if (base.startsWith('diag_')) return { use: false, reason: 'diagnostic recording (diag_*)' };
  if (base.includes('no-load')) return { use: false, reason: 'no-load smoke test' };
  const m = RUN_FILE.exec(base);
  if (!m) return { use: false, reason: 'name is not <condition>_<pattern>_run<id>.jsonl' };
  return { use: true, condition: m[1] as Condition, pattern: m[2], runId: Number(m[3]) };
}
