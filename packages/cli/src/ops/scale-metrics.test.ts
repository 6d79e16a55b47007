import client from 'prom-client';
import { describe, expect, it } from 'vitest';
import type { Actuator, ScalingDecision, TakenDecision } from '@sockml/core';
import { ScaleMetrics } from './scale-metrics.js';

const decision = (over: Partial<ScalingDecision>): TakenDecision => ({
  verdict: {} as TakenDecision['verdict'],
  decision: {
    decisionId: 'carts@s', snapshotId: 's', service: 'carts', timestamp: '2026-01-01T00:00:00.000Z', decision: 'SCALE_UP', strategy: 'majority',
    scaleUpVotes: 3, noActionVotes: 0, totalVotes: 3, confidence: 0.9, score: 1, degraded: false, targetReplicas: 2, ...over,
  },
});
const at = (iso: string) => Date.parse(iso);
const value = (text: string, line: RegExp) => Number(line.exec(text)?.[1]);

describe('ScaleMetrics', () => {
  it('counts decisions by kind and degraded ones, and times poll → decision from the snapshot time', async () => {
    const registry = new client.Registry();
    const stats = { duplicates: 2, late: 0 };
    const m = new ScaleMetrics(registry, () => stats);
    let text = await registry.metrics();
    expect(text).toMatch(/^sockml_scale_decisions_total\{decision="SCALE_DOWN"\} 0$/m); // every kind exported from the start
    m.decided([decision({}), decision({ decision: 'NO_ACTION', degraded: true, timestamp: '2026-01-01T00:00:01.000Z' })], at('2026-01-01T00:00:03.000Z'));
    m.decided([decision({ timestamp: '2020-01-01T00:00:00.000Z' })], at('2026-01-01T00:00:03.000Z')); // a replayed recording: not a latency
    stats.late = 4;
    text = await registry.metrics();
    expect(text).toMatch(/^sockml_scale_decisions_total\{decision="SCALE_UP"\} 2$/m);
    expect(text).toMatch(/^sockml_scale_decisions_total\{decision="NO_ACTION"\} 1$/m);
    expect(text).toMatch(/^sockml_scale_degraded_decisions_total 1$/m);
    expect(value(text, /^sockml_poll_to_decision_seconds_count (\S+)$/m)).toBe(2);
    expect(value(text, /^sockml_poll_to_decision_seconds_sum (\S+)$/m)).toBeCloseTo(5); // 3 s + 2 s
    expect(text).toMatch(/^sockml_poll_to_decision_seconds_bucket\{le="2"\} 1$/m);
    expect(text).toMatch(/^sockml_scale_unmeasured_latency_total 1$/m);
    expect(text).toMatch(/^sockml_scale_duplicate_votes_total 2$/m);
    expect(text).toMatch(/^sockml_scale_late_votes_total 4$/m);
  });

  it('meter() counts applied actuations and failed calls, and passes failures on', async () => {
    const registry = new client.Registry();
    const m = new ScaleMetrics(registry, () => ({ duplicates: 0, late: 0 }));
    let fail = false;
    const inner: Actuator = {
      name: 'http',
      apply: async (d) => {
        if (fail) throw new Error('503');
        return { applied: d.decision !== 'NO_ACTION', detail: '' };
      },
      currentReplicas: async () => {
        throw new Error('unreachable');
      },
    };
    const a = m.meter(inner);
    expect(a.name).toBe('http');
    await a.apply(decision({}).decision);
    await a.apply(decision({ decision: 'NO_ACTION' }).decision);
    fail = true;
    await expect(a.apply(decision({}).decision)).rejects.toThrow('503');
    await expect(a.currentReplicas!('carts')).rejects.toThrow('unreachable');
    expect(a.setReplicas).toBeUndefined();
    const text = await registry.metrics();
    expect(text).toMatch(/^sockml_scale_actuations_total\{actuator="http",applied="true"\} 1$/m);
    expect(text).toMatch(/^sockml_scale_actuations_total\{actuator="http",applied="false"\} 1$/m);
    expect(text).toMatch(/^sockml_scale_actuation_failures_total\{actuator="http",operation="apply"\} 1$/m);
    expect(text).toMatch(/^sockml_scale_actuation_failures_total\{actuator="http",operation="read"\} 1$/m);
  });
});
