/**
 * `sockml sim` as a user runs it: the built binary on a free port, loaded by the built `sockml loadtest`,
 * scaled through its admin endpoint (also by the http actuator's own code), stopped by SIGTERM.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERVICE_SPECS, type ScalingDecision } from '@sockml/core';
import { HttpActuator } from '../actuators/http.js';
import { startSockml, type SockmlProcess } from '../testing/sockml-process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const BUCKETS = ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1', '2.5', '5', '10', '+Inf'];

let sim: SockmlProcess;
let url: string;

/** Sample lines of one metric name: labels and value. */
function samples(text: string, name: string): { labels: Record<string, string>; value: number }[] {
  const out = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const labels = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_]+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    out.push({ labels, value: Number(m[3]) });
  }
  return out;
}

const metrics = async () => (await fetch(`${url}/metrics`)).text();
const replicas = async () => (await fetch(`${url}/admin/replicas`)).json();
const setReplicas = (body: string) => fetch(`${url}/admin/replicas`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });

async function loadtest(rps: number, duration: string) {
  // Overloading the emulator on purpose: its latency and errors are measured here, not thresholds.
  const r = await startSockml(['loadtest', '--engine', 'builtin', '--target', url, '--pattern', 'constant', '--duration', duration, '--peak-rps', String(rps), '--json', '--slo', '600000', '--max-error-rate', '100']).done;
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).summary as { completed: number; statuses: Record<string, number>; latency: { p95Ms: number } };
}

beforeAll(async () => {
  // Start-up delay 20 s / 10 = 2 s.
  sim = startSockml(['sim', '--port', '0', '--time-scale', '10'], { timeoutMs: 110_000 });
  await sim.waitForStderr(/emulator on http:\/\/127\.0\.0\.1:\d+/);
  url = /emulator on (http:\/\/127\.0\.0\.1:\d+)/.exec(sim.stderr())![1];
});

afterAll(() => {
  if (sim && sim.child.exitCode === null) sim.child.kill('SIGKILL');
});

