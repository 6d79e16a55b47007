import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ArrivalSchedule, DEFAULT_JOURNEY, journeyRequests, loadPattern, PATTERN_NAMES, tracePattern } from '@sockml/core';
import { REPO } from '../test-support.js';
import { K6Engine, K6MissingError } from './k6.js';
import { k6Stages, renderK6Script, summaryFromK6, type K6Stage } from './k6-script.js';

const dir = mkdtempSync(join(tmpdir(), 'sockml-k6-'));
const target = new URL('http://127.0.0.1:8079/');
const requests = journeyRequests(DEFAULT_JOURNEY);

/** What k6's ramping-arrival-rate offers: each stage goes linearly from the previous target to its own. */
function integrate(startRate: number, stages: K6Stage[]): { requests: number; ms: number } {
  let rate = startRate;
  let total = 0;
  let ms = 0;
  for (const s of stages) {
    const d = Number(/^(\d+)(ms|s)$/.exec(s.duration)![1]) * (s.duration.endsWith('ms') ? 1 : 1000);
    total += ((rate + s.target) / 2) * (d / 1000);
    ms += d;
    rate = s.target;
  }
  return { requests: total, ms };
}

/** Loads a generated script in Node with k6/http stubbed, as k6 would see it. */
async function loadScript(source: string, name: string) {
  const calls: { method: string; url: string; body: string | null; params: { headers: Record<string, string>; tags: { step: string } } }[] = [];
  (globalThis as any).__k6http = { request: (method: string, url: string, body: string | null, params: any) => calls.push({ method, url, body, params }) };
  const file = join(dir, `${name}.mjs`);
  writeFileSync(file, source.replace("import http from 'k6/http';", 'const http = globalThis.__k6http;'));
  return { mod: await import(pathToFileURL(file).href), calls };
}

