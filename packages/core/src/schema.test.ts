import { describe, expect, it } from 'vitest';
import {
  formatDecisionMessage,
  formatMetricsMessage,
  parseMetricsMessage,
  formatMetricsRow,
  formatVoteMessage,
  metricsCsvLayout,
  METRICS_CSV_COLUMNS,
  parseDecisionMessage,
  parseMetricsRow,
  parseIsoTime,
  parseVoteMessage,
  SchemaError,
  type ScalingDecision,
  type Vote,
} from './schema.js';

const layout = metricsCsvLayout([...METRICS_CSV_COLUMNS]);
const row = (over: Partial<Record<(typeof METRICS_CSV_COLUMNS)[number], string>> = {}) => {
  const base: Record<string, string> = {
    timestamp: '2026-04-08T22:32:44.730092+00:00',
    service: 'carts',
    request_rate_rps: '1.5',
    error_rate_pct: '0.0',
    p50_latency_ms: '2.5',
    p95_latency_ms: '4.75',
    p99_latency_ms: '4.95',
    cpu_usage_pct: '0.16',
    memory_usage_mb: '326.2',
    delta_rps: '0',
    delta_p95_latency_ms: '0',
    delta_cpu_usage_pct: '0',
    sla_violated: '0',
    ...over,
  };
  return METRICS_CSV_COLUMNS.map((c) => base[c]);
};

describe('metrics CSV row', () => {
  it('parses a recorded row, keeping the microsecond timestamp text', () => {
    const s = parseMetricsRow(row(), layout, 'f.csv:2');
    expect(s).toMatchObject({ service: 'carts', requestRateRps: 1.5, p95LatencyMs: 4.75, slaViolated: 0, timestamp: '2026-04-08T22:32:44.730092+00:00' });
    expect(s.timeMs).toBe(Date.UTC(2026, 3, 8, 22, 32, 44, 730));
  });

  it.each([
    ['empty cell', ''],
    ['blank cell', '  '],
    ['nan', 'nan'],
    ['NaN', 'NaN'],
  ])('reads a %s latency as no data (null), never 0', (_name, cell) => {
    const s = parseMetricsRow(row({ p50_latency_ms: cell, p95_latency_ms: cell, p99_latency_ms: cell }), layout);
    expect(s.p50LatencyMs).toBeNull();
    expect(s.p95LatencyMs).toBeNull();
    expect(s.p99LatencyMs).toBeNull();
  });

  it.each([
    ['p95_latency_ms', 'abc', /column 'p95_latency_ms': 'abc' is not a number/],
    ['request_rate_rps', '-1', /column 'request_rate_rps': -1 is below 0/],
    ['cpu_usage_pct', 'inf', /column 'cpu_usage_pct': 'inf' is not a number/],
    ['timestamp', 'yesterday', /'yesterday' is not an ISO-8601 time/],
    ['service', '', /column 'service' is empty/],
    ['sla_violated', '2', /'2' is not 0 or 1/],
    ['cpu_usage_pct', '0x1A', /column 'cpu_usage_pct': '0x1A' is not a number/],
    ['cpu_usage_pct', '0b11', /column 'cpu_usage_pct': '0b11' is not a number/],
  ] as const)('rejects %s = %j with an error that names file and line', (column, value, message) => {
    expect(() => parseMetricsRow(row({ [column]: value }), layout, 'data.csv:7')).toThrow(message);
    expect(() => parseMetricsRow(row({ [column]: value }), layout, 'data.csv:7')).toThrow(/^data\.csv:7: /);
  });

  it('names every missing required column', () => {
    expect(() => metricsCsvLayout(['timestamp', 'service', 'request_rate_rps'], 'x.csv:1')).toThrow(
      /x\.csv:1: missing required columns 'error_rate_pct', 'p50_latency_ms', 'p95_latency_ms', 'p99_latency_ms', 'cpu_usage_pct', 'memory_usage_mb'/,
    );
  });

  it('accepts files without the derived delta and label columns', () => {
    const l = metricsCsvLayout(METRICS_CSV_COLUMNS.slice(0, 9));
    const s = parseMetricsRow(row().slice(0, 9), l);
    expect(s.slaViolated).toBeNull();
  });

  it('writes missing values as empty cells and deltas against the previous poll', () => {
    const prev = parseMetricsRow(row({ request_rate_rps: '1', p95_latency_ms: '10' }), layout);
    const cur = parseMetricsRow(row({ request_rate_rps: '3', p95_latency_ms: '', p50_latency_ms: '', p99_latency_ms: '' }), layout);
    const cells = formatMetricsRow(cur, prev).split(',');
    expect(cells[4]).toBe('');
    expect(cells[9]).toBe('2'); // delta_rps
    expect(cells[10]).toBe(''); // delta_p95 undefined without latency
    const back = parseMetricsRow(cells, layout);
    expect(back.p95LatencyMs).toBeNull();
    expect(back.requestRateRps).toBe(3);
  });
});

