/**
 * `sockml collect` against a real Prometheus (the Debian package) scraping Sock Shop-shaped metrics
 * served from this process. Polls every 2 s with a 5 s rate window, so each run takes seconds.
 */
import { createReadStream, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FeatureExtractor, readMetricsCsv, seedV1 } from '@sockml/core';
import kafkajs from 'kafkajs';
import { startKafkaBroker } from '../testing/kafka-broker.js';
import { freePort } from '../testing/ports.js';
import { prometheusAvailable, startPrometheus, type PrometheusServer } from '../testing/prometheus.js';
import { startSockml } from '../testing/sockml-process.js';
import { startSockShopMetricsTarget, type SockShopMetricsTarget } from '../testing/sockshop-metrics-target.js';
import { sockml } from '../test-support.js';

const scratch = () => mkdtempSync(join(tmpdir(), 'sockml-collect-'));
const readRows = (file: string) => parseCsvSync(readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
const num = (s: string) => (s === '' ? null : Number(s));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SLO = 100;
const FAST = ['--interval', '2s', '--rate-window', '5s', '--slo', String(SLO), '--lookahead', '2', '--json'];
const SERVICES = ['carts', 'catalogue', 'front-end', 'orders', 'user'];

/**
 * The future-only label of every row, from the file's own p95 column and the poll grid: label(t) = 1
 * if p95 > SLO in any of slots t+1..t+k of the service, else 0; unknown ('') when the window passes
 * the end of the run (as the Labeler does), or when one of its slots has no row (a missing poll) and
 * none of the others violates.
 */
function expectedLabels(rows: Record<string, string>[], k: number, polls: number, intervalMs = 2000): string[] {
  const t0 = Math.min(...rows.map((r) => Date.parse(r.timestamp)));
  const p95 = new Map(rows.map((r) => [`${r.service}@${Date.parse(r.timestamp)}`, num(r.p95_latency_ms)]));
  return rows.map((r) => {
    if ((Date.parse(r.timestamp) + k * intervalMs - t0) / intervalMs >= polls) return '';
    let unknown = false;
    for (let j = 1; j <= k; j++) {
      const t = Date.parse(r.timestamp) + j * intervalMs;
      const key = `${r.service}@${t}`;
      if ((t - t0) / intervalMs >= polls || !p95.has(key)) unknown = true;
      else if ((p95.get(key) ?? 0) > SLO) return '1';
    }
    return unknown ? '' : '0';
  });
}

// Without the binary the tests are skipped on a workstation, and fail (saying how to install it) under CI.
describe.skipIf(!prometheusAvailable() && !process.env.CI)('sockml collect against a real Prometheus', () => {
  let target: SockShopMetricsTarget;
  let prom: PrometheusServer;

  beforeAll(async () => {
    target = await startSockShopMetricsTarget([
      { job: 'cart', load: { rps: 20, latencyMs: 45, cpuCores: 0.25, memoryMb: 100 } }, // job alias → carts; p95 inside (25, 50] ms
      { job: 'catalogue', load: { rps: 0 } }, // idle
      { job: 'frontend', load: { rps: 10, latencyMs: 300 } }, // job alias → front-end; always violating
      { job: 'sockshop', serviceLabel: 'orders', load: { rps: 10, latencyMs: 20, errorPct: 20 } }, // by service label
      { job: 'user', load: { rps: 10, latencyMs: 8 } },
    ]);
    prom = await startPrometheus({ target: target.address, jobs: target.jobs });
    // Enough history for a 5 s rate window on every job.
    await prom.waitFor('count(up == 1) == 5');
    await sleep(6000);
  });

  afterAll(async () => {
    await prom?.stop();
    await target?.stop();
  });

  it('--kafka publishes the feature vectors replay would compute from the same polls', async () => {
    const broker = await startKafkaBroker();
    try {
      await broker.createTopics(['metrics'], 3);
      const out = join(scratch(), 'metrics.csv');
      const r = await startSockml(['collect', '--prometheus', prom.url, '--duration', '8s', '--out', out, '--kafka', broker.brokers.join(','), ...FAST]).done;
      expect(r.code, r.stderr).toBe(0);
      const summary = JSON.parse(r.stdout);
      expect(summary.published).toBe(summary.rows);
      expect(summary.featureSet).toBe('seed-v1');

      const consumer = new kafkajs.Kafka({ brokers: broker.brokers, logLevel: kafkajs.logLevel.NOTHING }).consumer({ groupId: 'collect-check' });
      await consumer.connect();
      await consumer.subscribe({ topic: 'metrics', fromBeginning: true });
      const published = new Map<string, number[]>();
      await consumer.run({ eachMessage: async ({ message }) => {
        const m = JSON.parse(String(message.value));
        published.set(`${m.service}|${m.timestamp}`, seedV1.names.map((n) => m.features[n]));
      } });
      const until = Date.now() + 30_000;
      while (published.size < summary.rows && Date.now() < until) await sleep(200);
      await consumer.disconnect();

      // Offline: the collected CSV through the FeatureExtractor, as `sockml replay` reads it.
      const x = new FeatureExtractor(seedV1, 'offline', { pollIntervalMs: 2000 }); // collect's --interval, as the live extractor
      let n = 0;
      for await (const batch of readMetricsCsv(createReadStream(out), out)) {
        for (const s of batch) {
          expect(published.get(`${s.service}|${s.timestamp}`), `${s.service} ${s.timestamp}`).toEqual(Array.from(x.extract(s).values as Float32Array));
          n++;
        }
      }
      expect(n).toBe(summary.rows);
    } finally {
      await broker.stop();
    }
  });

  it('writes one row per service per poll with measured values, future-only labels and deltas; replay reads it', async () => {
    const out = join(scratch(), 'metrics.csv');
    const run = startSockml(['collect', '--prometheus', prom.url, '--duration', '12s', '--out', out, ...FAST]);
    // user starts violating mid-run: its rows before the onset must be labelled 1 while their own p95 is fine.
    const onset = setTimeout(() => target.setLoad('user', { latencyMs: 400 }), 6500);
    const r = await run.done;
    clearTimeout(onset);
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ polls: 6, completedPolls: 6, missingPolls: 0, rows: 30, services: SERVICES, stoppedBy: 'schedule' });

    const rows = readRows(out);
    expect(rows).toHaveLength(30);
    const times = [...new Set(rows.map((x) => Date.parse(x.timestamp)))].sort();
    expect(times).toHaveLength(6);
    times.forEach((t, i) => {
      expect(t % 2000).toBe(0); // aligned to the interval
      if (i > 0) expect(t - times[i - 1]).toBe(2000); // no drift, no bunching
    });

    const first = (svc: string) => rows.find((x) => x.service === svc)!;
    const carts = first('carts');
    expect(num(carts.p95_latency_ms)).toBeGreaterThan(40); // histogram_quantile interpolates inside (25, 50]
    expect(num(carts.p95_latency_ms)).toBeLessThanOrEqual(50);
    expect(num(carts.request_rate_rps)).toBeGreaterThan(15);
    expect(num(carts.request_rate_rps)).toBeLessThan(25);
    expect(num(carts.error_rate_pct)).toBe(0);
    expect(num(carts.cpu_usage_pct)).toBeGreaterThan(18); // 0.25 cores
    expect(num(carts.cpu_usage_pct)).toBeLessThan(32);
    expect(num(carts.memory_usage_mb)).toBe(100);

    for (const idle of rows.filter((x) => x.service === 'catalogue')) {
      expect(idle).toMatchObject({ request_rate_rps: '0', error_rate_pct: '0', p50_latency_ms: '', p95_latency_ms: '', p99_latency_ms: '' });
      expect(num(idle.cpu_usage_pct)).toBeGreaterThan(0);
    }
    expect(num(first('orders').error_rate_pct)).toBeGreaterThan(5); // 20 % of requests answer 500
    expect(num(first('orders').error_rate_pct)).toBeLessThan(40);
    expect(rows.filter((x) => x.service === 'front-end').every((x) => num(x.p95_latency_ms)! > SLO)).toBe(true);

    // Future-only labels: recomputed from the file's own p95 column; at least one user row flagged before its onset.
    expect(rows.map((x) => x.sla_violated)).toEqual(expectedLabels(rows, 2, 6));
    const user = rows.filter((x) => x.service === 'user');
    expect(user.some((x) => x.sla_violated === '1' && num(x.p95_latency_ms)! <= SLO)).toBe(true);
    expect(rows.filter((x) => x.sla_violated === '').length).toBe(10); // the last 2 polls of 5 services

    // Deltas against the previous poll of the same service.
    for (const svc of SERVICES) {
      const series = rows.filter((x) => x.service === svc).sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
      expect(series[0].delta_rps).toBe('');
      for (let i = 1; i < series.length; i++) {
        expect(num(series[i].delta_rps)).toBeCloseTo(num(series[i].request_rate_rps)! - num(series[i - 1].request_rate_rps)!, 6);
      }
    }
    expect(existsSync(`${out}.pending`)).toBe(false);

    const replay = await sockml(['replay', out, '--slo', String(SLO), '--allow-label-mismatch', '--json']);
    expect(replay.code, replay.stderr).toBe(0);
    expect(JSON.parse(replay.stdout)).toMatchObject({ rows: 30, labelled: 20, unlabelled: 10 });
  });

  it('SIGINT mid-run: stops cleanly and the file holds every completed poll', async () => {
    const out = join(scratch(), 'metrics.csv');
    const run = startSockml(['collect', '--prometheus', prom.url, '--duration', '60s', '--out', out, '--progress', ...FAST]);
    await run.waitForStderr(/poll 4\/30 at [\d:]+: 5 services/);
    // Crash safety before the stop: labelled rows in the file, the rest in the journal, every completed poll.
    const written = readRows(out).length + readRows(`${out}.pending`).length;
    expect(written).toBeGreaterThanOrEqual(20);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.stoppedBy).toBe('signal');
    expect(summary.completedPolls).toBeGreaterThanOrEqual(4);
    const rows = readRows(out);
    expect(rows).toHaveLength(summary.completedPolls * 5);
    expect(new Set(rows.map((x) => x.timestamp)).size).toBe(summary.completedPolls);
    expect(rows.map((x) => x.sla_violated)).toEqual(expectedLabels(rows, 2, summary.polls));
    expect(existsSync(`${out}.pending`)).toBe(false);
  });

  it('Prometheus unreachable: exits 4 after retrying, with no rows', async () => {
    const out = join(scratch(), 'metrics.csv');
    const port = await freePort(); // nothing listens there
    const r = await startSockml(['collect', '--prometheus', `http://127.0.0.1:${port}`, '--interval', '1s', '--duration', '3s', '--out', out, '--json']).done;
    expect(r.code).toBe(4);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/never answered: 3 missing polls, last error: .*ECONNREFUSED/);
    expect(JSON.parse(r.stdout)).toMatchObject({ polls: 3, completedPolls: 0, missingPolls: 3, rows: 0 });
    expect(JSON.parse(r.stdout).retries).toBeGreaterThan(0);
    expect(existsSync(out)).toBe(false); // no poll completed: nothing created (an earlier file would stay as it was)
  });

  it('the later metric generation and cAdvisor CPU: queries Prometheus accepts; absent series are empty cells, never 0', async () => {
    const out = join(scratch(), 'metrics.csv');
    const r = await startSockml(['collect', '--prometheus', prom.url, '--duration', '2s', '--out', out, '--metric', 'http_request_duration_seconds', '--cpu-source', 'cadvisor', ...FAST]).done;
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    // This target exports neither http_request_duration_seconds nor cAdvisor series: only memory is there.
    expect(summary).toMatchObject({ completedPolls: 1, rows: 5, missingSeries: { request_rate_rps: 5, cpu_usage_pct: 5, p95_latency_ms: 5 } });
    for (const row of readRows(out)) {
      expect(row).toMatchObject({ request_rate_rps: '', error_rate_pct: '', p95_latency_ms: '', cpu_usage_pct: '' });
      expect(num(row.memory_usage_mb)).toBeGreaterThan(0);
    }
  });

  // Last: it stops the shared Prometheus.
  it('Prometheus stops mid-run: the missing polls get no rows, the run ends cleanly', async () => {
    const out = join(scratch(), 'metrics.csv');
    const run = startSockml(['collect', '--prometheus', prom.url, '--duration', '12s', '--out', out, '--progress', ...FAST]);
    await run.waitForStderr(/poll 2\/6 at [\d:]+: 5 services/);
    await prom.stop();
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary.polls).toBe(6);
    expect(summary.completedPolls).toBeGreaterThanOrEqual(2);
    expect(summary.missingPolls).toBe(6 - summary.completedPolls);
    expect(summary.missingPolls).toBeGreaterThanOrEqual(3);
    expect(summary.retries).toBeGreaterThan(0);
    const rows = readRows(out);
    expect(rows).toHaveLength(summary.completedPolls * 5);
    expect(new Set(rows.map((x) => x.timestamp)).size).toBe(summary.completedPolls);
    // Rows whose lookahead reaches into the missing polls are unknown (''), not 0; front-end's violations are still known.
    expect(rows.map((x) => x.sla_violated)).toEqual(expectedLabels(rows, 2, summary.polls));
    const last = rows.filter((x) => x.timestamp === summary.lastPoll);
    expect(last.map((x) => x.sla_violated)).toEqual(last.map(() => ''));
    expect(summary.labels.gapUnlabelled).toBeGreaterThan(0);
  });
});
