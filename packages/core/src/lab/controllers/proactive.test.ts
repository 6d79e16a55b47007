import { describe, expect, it } from 'vitest';
import { parseSnapshotJsonl } from '../../experiments/snapshot.js';
import { seedV1 } from '../../features/sets/seed-v1.js';
import { loadPattern } from '../../load/patterns/registry.js';
import { DEFAULT_HYBRID_POLICY, HybridPolicy } from '../../policy/policies/hybrid.js';
import { persistenceModel } from '../../testing/persistence-model.js';
import { majorityStrategy } from '../../voting/strategies/majority.js';
import type { LabCluster } from '../lab-cluster.js';
import type { LabController } from '../lab-controller.js';
import { runLab } from '../lab-run.js';
import { HpaFloorController } from './hpa-floor.js';
import { ProactiveController } from './proactive.js';

const SLO = 35.68;

/** An HPA stand-in that asks for a scripted count of orders at scripted instants. */
class ScriptedOrdersHpa implements LabController {
  private i = 0;
  constructor(private readonly script: [atMs: number, replicas: number][]) {}
  nextAtMs() {
    return this.script[this.i]?.[0] ?? Infinity;
  }
  async fire(nowMs: number, cluster: LabCluster) {
    cluster.setReplicas('orders', this.script[this.i++][1], nowMs);
    return [];
  }
}

async function ordersReplicas(hpaScript: [number, number][]): Promise<number[]> {
  const proactive = new ProactiveController({
    featureSet: seedV1,
    models: ['a', 'b', 'c'].map((n) => persistenceModel(n, seedV1, SLO)),
    strategy: majorityStrategy,
    // Orders' minimum of two is what sockml asks for at its first poll (30 s), whatever the load.
    policy: new HybridPolicy({ ...DEFAULT_HYBRID_POLICY, midTierMinReplicas: 2, attributionMinUtilization: 0 }),
    pollIntervalMs: 30_000,
    rateWindowMs: 30_000,
    label: { metric: 'p95_latency_ms', sloMs: SLO, lookahead: 2 },
    runId: 'test',
    epochMs: 0,
    initialReplicas: 1,
  });
  const r = await runLab({
    condition: 'proactive',
    runId: 1,
    pattern: loadPattern('constant', { durationMs: 150_000, peakRps: 10 }),
    seed: 1,
    sloMs: SLO,
    intervalMs: 30_000,
    initialReplicas: 1,
    hpa: {},
    controller: new HpaFloorController(new ScriptedOrdersHpa(hpaScript), proactive, 1),
  });
  return parseSnapshotJsonl(r.lines.join('\n'), 'run').map((s) => Number(s.services.orders.replicas));
}

describe('ProactiveController under an HPA floor', () => {
  // Snapshots at 30, 60, …, 150 s, each taken before the controllers fire at its instant.
  it('an ask for the count the HPA already runs is still recorded: the HPA cannot take it back', async () => {
    // At 30 s the HPA (first at a shared instant) raises orders to 2; sockml's poll then asks for 2 too.
    // At 60 s the HPA asks for 1: orders must stay at sockml's 2. (Live, `scale` posts every decision.)
    expect(await ordersReplicas([[30_000, 2], [60_000, 1]])).toEqual([1, 2, 2, 2, 2]);
  });

  it('without the HPA raising it first, sockml alone brings orders to 2 (the same end state)', async () => {
    expect(await ordersReplicas([[60_000, 1]])).toEqual([1, 2, 2, 2, 2]);
  });
});
