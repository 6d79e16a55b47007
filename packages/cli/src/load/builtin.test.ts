import { describe, expect, it } from 'vitest';
import { loadPattern } from '@sockml/core';
import { BuiltinEngine } from './builtin.js';
import type { RequestSender } from './request-sender.js';

/** A target that answers every request in the next turn of the event loop, with no network at all. */
const instantTarget = (): RequestSender & { sent: number } => ({
  sent: 0,
  send(_r, done) {
    this.sent++;
    setImmediate(() => done({ error: 'ECONNREFUSED' }));
  },
  abortAll() {},
  close() {},
});

describe('BuiltinEngine, open model, far beyond what it can send', () => {
  it('at 10⁹ rps it keeps yielding, caps what it starts per tick (the rest dropped and counted) and stops within a second', async () => {
    const target = instantTarget();
    const stop = new AbortController();
    // A timer that must keep firing while the engine runs: the event loop (and so a signal handler) gets its turn.
    let last = performance.now();
    let longestGap = 0;
    const probe = setInterval(() => {
      const now = performance.now();
      longestGap = Math.max(longestGap, now - last);
      last = now;
    }, 10);
    const abortAt = setTimeout(() => stop.abort(), 600);
    let stoppedAt = 0;
    stop.signal.addEventListener('abort', () => (stoppedAt = performance.now()));
    const { summary, stoppedBy } = await new BuiltinEngine({ sender: () => target }).run({
      pattern: loadPattern('constant', { durationMs: 60_000, peakRps: 1e9 }),
      target: new URL('http://127.0.0.1:1'),
      model: 'open',
      vus: 1,
      maxInFlight: 1000,
      requests: [{ step: 'home', method: 'GET', path: '/', weight: 1 }],
      seed: 1,
      timeoutMs: 1000,
      signal: stop.signal,
    });
    const stoppedWithin = performance.now() - stoppedAt;
    clearInterval(probe);
    clearTimeout(abortAt);
    expect(stoppedBy).toBe('signal');
    expect(stoppedWithin).toBeLessThan(1000);
    expect(longestGap).toBeLessThan(250);
    // Every arrival is accounted for: offered = started + dropped, and almost all were dropped.
    expect(summary.offered).toBeGreaterThan(1e8);
    expect(summary.started + summary.dropped).toBe(summary.offered);
    expect(summary.started).toBe(target.sent);
    expect(summary.dropped).toBeGreaterThan(0.99 * summary.offered);
  }, 20_000);
});
