import { describe, expect, it } from 'vitest';
import { parseSnapshotLine } from '../experiments/snapshot.js';
import { summarizeLab } from './lab-summary.js';

const snap = (condition: string, runId: number, idx: number, fe: [number, number], carts: [number, number]) =>
  parseSnapshotLine(
    JSON.stringify({ timestamp: '2026-01-01T00:00:30Z', run_id: runId, condition, pattern: 'step', interval_idx: idx, services: { 'front-end': { replicas: fe[0], p95_ms: fe[1] }, carts: { replicas: carts[0], p95_ms: carts[1] } } }),
    'x',
  );

describe('summarizeLab', () => {
  it('counts violating (service, interval) snapshots and replica-seconds per run, and compares by run id', () => {
    const s = summarizeLab(
      [
        // reactive: run 1 has 2 violating snapshots, run 2 has 1; 3 replicas per snapshot.
        snap('reactive', 1, 0, [2, 50], [1, 40]),
        snap('reactive', 1, 1, [2, 20], [1, 10]),
        snap('reactive', 2, 0, [2, 50], [1, 10]),
        snap('reactive', 2, 1, [2, 20], [1, 0]), // carts without requests: no p95, not counted
        // proactive: run 1 has 1, run 2 has 0; 4 replicas per snapshot.
        snap('proactive', 1, 0, [3, 50], [1, 10]),
        snap('proactive', 1, 1, [3, 20], [1, 10]),
        snap('proactive', 2, 0, [3, 20], [1, 10]),
        snap('proactive', 2, 1, [3, 20], [1, 10]),
      ],
      { sloMs: 35.68, intervalSeconds: 30 },
    );
    expect(s.conditions.reactive).toMatchObject({ runs: 2, violatingSnapshotsPerRun: 1.5, replicaSecondsPerRun: 180, violationRate: 3 / 7 });
    expect(s.conditions.proactive).toMatchObject({ runs: 2, violatingSnapshotsPerRun: 0.5, replicaSecondsPerRun: 240, violationRate: 1 / 8 });
    expect(s.comparisons).toHaveLength(1);
    const c = s.comparisons[0];
    expect(c).toMatchObject({ condition: 'proactive', baseline: 'reactive' });
    expect(c.violationRatio).toBeCloseTo(1 / 3, 12);
    expect(c.replicaSecondsRatio).toBeCloseTo(4 / 3, 12);
    expect(c.wilcoxon!.n).toBe(2); // both runs differ by −1
  });

  it('leaves a warm-up out of both counts: violations and replica-seconds of intervals before warmupIntervals', () => {
    const snaps = [
      // interval 0: cold start, both violate with 1 replica each; interval 1: only reactive violates.
      snap('reactive', 1, 0, [1, 80], [1, 10]),
      snap('reactive', 1, 1, [3, 40], [1, 10]),
      snap('proactive', 1, 0, [1, 80], [1, 10]),
      snap('proactive', 1, 1, [4, 20], [1, 10]),
    ];
    const all = summarizeLab(snaps, { sloMs: 35.68, intervalSeconds: 30 });
    expect(all.conditions.reactive).toMatchObject({ violatingSnapshotsPerRun: 2, replicaSecondsPerRun: 180 }); // (2 + 4) × 30
    expect(all.comparisons[0].violationRatio).toBeCloseTo(1 / 2, 12);
    const after = summarizeLab(snaps, { sloMs: 35.68, intervalSeconds: 30, warmupIntervals: 1 });
    expect(after.conditions.reactive).toMatchObject({ violatingSnapshotsPerRun: 1, replicaSecondsPerRun: 120, violationRate: 1 / 2 }); // (3 + 1) × 30
    expect(after.conditions.proactive).toMatchObject({ violatingSnapshotsPerRun: 0, replicaSecondsPerRun: 150 }); // (4 + 1) × 30
    expect(after.comparisons[0].violationRatio).toBe(0);
    expect(() => summarizeLab(snaps, { sloMs: 35.68, intervalSeconds: 30, warmupIntervals: 1.5 })).toThrow(/whole number/);
  });
});
