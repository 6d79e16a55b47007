import { describe, expect, it } from 'vitest';
import type { ScalingDecision } from '../schema.js';
import type { Actuator } from './actuator.js';
import { IdempotentActuator } from './idempotent-actuator.js';

const decision = (id: string): ScalingDecision => ({
  decisionId: id, snapshotId: 's', service: 'carts', timestamp: 't', decision: 'SCALE_UP', strategy: 'majority',
  scaleUpVotes: 3, noActionVotes: 0, totalVotes: 3, confidence: 0.9, score: 1, degraded: false, targetReplicas: 2,
});

describe('IdempotentActuator', () => {
  it('applies a redelivered decision once', async () => {
    const applied: string[] = [];
    const inner: Actuator = { name: 'record', apply: async (d) => (applied.push(d.decisionId), { applied: true, detail: '' }) };
    const a = new IdempotentActuator(inner, 2);
    for (const id of ['d1', 'd2', 'd1', 'd2', 'd3', 'd1']) await a.apply(decision(id));
    // d1 and d2 once each while remembered; after d3 evicts d1 (remember = 2), d1 would be new again.
    expect(applied).toEqual(['d1', 'd2', 'd3', 'd1']);
    expect(a.duplicates).toBe(2);
  });
});
