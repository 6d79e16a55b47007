import { describe, expect, it } from 'vitest';
import { parseSnapshotJsonl } from '../experiments/snapshot.js';
import { seedV1 } from '../features/sets/seed-v1.js';
import { readMetricsCsv } from '../io/metrics-csv-reader.js';
import { loadPattern } from '../load/patterns/registry.js';
import type { ModelCard } from '../models/model-card.js';
import type { Model } from '../models/model-runner.js';
import { StepPolicy, DEFAULT_STEP_POLICY } from '../policy/policies/step.js';
import { majorityStrategy } from '../voting/strategies/majority.js';
import { runLab, type LabRunOptions } from './lab-run.js';

const SLO = 35.68;

/** A model that votes "violation" exactly when the poll's p95 is over the SLO (persistence, as a voter). */
function persistence(name: string): Model {
  const w = seedV1.names.length;
  const p95 = seedV1.names.indexOf('p95_latency_ms');
  return {
    name,
    version: 'rule',
    threshold: 0.5,
    card: { name } as ModelCard,
    async predictBatch(features, rows) {
      const out = new Float32Array(rows);
      for (let i = 0; i < rows; i++) out[i] = features[i * w + p95] > SLO ? 1 : 0;
      return out;
    },
  };
}

const base = (over: Partial<LabRunOptions> = {}): LabRunOptions => ({
  condition: 'reactive',
  runId: 1,
  pattern: loadPattern('step', { durationMs: 600_000, peakRps: 200 }),
  seed: 7,
  sloMs: SLO,
  intervalMs: 30_000,
  initialReplicas: 1,
  hpa: { maxReplicas: 10, targetUtilizationPct: 70 },
  proactive: {
    featureSet: seedV1,
    models: ['a', 'b', 'c'].map(persistence),
    strategy: majorityStrategy,
    policy: new StepPolicy({ ...DEFAULT_STEP_POLICY, scaleUpCooldownMs: 30_000 }),
    pollIntervalMs: 30_000,
    rateWindowMs: 60_000,
    label: { metric: 'p95_latency_ms', sloMs: SLO, lookahead: 2 },
  },
  ...over,
});

const frontEndReplicas = (lines: string[]) => parseSnapshotJsonl(lines.join('\n'), 'run').map((s) => s.services['front-end'].replicas);

describe('runLab: the closed loop in virtual time', () => {
  it('is deterministic: the same options give the same lines and files; another seed does not', async () => {
    for (const condition of ['static', 'reactive', 'proactive'] as const) {
      const a = await runLab(base({ condition }));
      const b = await runLab(base({ condition }));
      expect(b).toEqual(a);
      const c = await runLab(base({ condition, seed: 8 }));
      expect(c.lines).not.toEqual(a.lines);
    }
  });

  it('writes one snapshot per interval in the experiment schema, with the load generator’s counts', async () => {
    const r = await runLab(base({ condition: 'static' }));
    const snaps = parseSnapshotJsonl(r.lines.join('\n'), 'static_step_run01.jsonl');
    expect(snaps).toHaveLength(20);
    expect(snaps.map((s) => s.intervalIdx)).toEqual([...Array(20).keys()]);
    expect(snaps[0].timestamp).toBe('2026-01-01T00:00:30.000Z');
    // step: 35 % of 200 rps in the first quarter → 70 rps offered.
    expect(JSON.parse(r.lines[0]).load.offered_rps).toBe(70);
    expect(r.requests).toBe(Math.ceil(r.requests)); // whole requests
  });

  it('static never scales; at the 200 rps step one front-end replica is far over the SLO', async () => {
    const r = await runLab(base({ condition: 'static' }));
    expect(r.scalingActions).toEqual([]);
    const last = parseSnapshotJsonl(r.lines.join('\n'), 'run').at(-1)!;
    expect(last.services['front-end'].replicas).toBe(1);
    expect(last.services['front-end'].p95Ms!).toBeGreaterThan(1000);
  });

  it('reactive: the HPA scales the front-end on CPU, within 15 s of the load, and never above its max', async () => {
    const r = await runLab(base({ condition: 'reactive' }));
    const fe = r.scalingActions.filter((a) => a.service === 'front-end');
    expect(fe[0].atMs).toBe(15_000); // its first sync
    expect(fe[0].to).toBeGreaterThan(1);
    expect(Math.max(...frontEndReplicas(r.lines).map(Number))).toBeLessThanOrEqual(10);
    // The HPA reacts to the last quarter's 200 rps with more front-end replicas than the first quarter's 70 rps.
    const reps = frontEndReplicas(r.lines).map(Number);
    expect(reps[19]).toBeGreaterThan(reps[3]);
  });

  it("proactive: collect's CSV reads as a recording, and the policy's decisions act on the cluster", async () => {
    const r = await runLab(base({ condition: 'proactive' }));
    const rows = [];
    for await (const batch of readMetricsCsv((async function* () { yield r.metricsCsv!; })(), 'metrics.csv')) rows.push(...batch);
    expect(rows.length).toBe(20 * 7); // every poll, every service
    expect(rows.filter((s) => s.slaViolated !== null).length).toBe(18 * 7); // the last two polls' future is not known
    expect(r.decisions).toHaveLength(20 * 7);
    // Persistence voters with step: each over-SLO poll of the front-end adds a replica (30 s cooldown).
    const ups = r.decisions!.map((d) => JSON.parse(d)).filter((d) => d.service === 'front-end' && d.decision === 'SCALE_UP');
    expect(ups.length).toBeGreaterThan(0);
    expect(r.scalingActions.filter((a) => a.service === 'front-end')).toHaveLength(ups.length);
    expect(frontEndReplicas(r.lines).at(-1)).toBe(1 + ups.length);
  });

  it('refuses a proactive run without its decision path and intervals that are not whole seconds', async () => {
    await expect(runLab(base({ condition: 'proactive', proactive: undefined }))).rejects.toThrow(/decision path/);
    await expect(runLab(base({ intervalMs: 1500 }))).rejects.toThrow(/whole seconds/);
  });
});