describe('sockml sim', () => {
  it('starts with one replica of every service', async () => {
    expect(await replicas()).toEqual({ 'front-end': 1, carts: 1, orders: 1, catalogue: 1, user: 1, payment: 1, shipping: 1 });
  });

  let p95Light = 0;
  let p95Overloaded = 0;

  it('serves the loadtest journey and exports Sock Shop’s metrics', async () => {
    const s = await loadtest(50, '5s');
    expect(s.statuses).toEqual({ '200': s.completed });
    expect(s.completed).toBe(250);
    p95Light = s.latency.p95Ms;

    const text = await metrics();
    expect(text).toMatch(/^# TYPE request_duration_seconds histogram$/m);
    const buckets = samples(text, 'request_duration_seconds_bucket');
    for (const b of buckets) expect(Object.keys(b.labels).sort()).toEqual(['le', 'method', 'route', 'service', 'status_code']);
    const catalogue = buckets.filter((b) => b.labels.service === 'front-end' && b.labels.route === '/catalogue' && b.labels.status_code === '200');
    expect(catalogue.map((b) => b.labels.le)).toEqual(BUCKETS);
    const counts = samples(text, 'request_duration_seconds_count');
    const served = (service: string) => counts.filter((c) => c.labels.service === service).reduce((a, c) => a + c.value, 0);
    expect(served('front-end')).toBe(250);
    for (const service of ['catalogue', 'carts', 'user', 'orders', 'payment', 'shipping']) expect(served(service), service).toBeGreaterThan(0);
    expect(counts.find((c) => c.labels.service === 'orders' && c.labels.route === '/orders')?.labels.method).toBe('POST');

    for (const name of ['process_cpu_seconds_total', 'process_resident_memory_bytes']) {
      const byService = samples(text, name);
      expect(byService.map((x) => x.labels.service).sort(), name).toEqual(['carts', 'catalogue', 'front-end', 'orders', 'payment', 'shipping', 'user']);
      for (const x of byService) expect(x.value, `${name} ${x.labels.service}`).toBeGreaterThan(0);
    }
    expect(samples(text, 'kube_deployment_status_replicas').find((x) => x.labels.deployment === 'carts')?.value).toBe(1);
  });

  it('latency rises when the front-end is overloaded', async () => {
    // 250 rps on one front-end replica of 150 rps: the backlog grows by ~100 requests a second.
    const cpuBefore = samples(await metrics(), 'process_cpu_seconds_total').find((x) => x.labels.service === 'front-end')!.value;
    const started = performance.now();
    const s = await loadtest(250, '3s');
    p95Overloaded = s.latency.p95Ms;
    expect(p95Overloaded).toBeGreaterThan(Math.max(500, p95Light * 10));
    const cpu = samples(await metrics(), 'process_cpu_seconds_total').find((x) => x.labels.service === 'front-end')!.value - cpuBefore;
    const elapsedS = (performance.now() - started) / 1000;
    // Saturated for ~3 s: it works off capacityRps requests a second at cpuMsPerRequest each (≈ 0.31 cores,
    // the real front-end's CPU limit), and never more than the 750 requests offered plus idle CPU for the
    // time between the two scrapes (measured: a busy machine stretches the run's start-up).
    const { capacityRps, cpuMsPerRequest, idleCores } = DEFAULT_SERVICE_SPECS['front-end'];
    expect(cpu).toBeGreaterThan(((capacityRps * cpuMsPerRequest) / 1000) * 3 * 0.8);
    expect(cpu).toBeLessThan((750 * cpuMsPerRequest) / 1000 + idleCores * (elapsedS + 1));
  });

  it('scaled through the admin endpoint, it keeps up once the new replicas are ready', async () => {
    let r = await setReplicas('{"service":"front-end","replicas":4}');
    expect(r.status).toBe(200);
    expect(await r.json()).toMatchObject({ 'front-end': 4 });
    r = await setReplicas('{"service":"catalogue","replicas":3,"decision_id":"d-1"}');
    expect(r.status).toBe(200);
    const until = Date.now() + 15_000;
    const available = async () => samples(await metrics(), 'kube_deployment_status_replicas_available').find((x) => x.labels.deployment === 'front-end')?.value;
    while ((await available()) !== 4 && Date.now() < until) await sleep(200);
    expect(await available()).toBe(4);
    await sleep(1500); // the backlog left by the overload drains at 600 rps
    const s = await loadtest(250, '3s');
    expect(s.latency.p95Ms).toBeLessThan(p95Overloaded / 5);
  });

  it('sockml’s http actuator scales it', async () => {
    const decision: ScalingDecision = {
      decisionId: 'd-2', snapshotId: 's-2', service: 'carts', timestamp: new Date(0).toISOString(), decision: 'SCALE_UP', strategy: 'majority',
      scaleUpVotes: 3, noActionVotes: 0, totalVotes: 3, confidence: 0.9, score: 1, degraded: false, targetReplicas: 2,
    };
    expect(await new HttpActuator(`${url}/admin/replicas`).apply(decision)).toEqual({ applied: true, detail: 'carts → 2 replicas' });
    expect(await replicas()).toMatchObject({ carts: 2 });
  });

  it.each([
    { name: 'a negative count', body: '{"service":"carts","replicas":-1}' },
    { name: 'a huge count', body: '{"service":"carts","replicas":51}' },
    { name: 'a non-numeric count', body: '{"service":"carts","replicas":"three"}' },
    { name: 'a fractional count', body: '{"service":"carts","replicas":2.5}' },
    { name: 'an unknown service', body: '{"service":"basket","replicas":2}' },
    { name: 'a body that is not JSON', body: 'service=carts&replicas=2' },
  ])('answers 400 with a JSON error to $name, and changes nothing', async ({ body }) => {
    const before = await replicas();
    const r = await setReplicas(body);
    expect(r.status).toBe(400);
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    expect((await r.json()).error).toEqual(expect.any(String));
    expect(await replicas()).toEqual(before);
  });

  it('answers 404 for a path the front-end does not serve', async () => {
    expect((await fetch(`${url}/nope`)).status).toBe(404);
  });

  it('stops on SIGTERM with exit code 0', async () => {
    sim.child.kill('SIGTERM');
    const r = await sim.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/stopped \(SIGTERM\)/);
  });
});

describe('sockml sim: bad flags', () => {
  it.each([
    { args: ['--services', 'front-end,basket'], error: /unknown service 'basket'/ },
    { args: ['--time-scale', '0'], error: /--time-scale must be a positive number/ },
  ])('$args → exit 2', async ({ args, error }) => {
    const r = await startSockml(['sim', '--port', '0', ...args]).done;
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(error);
  });
});