describe('k6 script', () => {
  it.each(PATTERN_NAMES.flatMap((name) => [7, 100, 1234].map((peakRps) => ({ name, peakRps }))))(
    '$name at $peakRps rps: the stages offer what the builtin schedule offers',
    ({ name, peakRps }) => {
      const pattern = loadPattern(name, { durationMs: 600_000, peakRps });
      const { startRate, stages } = k6Stages(pattern);
      const k6 = integrate(startRate, stages);
      expect(k6.ms).toBe(600_000);
      const builtin = new ArrivalSchedule(pattern).size;
      expect(Math.abs(k6.requests - builtin)).toBeLessThan(1);
      for (const s of stages) expect(Number.isInteger(s.target)).toBe(true);
    },
  );

  // A trace has many more points than the shapes (a recording: one per 30 s poll), scaled, cut and stretched.
  it.each([
    { file: 'sockshop-gke/runs/step/run_3.csv', o: {} },
    { file: 'sockshop-gke/runs/spike/run_1.csv', o: { peakRps: 1234, durationMs: 123_457 } },
    { file: 'sockshop-gke/runs/ramp/run_2.csv', o: { peakRps: 7, durationMs: 3_600_000 } },
    { file: 'traces/flash-crowd.csv', o: { peakRps: 100 } },
  ])('trace $file $o: the stages offer what the builtin schedule offers', ({ file, o }) => {
    const pattern = tracePattern(readFileSync(join(REPO, 'fixtures', file), 'utf8'), file, o);
    const { startRate, stages } = k6Stages(pattern);
    const k6 = integrate(startRate, stages);
    expect(k6.ms).toBe(pattern.durationMs);
    expect(Math.abs(k6.requests - new ArrivalSchedule(pattern).size)).toBeLessThan(1);
    for (const s of stages) expect(Number.isInteger(s.target)).toBe(true);
  });

  it('jumps are 0-duration stages', () => {
    const { startRate, stages } = k6Stages(loadPattern('step', { durationMs: 40_000, peakRps: 100 }));
    expect(startRate).toBe(35);
    expect(stages).toEqual([
      { duration: '10000ms', target: 35 },
      { duration: '0s', target: 70 },
      { duration: '10000ms', target: 70 },
      { duration: '0s', target: 35 },
      { duration: '10000ms', target: 35 },
      { duration: '0s', target: 100 },
      { duration: '10000ms', target: 100 },
    ]);
  });

  it('parses as JavaScript, and run with k6/http stubbed it has the scenario, threshold, journey and summary', async () => {
    const pattern = loadPattern('spike', { durationMs: 60_000, peakRps: 80 });
    const source = renderK6Script({ pattern, target, requests, maxInFlight: 500, sloMs: 35.68, summaryPath: '/tmp/out/summary.json', stamp: { pattern: 'spike', seed: 3 } });
    const file = join(dir, 'syntax.mjs');
    writeFileSync(file, source);
    execFileSync(process.execPath, ['--check', file]); // syntax only: k6/http is not resolved

    const { mod, calls } = await loadScript(source, 'stubbed');
    const scenario = mod.options.scenarios.sockml;
    expect(scenario).toMatchObject({ executor: 'ramping-arrival-rate', timeUnit: '1s', maxVUs: 500, startRate: 12 });
    expect(scenario.stages).toEqual(k6Stages(pattern).stages);
    expect(mod.options.thresholds).toEqual({ http_req_duration: ['p(95)<35.68'] });

    for (let i = 0; i < 20_000; i++) mod.default();
    const share = (step: string) => calls.filter((c) => c.params.tags.step === step).length / calls.length;
    expect(share('catalogue')).toBeCloseTo(0.2, 1);
    expect(share('checkout')).toBeCloseTo(0.05, 1);
    expect(calls.some((c) => c.method === 'GET' && c.url === 'http://127.0.0.1:8079/catalogue?tags=blue')).toBe(true);
    const add = calls.find((c) => c.params.tags.step === 'addToCart')!;
    expect([add.method, add.url, JSON.parse(add.body!).quantity, add.params.headers['Content-Type']]).toEqual(['POST', 'http://127.0.0.1:8079/cart', 1, 'application/json']);
    expect(calls.find((c) => c.params.tags.step === 'login')!.params.headers.Authorization).toMatch(/^Basic /);

    const out = mod.handleSummary({ metrics: { http_reqs: { values: { count: 42 } } } });
    expect(JSON.parse(out['/tmp/out/summary.json']).sockml).toEqual({ pattern: 'spike', seed: 3 });
    expect(out.stdout).toContain('42 requests');
  });

  it('without --slo there is no threshold', async () => {
    const source = renderK6Script({ pattern: loadPattern('constant', { durationMs: 1000, peakRps: 5 }), target, requests, maxInFlight: 10, summaryPath: 's.json', stamp: {} });
    const { mod } = await loadScript(source, 'noslo');
    expect(mod.options.thresholds).toEqual({});
  });

  it('reads k6’s JSON summary into the builtin summary’s shape', () => {
    const s = summaryFromK6(
      {
        metrics: {
          http_reqs: { values: { count: 590, rate: 59 } },
          iterations: { values: { count: 590 } },
          dropped_iterations: { values: { count: 10 } },
          http_req_failed: { values: { rate: 0.05, passes: 30, fails: 560 } },
          http_req_duration: { values: { avg: 4, min: 1, med: 3, max: 90, 'p(90)': 8, 'p(95)': 12, 'p(99)': 40 } },
        },
      },
      10_000,
    );
    expect(s).toMatchObject({ offered: 600, started: 590, dropped: 10, completed: 590, errors: 30, offeredRps: 60, achievedRps: 59 });
    expect(s.latency).toMatchObject({ p50Ms: 3, p95Ms: 12, p99Ms: 40, maxMs: 90 });
  });
});

describe('K6Engine', () => {
  it('without k6 on PATH: writes the script and says exactly how to run it', async () => {
    const scriptPath = join(dir, 'engine.k6.js');
    const engine = new K6Engine({ scriptPath, summaryPath: join(dir, 'engine-summary.json'), stamp: {}, k6Binary: null });
    const pattern = loadPattern('ramp', { durationMs: 60_000, peakRps: 10 });
    const run = engine.run({ pattern, target, model: 'open', vus: 1, maxInFlight: 100, requests, seed: 1, timeoutMs: 1000 });
    await expect(run).rejects.toThrow(K6MissingError);
    await expect(run).rejects.toThrow(`k6 run ${scriptPath}`);
    expect(existsSync(scriptPath)).toBe(true);
    expect(readFileSync(scriptPath, 'utf8')).toContain("executor\": \"ramping-arrival-rate\"");
  });
});
