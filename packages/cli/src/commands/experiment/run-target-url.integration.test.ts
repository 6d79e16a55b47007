/**
 * `sockml experiment run --target URL`: the experiment treats its target as a real Sock Shop it can only
 * reach over the network — load to the front-end URL, snapshots from a real Prometheus, replicas through
 * an actuator. Here the "cluster" is `sockml sim` in its own process, scraped by the Debian Prometheus
 * (the emulator exports kube-state-metrics' replica and CPU-request series as a cluster would); nothing
 * of the run reads the emulator's /metrics or calls its code.
 *
 * What must hold: the built-in HPA scales the front-end up under the step's overload through the http
 * actuator and Prometheus sees the extra replicas; the static run that follows starts again from one
 * replica (the reset went through the actuator) and stays there; with --reactive cluster, sockml does not
 * scale at all and records the replica changes someone else (here: the test, as the cluster's HPA) made.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseSnapshotJsonl } from '@sockml/core';
import { startKafkaBroker, type KafkaBroker } from '../../testing/kafka-broker.js';
import { jsonLines } from '../../testing/pipeline.js';
import { prometheusAvailable, startPrometheus, type PrometheusServer } from '../../testing/prometheus.js';
import { startSockml, type SockmlProcess } from '../../testing/sockml-process.js';

describe.skipIf(!prometheusAvailable() && !process.env.CI)('sockml experiment run --target URL (Prometheus, integration)', () => {
  let sim: SockmlProcess;
  let prom: PrometheusServer;
  let kafka: KafkaBroker;
  let url: string;
  let actuatorUrl: string;

  beforeAll(async () => {
    sim = startSockml(['sim', '--port', '0', '--time-scale', '3'], { timeoutMs: 290_000 });
    await sim.waitForStderr(/emulator on http:\/\/127\.0\.0\.1:\d+/);
    const m = /emulator on (http:\/\/(127\.0\.0\.1:\d+))/.exec(sim.stderr())!;
    url = m[1];
    actuatorUrl = `${url}/admin/replicas`;
    [prom, kafka] = await Promise.all([startPrometheus({ target: m[2], jobs: [{ job: 'sockshop', metricsPath: '/metrics' }] }), startKafkaBroker()]);
    await prom.waitFor('up{job="sockshop"} == 1');
  }, 120_000);

  afterAll(async () => {
    sim?.child.kill('SIGTERM');
    await sim?.done;
    await Promise.all([prom?.stop(), kafka?.stop()]);
  });

  const runArgs = (out: string, ...more: string[]) => [
    'experiment', 'run', '--target', url, '--prometheus', prom.url, '--actuator', 'http', '--actuator-url', actuatorUrl,
    '--pattern', 'step', '--interval', '15s', '--time-scale', '3', '--peak-rps', '200', '--settle', '3s', '--out', out, '--json', ...more,
  ];

  it('reactive scales the front-end through the actuator, and the static run after it starts from one replica again', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sockml-exprun-url-'));
    const r = await startSockml(runArgs(out, '--condition', 'reactive,static', '--duration', '2m'), { timeoutMs: 200_000 }).done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/observed through Prometheus at http:\/\/127\.0\.0\.1:\d+, scaled by the http actuator/);
    const result = JSON.parse(r.stdout);
    expect(result.target).toBe(`${url}/`);
    expect(result.order).toEqual([{ condition: 'reactive', runId: 1 }, { condition: 'static', runId: 1 }]);
    expect(result.unansweredIntervals).toBe(0);

    const read = (f: string) => parseSnapshotJsonl(readFileSync(join(out, f), 'utf8'), f);
    const reactive = read('reactive_step_run01.jsonl');
    expect(reactive).toHaveLength(8);
    expect(reactive.every((s) => Object.keys(s.services).length === 7)).toBe(true);
    // Prometheus's view of the replicas (kube-state-metrics' series): the front-end grew beyond one.
    expect(Math.max(...reactive.map((s) => s.services['front-end'].replicas ?? 0))).toBeGreaterThan(1);
    expect(result.runs[0].scalingActions.some((a: { service: string; from: number; to: number }) => a.service === 'front-end' && a.to > a.from)).toBe(true);
    // The front-end carried the load: a p95 in (almost) every interval, and CPU utilisation from the request series.
    expect(reactive.filter((s) => s.services['front-end'].p95Ms !== null).length).toBeGreaterThanOrEqual(7);
    expect(reactive.some((s) => (s.services['front-end'].cpuPct ?? 0) > 70)).toBe(true);

    const stat = read('static_step_run01.jsonl');
    expect(stat).toHaveLength(8);
    expect(stat.map((s) => s.services['front-end'].replicas)).toEqual(Array(8).fill(1));
    expect(result.runs[1].scalingActions).toEqual([]);
    expect(stat.some((s) => s.services['front-end'].sloViolated === true)).toBe(true);
  }, 240_000);

  it("proactive: sockml's pipeline scales the target through the same actuator flags", async () => {
    const out = mkdtempSync(join(tmpdir(), 'sockml-exprun-url-proactive-'));
    const r = await startSockml(runArgs(out, '--condition', 'proactive', '--duration', '2m', '--kafka', kafka.brokers.join(',')), { timeoutMs: 200_000 }).done;
    expect(r.code, r.stderr + r.stdout).toBe(0);
    const result = JSON.parse(r.stdout);
    const dir = join(out, 'proactive_step_run01.d');
    // The scaler was given the run's actuator and collect the run's metric and CPU source.
    expect(readFileSync(join(dir, 'scale.log'), 'utf8')).toMatch(/actuator http/);
    const live = jsonLines(join(dir, 'decisions.ndjson'));
    const ups = live.filter((d) => d.decision === 'SCALE_UP');
    expect(ups.some((d) => d.service === 'front-end')).toBe(true);
    expect(result.runs[0].scalingActions.filter((a: { from: number; to: number }) => a.to > a.from)).toHaveLength(ups.length);
    // Prometheus saw the front-end's extra replicas: the decisions reached the target through the actuator.
    const snapshots = parseSnapshotJsonl(readFileSync(join(out, 'proactive_step_run01.jsonl'), 'utf8'), 'proactive_step_run01.jsonl');
    expect(snapshots[0].services['front-end'].replicas).toBe(1);
    expect(Math.max(...snapshots.map((s) => s.services['front-end'].replicas ?? 0))).toBeGreaterThan(1);
  }, 240_000);

  it('--reactive cluster leaves scaling to the cluster and records what its HPA did', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sockml-exprun-url-cluster-'));
    const run = startSockml(runArgs(out, '--condition', 'reactive', '--reactive', 'cluster', '--duration', '1m'), { timeoutMs: 150_000 });
    // The "cluster's HPA": once the load runs, it scales carts to 3 (sockml's own controller would not touch carts).
    await run.waitForStderr(/interval 0:/, 120_000);
    const post = await fetch(actuatorUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ service: 'carts', replicas: 3 }) });
    expect(post.status).toBe(200);
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.runs[0].scalingActions.map((a: { service: string; from: number; to: number }) => [a.service, a.from, a.to])).toEqual([['carts', 1, 3]]);
    const snapshots = parseSnapshotJsonl(readFileSync(join(out, 'reactive_step_run01.jsonl'), 'utf8'), 'reactive_step_run01.jsonl');
    expect(snapshots).toHaveLength(4);
    expect(snapshots.at(-1)!.services.carts.replicas).toBe(3);
    // sockml itself scaled nothing: the front-end stayed at the one replica of the reset despite the overload.
    expect(snapshots.map((s) => s.services['front-end'].replicas)).toEqual([1, 1, 1, 1]);
  }, 180_000);
});
