import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JourneyPicker, journeyRequests, DEFAULT_JOURNEY, loadPattern, type TimelineRow, type WeightedRequest } from '@sockml/core';
import { BuiltinEngine } from './builtin.js';
import type { LoadRunSpec } from './load-engine.js';
import { freePort } from '../testing/ports.js';

// A stand-in front-end on 127.0.0.1: /slow answers after 300 ms, /slower after 500 ms, /orders with 500.
let server: Server;
let target: URL;
beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '/';
      const delay = path.startsWith('/slower') ? 500 : path.startsWith('/slow') ? 300 : 0;
      setTimeout(() => {
        res.statusCode = path.startsWith('/orders') ? 500 : 200;
        res.end('{}');
      }, delay);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  target = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const only = (path: string): WeightedRequest[] => [{ step: 'home', method: 'GET', path, weight: 1 }];

function spec({ pattern, durationMs, peakRps, ...o }: Partial<Omit<LoadRunSpec, 'pattern'>> & { pattern?: string; durationMs?: number; peakRps?: number }): LoadRunSpec & { rows: TimelineRow[] } {
  const rows: TimelineRow[] = [];
  return {
    pattern: loadPattern(pattern ?? 'constant', { durationMs: durationMs ?? 2000, peakRps: peakRps ?? 100 }),
    target,
    model: 'open',
    vus: 5,
    maxInFlight: 1000,
    requests: only('/'),
    seed: 1,
    timeoutMs: 5000,
    onRow: (r) => rows.push(r),
    rows,
    ...o,
  };
}

describe('BuiltinEngine against a local server', () => {
  it('open model: achieves the offered rate of a ramp, second by second', async () => {
    const s = spec({ pattern: 'ramp', durationMs: 3000, peakRps: 300 });
    const { summary, stoppedBy } = await new BuiltinEngine().run(s);
    expect(stoppedBy).toBe('duration');
    expect(summary.offered).toBe(Math.ceil(s.pattern.expected(3000) - 1e-9)); // 450
    expect(summary.dropped).toBe(0);
    expect(summary.started).toBe(summary.offered);
    expect(summary.errors).toBe(0);
    // A short run on a shared machine: within 3 % overall (the last responses may land just after the window).
    expect(summary.achievedRatio).toBeGreaterThan(0.97);
    expect(s.rows.map((r) => r.second)).toEqual([0, 1, 2]);
    for (const r of s.rows) expect(Math.abs(r.offered - (s.pattern.expected((r.second + 1) * 1000) - s.pattern.expected(r.second * 1000)))).toBeLessThanOrEqual(1);
    for (const r of s.rows) expect(Math.abs(r.completed - r.offered)).toBeLessThanOrEqual(Math.max(5, r.offered * 0.1));
  });

  it('open model: slow responses do not lower the offered rate; closed model: they do', async () => {
    const open = await new BuiltinEngine().run(spec({ requests: only('/slow'), peakRps: 50 }));
    expect(open.summary.offered).toBe(100);
    expect(open.summary.started).toBe(100); // every arrival went out on time, none waited for a response
    expect(open.summary.dropped).toBe(0);
    expect(open.summary.startLag.p99Ms).toBeLessThan(100);
    expect(open.summary.latency.p50Ms).toBeGreaterThanOrEqual(295);
    expect(open.summary.completed).toBe(100); // the drain waited for the last ones
    // The ones due in the last 300 ms answer after the window: about 85 of 100 inside it.
    expect(open.summary.completedInWindow).toBeGreaterThanOrEqual(75);

    // 5 users, each waiting 300 ms per request: at most 5 / 0.3 s ≈ 17 rps of the 50 offered.
    const closed = await new BuiltinEngine().run(spec({ requests: only('/slow'), peakRps: 50, model: 'closed', vus: 5 }));
    expect(closed.summary.offered).toBeCloseTo(100, 6);
    expect(closed.summary.started).toBeLessThanOrEqual(5 * Math.ceil(2000 / 300));
    expect(closed.summary.achievedRps).toBeLessThan(20);
    expect(closed.summary.dropped).toBe(0);
  });

  it('closed model: users follow the pattern (fewer active while the rate is low)', async () => {
    // step: 35 %, 70 %, 35 %, 100 % of the peak → 4, 7, 4, 10 of 10 users, each taking 300 ms a request.
    const s = spec({ requests: only('/slow'), pattern: 'step', durationMs: 4000, peakRps: 100, model: 'closed', vus: 10 });
    const { summary } = await new BuiltinEngine().run(s);
    const started = s.rows.map((r) => r.started);
    expect(started[0]).toBeLessThan(started[3]);
    expect(started[1]).toBeGreaterThan(started[2]);
    expect(summary.started).toBeLessThanOrEqual((4 + 7 + 4 + 10) * Math.ceil(1000 / 300));
  });

  it('open model: arrivals beyond the in-flight cap are dropped iterations', async () => {
    // 100 rps, 500 ms responses, at most 10 in flight: about 20 can start per second, the rest are dropped.
    const s = spec({ requests: only('/slower'), maxInFlight: 10 });
    const { summary } = await new BuiltinEngine().run(s);
    expect(summary.offered).toBe(200);
    expect(summary.started + summary.dropped).toBe(200);
    expect(summary.started).toBeLessThanOrEqual(10 * 5);
    expect(summary.started).toBeGreaterThanOrEqual(10 * 3);
    expect(summary.dropped).toBeGreaterThanOrEqual(150);
    expect(s.rows.reduce((n, r) => n + r.dropped, 0)).toBe(summary.dropped);
    for (const r of s.rows) expect(r.inFlight).toBeLessThanOrEqual(10);
  });

  it('counts statuses by code: the journey’s checkouts get the server’s 500s', async () => {
    const requests = journeyRequests(DEFAULT_JOURNEY);
    const s = spec({ requests, peakRps: 150, seed: 7 });
    const { summary } = await new BuiltinEngine().run(s);
    // The same seed picks the same requests: replay the picker to know how many checkouts went out.
    const picker = new JourneyPicker(requests, 7);
    const checkouts = Array.from({ length: summary.started }, () => picker.next()).filter((r) => r.step === 'checkout').length;
    expect(checkouts).toBeGreaterThan(0);
    expect(summary.statuses).toEqual({ 200: summary.started - checkouts, 500: checkouts });
    expect(summary.errors).toBe(checkouts);
    expect(s.rows.reduce((n, r) => n + r.errors, 0)).toBe(checkouts);
  });

  it('counts transport errors by code', async () => {
    const closedPort = await freePort();
    const { summary } = await new BuiltinEngine().run(spec({ target: new URL(`http://127.0.0.1:${closedPort}`), durationMs: 1000, peakRps: 20 }));
    expect(summary.statuses).toEqual({ ECONNREFUSED: 20 });
    expect(summary.errors).toBe(20);
  });

  it('stops on the signal: the window ends there and what is in flight is abandoned', async () => {
    const stop = new AbortController();
    setTimeout(() => stop.abort(), 700);
    const started = performance.now();
    const { summary, stoppedBy } = await new BuiltinEngine().run(spec({ requests: only('/slower'), durationMs: 10_000, signal: stop.signal }));
    expect(performance.now() - started).toBeLessThan(2000);
    expect(stoppedBy).toBe('signal');
    expect(summary.windowMs).toBeGreaterThanOrEqual(690);
    expect(summary.windowMs).toBeLessThan(1000);
    expect(summary.statuses.ABORTED).toBeGreaterThan(0);
    expect(summary.offered).toBeLessThanOrEqual(100);
  });
});
