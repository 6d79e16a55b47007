import type { Producer } from 'kafkajs';
import { featureSet, type CollectedPoll, type MetricsSample } from '@sockml/core';
import { describe, expect, it } from 'vitest';
import { KafkaSampleSink } from './kafka-sample-sink.js';

// The broker path is tested against a real Kafka in collect.integration.test.ts; this one is about which
// samples become messages, so a producer that records what it is asked to send is enough.
function recordingProducer() {
  const sent: { topic: string; key: string; value: string }[] = [];
  const producer = {
    send: async (r: { topic: string; messages: { key: string; value: string }[] }) => {
      for (const m of r.messages) sent.push({ topic: r.topic, ...m });
      return [];
    },
    disconnect: async () => {},
  } as unknown as Producer;
  return { producer, sent };
}

const T0 = Date.UTC(2026, 11, 4, 12, 0, 0);
const sample = (service: string, atMs: number, rps: number): MetricsSample => ({
  timestamp: new Date(T0 + atMs).toISOString(),
  timeMs: T0 + atMs,
  service,
  requestRateRps: rps,
  errorRatePct: 0,
  p50LatencyMs: 5,
  p95LatencyMs: 10,
  p99LatencyMs: 20,
  cpuUsagePct: 50,
  memoryUsageMb: 64,
  slaViolated: null,
});
const poll = (slot: number, samples: MetricsSample[]): CollectedPoll => ({ slot, timeMs: T0 + slot * 30_000, timestamp: new Date(T0 + slot * 30_000).toISOString(), samples, replicas: {} });

describe('KafkaSampleSink', () => {
  it("a service whose features overflow float32 is not published, counted and reported; the others' vectors go out", async () => {
    const { producer, sent } = recordingProducer();
    const refused: string[] = [];
    const sink = new KafkaSampleSink(producer, featureSet('trend-v3'), 'live', 30_000, 'metrics', (r) => refused.push(r));
    await sink.write(poll(0, [sample('carts', 0, 3.4e38), sample('orders', 0, 10)]));
    await sink.write(poll(1, [sample('carts', 30_000, 0), sample('orders', 30_000, 12)]));
    expect(sent.map((m) => `${m.topic}/${m.key}`)).toEqual(['metrics/carts', 'metrics/orders', 'metrics/orders']);
    expect([sink.published, sink.refused]).toEqual([3, 1]);
    expect(refused).toEqual([expect.stringMatching(/service 'carts' at 2026-12-04T12:00:30\.000Z: feature 'rps_change_per_min' of trend-v3 is -Infinity/)]);
  });
});