describe('Kafka messages', () => {
  const vote: Vote = {
    snapshotId: 'run@t',
    service: 'carts',
    timestamp: '2026-04-08T22:32:44Z',
    model: 'xgboost',
    modelVersion: 'v1',
    prediction: 1,
    violationProbability: 0.8,
    confidence: 0.8,
  };

  it('round-trips a vote and keeps the prototype fields', () => {
    const msg = formatVoteMessage(vote);
    expect(msg).toMatchObject({ timestamp: vote.timestamp, service: 'carts', model: 'xgboost', prediction: 1, probability: 0.8, confidence: 0.8 });
    expect(parseVoteMessage(JSON.parse(JSON.stringify(msg)))).toEqual(vote);
  });

  const observation = { requestRateRps: 52.5, errorRatePct: 0, p50LatencyMs: 7.2, p95LatencyMs: null, p99LatencyMs: null, cpuUsagePct: 31.4, memoryUsageMb: 326 };

  it("carries the poll's observation from the feature vector to the vote, nulls as nulls", () => {
    const v = { ...vote, observation };
    const msg = JSON.parse(JSON.stringify(formatVoteMessage(v)));
    expect(msg.observed).toEqual({ request_rate_rps: 52.5, error_rate_pct: 0, p50_latency_ms: 7.2, p95_latency_ms: null, p99_latency_ms: null, cpu_usage_pct: 31.4, memory_usage_mb: 326 });
    expect(parseVoteMessage(msg)).toEqual(v);
    const vector = { snapshotId: 'run@t', runId: 'run', timestamp: '2026-04-08T22:32:44Z', timeMs: Date.parse('2026-04-08T22:32:44Z'), service: 'carts', featureSet: 'x', values: [1, 2], observation };
    expect(parseMetricsMessage(JSON.parse(JSON.stringify(formatMetricsMessage(vector, ['a', 'b']))), ['a', 'b'])).toEqual({ ...vector, values: Float32Array.of(1, 2) });
  });

  it.each([
    [{ request_rate_rps: 1 }, /observed.error_rate_pct' must be a number ≥ 0 or null, got undefined/],
    [{ ...Object.fromEntries(['request_rate_rps', 'error_rate_pct', 'p50_latency_ms', 'p95_latency_ms', 'p99_latency_ms', 'cpu_usage_pct', 'memory_usage_mb'].map((k) => [k, 1])), cpu_usage_pct: -3 }, /observed.cpu_usage_pct'/],
    ['fast', /field 'observed' must be an object/],
  ])('rejects a malformed observation %#', (observed, message) => {
    expect(() => parseVoteMessage({ ...formatVoteMessage(vote), observed }, 'model-votes[0]@3')).toThrow(message);
  });

  it('reads a prototype vote without sockml fields', () => {
    const v = parseVoteMessage({ timestamp: '2026-04-08T22:32:44Z', service: 'carts', model: 'rf', prediction: 0, probability: 0.9, confidence: 0.9 });
    expect(v.violationProbability).toBeCloseTo(0.1, 10);
    expect(v.snapshotId).toBe('live@2026-04-08T22:32:44Z');
  });

  it.each([
    [{ service: 'x' }, /field 'prediction'/],
    [{ timestamp: 't', service: 'x', model: 'm', prediction: 2, probability: 0.5, confidence: 0.5 }, /field 'prediction'/],
    [{ timestamp: 't', service: 'x', model: 'm', prediction: 1, probability: 1.5, confidence: 0.5 }, /field 'probability'/],
    [{ timestamp: 'not-a-time', service: 'x', model: 'm', prediction: 1, probability: 0.9, confidence: 0.9 }, /field 'timestamp': 'not-a-time' is not an ISO-8601 time/],
    ['not json object', /not a JSON object/],
  ])('rejects malformed vote %#', (json, message) => {
    expect(() => parseVoteMessage(json, 'model-votes[0]@3')).toThrow(SchemaError);
    expect(() => parseVoteMessage(json, 'model-votes[0]@3')).toThrow(message);
  });

  it('round-trips a decision and accepts the prototype NO_OP', () => {
    const d: ScalingDecision = {
      decisionId: 'carts@run@t',
      snapshotId: 'run@t',
      service: 'carts',
      timestamp: 't',
      decision: 'SCALE_UP',
      strategy: 'majority',
      scaleUpVotes: 2,
      noActionVotes: 1,
      totalVotes: 3,
      confidence: 0.7,
      score: 2 / 3,
      degraded: false,
      targetReplicas: 2,
      reason: 'violation predicted',
    };
    expect(parseDecisionMessage(JSON.parse(JSON.stringify(formatDecisionMessage(d))))).toEqual(d);
    const old = parseDecisionMessage({ service: 'carts', decision: 'NO_OP', timestamp: 't', scale_up_votes: 0, no_action_votes: 3, total_votes: 3, confidence: 0.9, strategy: 'majority' });
    expect(old.decision).toBe('NO_ACTION');
    expect(() => parseDecisionMessage({ ...formatDecisionMessage(d), decision: 'PANIC' })).toThrow(/'PANIC' is not one of/);
  });
});

describe('parseIsoTime', () => {
  it.each([
    '2026-04-08T22:32:44.730092+00:00',
    '2026-04-08T22:32:44.730+02:00',
    '2026-04-08T22:32:44Z',
    '2026-04-08T22:32:44.7-05:30',
    '2026-12-31T23:59:59.999Z',
    '2026-04-13T07:25:39.651259',
  ])('agrees with Date.parse (to the millisecond) on %s', (t) => {
    // Date.parse reads a zone-less time as local time; the recorder's zone-less times are UTC.
    const reference = Date.parse(/Z|[+-]\d\d:\d\d$/.test(t) ? t : `${t}Z`.replace(/(\.\d{3})\d+Z$/, '$1Z'));
    expect(parseIsoTime(t)).toBe(reference);
  });

  it.each(['2026-13-01T00:00:00Z', '2026-04-08T25:00:00Z', 'yesterday', ''])('rejects %j', (t) => {
    expect(parseIsoTime(t)).toBeNaN();
  });
});
