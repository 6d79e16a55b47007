import { EventEmitter } from 'node:events';
import client from 'prom-client';
import { describe, expect, it } from 'vitest';
import { ConsumerHealth, type ConsumerEvents } from './consumer-health.js';

/** kafkajs's consumer as ConsumerHealth sees it: named instrumentation events with a payload. */
function fakeConsumer() {
  const emitter = new EventEmitter();
  const events = { FETCH: 'consumer.fetch', CRASH: 'consumer.crash', STOP: 'consumer.stop' };
  const consumer = { events, on: (name: string, listener: (e: unknown) => void) => emitter.on(name, listener) } as unknown as ConsumerEvents;
  return { consumer, emit: (name: string, payload: unknown = {}) => emitter.emit(name, { payload }) };
}

const setup = () => {
  let now = 1_000_000;
  const { consumer, emit } = fakeConsumer();
  const registry = new client.Registry();
  const health = new ConsumerHealth(consumer, 10_000, registry, () => now);
  return { health, emit, registry, at: (ms: number) => (now = ms), now: () => now };
};

describe('ConsumerHealth', () => {
  it.each([
    { name: 'before consumer.run() returned: starting', steps: [] as string[], atMs: 1_000_500, healthy: false, status: /^starting$/ },
    { name: 'started, no fetch yet, within the limit', steps: ['start'], atMs: 1_009_000, healthy: true, status: /^ok$/ },
    { name: 'started, no fetch past the limit', steps: ['start'], atMs: 1_011_000, healthy: false, status: /no fetch since the consumer started for 11\.0 s \(limit 10 s\)/ },
    { name: 'fetching', steps: ['start', 'fetch'], atMs: 1_009_999, healthy: true, status: /^ok$/ },
    { name: 'last fetch too long ago', steps: ['start', 'fetch'], atMs: 1_010_001, healthy: false, status: /^no fetch for 10\.0 s/ },
    { name: 'crashed, restarted by kafkajs, fetches resume', steps: ['start', 'crash-restart', 'fetch'], atMs: 1_005_000, healthy: true, status: /^ok$/ },
    { name: 'crashed, restarted by kafkajs, still within the limit', steps: ['start', 'crash-restart'], atMs: 1_005_000, healthy: true, status: /^ok$/ },
    { name: 'crashed for good (not restarted)', steps: ['start', 'fetch', 'crash'], atMs: 1_000_001, healthy: false, status: /consumer crashed and was not restarted: broker said no/ },
    { name: 'stopped', steps: ['start', 'stop'], atMs: 1_000_001, healthy: false, status: /consumer stopped/ },
  ])('$name', ({ steps, atMs, healthy, status }) => {
    const h = setup();
    for (const s of steps) {
      if (s === 'start') h.health.started();
      if (s === 'fetch') h.emit('consumer.fetch');
      if (s === 'crash') h.emit('consumer.crash', { error: new Error('broker said no'), restart: false });
      if (s === 'crash-restart') h.emit('consumer.crash', { error: new Error('connection lost'), restart: true });
      if (s === 'stop') h.emit('consumer.stop');
    }
    const report = h.health.check(atMs);
    expect(report.healthy).toBe(healthy);
    expect(report.status).toMatch(status);
  });

  it('exports fetches, crashes, the last fetch time and the lag of each partition', async () => {
    const h = setup();
    h.health.started();
    h.emit('consumer.fetch');
    h.emit('consumer.crash', { error: new Error('x'), restart: true });
    h.health.observeBatch({ topic: 'model-votes', partition: 2, offsetLag: () => '17' });
    const text = await h.registry.metrics();
    expect(text).toMatch(/^sockml_consumer_fetches_total 1$/m);
    expect(text).toMatch(/^sockml_consumer_crashes_total\{restarted="true"\} 1$/m);
    expect(text).toMatch(/^sockml_consumer_last_fetch_timestamp_seconds 1000$/m);
    expect(text).toMatch(/^sockml_consumer_lag_messages\{topic="model-votes",partition="2"\} 17$/m);
  });
});
