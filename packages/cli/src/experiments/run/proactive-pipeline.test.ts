import { describe, expect, it } from 'vitest';
import type { ScalingDecision } from '@sockml/core';
import { actionsOf } from './proactive-pipeline.js';
import { targetsOnPort } from './preflight.js';

const d = (service: string, at: string, decision: ScalingDecision['decision'], targetReplicas?: number): ScalingDecision => ({
  decisionId: `${service}@${at}`,
  snapshotId: `live@${at}`,
  service,
  timestamp: at,
  decision,
  strategy: 'majority',
  scaleUpVotes: 0,
  noActionVotes: 0,
  totalVotes: 3,
  confidence: 0.5,
  score: 0.5,
  degraded: false,
  ...(targetReplicas === undefined ? {} : { targetReplicas }),
});

describe('actionsOf', () => {
  it.each([
    { name: 'no decisions', decisions: [], want: [] },
    { name: 'NO_ACTION only', decisions: [d('carts', '2026-01-01T00:00:05Z', 'NO_ACTION', 1)], want: [] },
    {
      name: 'ups and a down, per service, in snapshot order whatever the file order',
      decisions: [d('carts', '2026-01-01T00:00:10Z', 'SCALE_UP', 3), d('carts', '2026-01-01T00:00:05Z', 'SCALE_UP', 2), d('orders', '2026-01-01T00:00:05Z', 'SCALE_UP', 2), d('carts', '2026-01-01T00:00:20Z', 'SCALE_DOWN', 2)],
      want: [
        ['carts', 1, 2],
        ['orders', 1, 2],
        ['carts', 2, 3],
        ['carts', 3, 2],
      ],
    },
    { name: 'a repeated target (a decision published twice) is one action', decisions: [d('carts', '2026-01-01T00:00:05Z', 'SCALE_UP', 2), d('carts', '2026-01-01T00:00:05Z', 'SCALE_UP', 2)], want: [['carts', 1, 2]] },
  ])('$name', ({ decisions, want }) => {
    expect(actionsOf(decisions).map((a) => [a.service, a.from, a.to])).toEqual(want);
  });
  it('times actions by the decision snapshot', () => {
    expect(actionsOf([d('carts', '2026-01-01T00:00:05Z', 'SCALE_UP', 2)])[0].atEpochMs).toBe(Date.UTC(2026, 0, 1, 0, 0, 5));
  });
});

describe('targetsOnPort', () => {
  // The shape of Prometheus's /api/v1/targets answer (fields sockml does not read left out).
  const body = {
    status: 'success',
    data: {
      activeTargets: [
        { labels: { job: 'emulator', instance: '127.0.0.1:8089' }, health: 'up', scrapeInterval: '1s' },
        { labels: { job: 'other', instance: 'localhost:18089' }, health: 'down', scrapeInterval: '15s' },
        { labels: { job: 'node', instance: '127.0.0.1:9100' }, health: 'up', scrapeInterval: '5s' },
      ],
      droppedTargets: [],
    },
  };
  it.each([
    { port: 8089, want: [{ job: 'emulator', instance: '127.0.0.1:8089', up: true, scrapeIntervalMs: 1000 }] },
    { port: 18089, want: [{ job: 'other', instance: 'localhost:18089', up: false, scrapeIntervalMs: 15_000 }] },
    { port: 1234, want: [] },
  ])('port $port', ({ port, want }) => expect(targetsOnPort(body, port)).toEqual(want));
  it('reads a malformed answer as no scrape, and an unreadable interval as unknown', () => {
    expect(targetsOnPort({ data: {} }, 8089)).toEqual([]);
    expect(targetsOnPort({ data: { activeTargets: [{ labels: { job: 'e', instance: 'h:1' }, health: 'up', scrapeInterval: 'soon' }] } }, 1)).toEqual([
      { job: 'e', instance: 'h:1', up: true, scrapeIntervalMs: null },
    ]);
  });
});
