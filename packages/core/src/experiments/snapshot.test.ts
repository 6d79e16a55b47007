import { describe, expect, it } from 'vitest';
import { SchemaError } from '../schema.js';
import { classifyExperimentFile, PARTIAL_RUN_REASON, parseSnapshotJsonl, parseSnapshotLine } from './snapshot.js';

const svc = (o: Record<string, unknown> = {}) => ({ replicas: 1, p95_ms: 12.5, cpu_pct: 3.2, slo_violated: false, ...o });
const line = (o: Record<string, unknown> = {}, services: Record<string, unknown> = { 'front-end': svc() }) =>
  JSON.stringify({ timestamp: '2026-04-13T07:25:39.651259', run_id: 1, condition: 'proactive', pattern: 'step', interval_idx: 0, services, ...o });

describe('parseSnapshotLine', () => {
  it('reads a snapshot; -1 replicas and 0.0 p95 are missing, not numbers', () => {
    const s = parseSnapshotLine(line({}, { 'front-end': svc({ replicas: -1, p95_ms: 0.0 }), carts: svc({ replicas: 3, p95_ms: 40.1 }) }), 'f:1');
    expect(s).toMatchObject({ runId: 1, condition: 'proactive', pattern: 'step', intervalIdx: 0, phase: null });
    expect(s.services['front-end']).toEqual({ replicas: null, p95Ms: null, p99Ms: null, cpuPct: 3.2, rps: null, sloViolated: false });
    expect(s.services.carts).toMatchObject({ replicas: 3, p95Ms: 40.1 });
  });

  it('reads a static run as `experiment run` writes it, ignoring the extra load field', () => {
    const s = parseSnapshotLine(line({ condition: 'static', load: { offered_rps: 70, achieved_rps: 69.5, errors: 0, error_pct: 0 } }), 'f:1');
    expect(s).toMatchObject({ condition: 'static', runId: 1, pattern: 'step' });
    expect(Object.keys(s)).not.toContain('load');
  });

  it('reads the diag fields: phase, p99_ms, rps', () => {
    const s = parseSnapshotLine(line({ phase: 'settle' }, { carts: svc({ p99_ms: 90.5, rps: 6.3 }) }), 'f:1');
    expect(s.phase).toBe('settle');
    expect(s.services.carts).toMatchObject({ p99Ms: 90.5, rps: 6.3 });
  });

  it.each([
    ['not JSON', '{"timestamp": ', /f\.jsonl:7: not valid JSON/],
    ['an array', '[1, 2]', /f\.jsonl:7: a snapshot must be a JSON object/],
    ['missing run_id', line({ run_id: undefined }), /f\.jsonl:7: missing 'run_id'/],
    ['fractional run_id', line({ run_id: 1.5 }), /'run_id': 1\.5 is not an integer/],
    ['unknown condition', line({ condition: 'hybrid' }), /'condition': "hybrid" is not one of proactive, reactive, static$/],
    ['bad timestamp', line({ timestamp: 'yesterday' }), /'timestamp': "yesterday" is not a time/],
    ['negative interval', line({ interval_idx: -1 }), /'interval_idx': -1 is below 0/],
    ['no services', line({}, {}), /'services' must be a non-empty object/],
    ['service not an object', line({}, { carts: 3 }), /service 'carts' is not an object/],
    ['replicas below -1', line({}, { carts: svc({ replicas: -2 }) }), /f\.jsonl:7: service 'carts': 'replicas': -2 is below -1/],
    ['replicas as a string', line({}, { carts: svc({ replicas: '2' }) }), /'replicas': "2" is not a finite number/],
    ['missing p95', line({}, { carts: svc({ p95_ms: undefined }) }), /service 'carts': missing 'p95_ms'/],
    ['negative p95', line({}, { carts: svc({ p95_ms: -3 }) }), /'p95_ms': -3 is below 0/],
    ['slo_violated not boolean', line({}, { carts: svc({ slo_violated: 'yes' }) }), /'slo_violated': "yes" is not a boolean/],
  ])('rejects %s, naming file:line', (_name, text, message) => {
    expect(() => parseSnapshotLine(text, 'f.jsonl:7')).toThrow(SchemaError);
    expect(() => parseSnapshotLine(text, 'f.jsonl:7')).toThrow(message);
  });
});

describe('parseSnapshotJsonl', () => {
  it('reads every line, allows blank lines, and names the line of a malformed one', () => {
    const text = [line(), line({ interval_idx: 1 }), '', ''].join('\n');
    expect(parseSnapshotJsonl(text, 'dir/proactive_step_run01.jsonl').map((s) => s.intervalIdx)).toEqual([0, 1]);
    const bad = [line(), '', line({ interval_idx: 'two' })].join('\n');
    expect(() => parseSnapshotJsonl(bad, 'dir/proactive_step_run01.jsonl')).toThrow(/^dir\/proactive_step_run01\.jsonl:3: 'interval_idx': "two" is not a finite number$/);
  });

  it.each([
    ['condition', 'reactive_step_run01.jsonl', /reactive_step_run01\.jsonl:1: 'condition' is "proactive" but the file name says "reactive"/],
    ['pattern', 'proactive_ramp_run01.jsonl', /'pattern' is "step" but the file name says "ramp"/],
    ['run id', 'proactive_step_run02.jsonl', /'run_id' is 1 but the file name says 2/],
  ])('rejects a line whose %s disagrees with the file name', (_what, name, message) => {
    expect(() => parseSnapshotJsonl(line(), name)).toThrow(message);
  });
});

describe('classifyExperimentFile (the prototype’s file selection)', () => {
  it('names a partial run as such', () => expect(PARTIAL_RUN_REASON).toMatch(/^partial run: /));

  it.each([
    ['proactive_step_run01.jsonl', { use: true, condition: 'proactive', pattern: 'step', runId: 1 }],
    ['a/b/reactive_ramp_run4001.jsonl', { use: true, condition: 'reactive', pattern: 'ramp', runId: 4001 }],
    ['out/static_step_run01.jsonl', { use: true, condition: 'static', pattern: 'step', runId: 1 }],
    ['hybrid_step_run01.jsonl', { use: false, reason: 'name is not <condition>_<pattern>_run<id>.jsonl' }],
    ['diag_proactive_step_run2001.jsonl', { use: false, reason: 'diagnostic recording (diag_*)' }],
    ['proactive_no-load_test.jsonl', { use: false, reason: 'no-load smoke test' }],
    ['notes.jsonl', { use: false, reason: 'name is not <condition>_<pattern>_run<id>.jsonl' }],
    ['proactive_step_run01.csv', { use: false, reason: 'name is not <condition>_<pattern>_run<id>.jsonl' }],
    ['out/static_step_run01.partial.jsonl', { use: false, reason: PARTIAL_RUN_REASON }],
  ])('%s', (name, want) => expect(classifyExperimentFile(name)).toEqual(want));
});
