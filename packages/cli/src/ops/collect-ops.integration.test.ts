/**
 * collect's /metrics, /healthz and JSON logs, on the real process polling a real Prometheus (the Debian
 * package) that scrapes Sock Shop-shaped metrics served from this test; and against a Prometheus that
 * is not there (every poll missing: counted, logged, and still healthy — the loop is doing its job).
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseExposition, sampleSum } from '@sockml/core';
import { freePort } from '../testing/ports.js';
import { prometheusAvailable, startPrometheus, type PrometheusServer } from '../testing/prometheus.js';
import { startSockml } from '../testing/sockml-process.js';
import { startSockShopMetricsTarget, type SockShopMetricsTarget } from '../testing/sockshop-metrics-target.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A sample's value from Prometheus text exposition, summed over the series whose labels include `labels`. */
const sample = (text: string, name: string, labels: Record<string, string> = {}) => sampleSum(parseExposition(text), name, labels);

/** Scrapes `url` until `ok(text)` holds; returns the last scrape and /healthz's status at that moment. */
async function scrapeUntil(port: number, ok: (text: string) => boolean, timeoutMs = 30_000) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
    if (ok(text)) {
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      return { text, health: health.status, body: await health.json() };
    }
    if (Date.now() > until) throw new Error(`collect's /metrics did not get there within ${timeoutMs} ms:\n${text}`);
    await sleep(200);
  }
}

const jsonLines = (text: string) =>
  text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => {
      try {
        return JSON.parse(l);
      } catch {
        throw new Error(`not a JSON log line: ${l}`);
      }
    });

describe.skipIf(!prometheusAvailable() && !process.env.CI)('collect: /metrics, /healthz and JSON logs', () => {
  let target: SockShopMetricsTarget;
  let prom: PrometheusServer;

  beforeAll(async () => {
    target = await startSockShopMetricsTarget([
      { job: 'cart', load: { rps: 20, latencyMs: 45 } },
      { job: 'user', load: { rps: 10, latencyMs: 8 } },
    ]);
    prom = await startPrometheus({ target: target.address, jobs: target.jobs });
    await prom.waitFor('count(up == 1) == 2');
    await sleep(3000);
  });

  afterAll(async () => {
    await prom?.stop();
    await target?.stop();
  });

  it('counts completed polls, times them, and logs one JSON record per poll on stderr (stdout keeps the --json result)', async () => {
    const port = await freePort();
    const out = join(mkdtempSync(join(tmpdir(), 'sockml-collect-ops-')), 'm.csv');
    const run = startSockml(['collect', '--prometheus', prom.url, '--interval', '1s', '--rate-window', '5s', '--duration', '6s', '--out', out, '--port', String(port), '--log-format', 'json', '--log-level', 'debug', '--json']);
    const { text, health, body } = await scrapeUntil(port, (t) => (sample(t, 'sockml_collect_polls_total', { outcome: 'completed' }) ?? 0) >= 2);
    expect(health).toBe(200);
    expect(body).toMatchObject({ healthy: true, status: 'ok', checks: { polls: { healthy: true } } });
    expect(sample(text, 'sockml_collect_polls_total', { outcome: 'missing' })).toBe(0);
    expect(sample(text, 'sockml_collect_poll_seconds_count')).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'sockml_collect_services')).toBe(2);
    expect(Date.now() / 1000 - sample(text, 'sockml_collect_last_poll_timestamp_seconds')!).toBeLessThan(10);
    expect(sample(text, 'sockml_process_cpu_seconds_total')).toBeGreaterThan(0);

    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout); // stdout is the --json result alone
    const records = jsonLines(r.stderr);
    for (const rec of records) expect(rec).toMatchObject({ time: expect.any(String), level: expect.stringMatching(/^(debug|info|warn|error)$/), command: 'collect' });
    expect(records.filter((x) => x.msg === 'poll completed')).toHaveLength(summary.completedPolls);
  });

  it('polls with Prometheus gone are missing: counted, logged as warnings, and /healthz stays 200', async () => {
    const port = await freePort();
    const dead = `http://127.0.0.1:${await freePort()}`;
    const out = join(mkdtempSync(join(tmpdir(), 'sockml-collect-ops-')), 'm.csv');
    const run = startSockml(['collect', '--prometheus', dead, '--interval', '1s', '--duration', '4s', '--out', out, '--port', String(port), '--log-format', 'json']);
    const { text, health } = await scrapeUntil(port, (t) => (sample(t, 'sockml_collect_polls_total', { outcome: 'missing' }) ?? 0) >= 2);
    expect(health).toBe(200);
    expect(sample(text, 'sockml_collect_polls_total', { outcome: 'completed' })).toBe(0);
    expect(sample(text, 'sockml_collect_query_retries_total')).toBeGreaterThan(0);
    const r = await run.done;
    expect(r.code).toBe(4); // Prometheus never answered
    const records = jsonLines(r.stderr);
    expect(records.at(-1)).toMatchObject({ level: 'error', msg: expect.stringMatching(/never answered/) });
    const missing = records.filter((x) => x.msg === 'poll missing');
    expect(missing.length).toBeGreaterThanOrEqual(2);
    expect(missing[0]).toMatchObject({ level: 'warn', reason: expect.stringMatching(/ECONNREFUSED/) });
  });

  it('--config: each service is labelled against its own slo, the others against defaults.slo; a bad field is exit 2', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockml-collect-config-'));
    const config = join(dir, 'sockml.yaml');
    // carts answers in ~45 ms, user in ~8 ms: with carts' own 20 ms SLO carts violates, user (100 ms) does not.
    writeFileSync(config, 'defaults:\n  slo: 100\nservices:\n  carts:\n    slo: 20\n');
    const out = join(dir, 'm.csv');
    const r = await startSockml(['collect', '--prometheus', prom.url, '--interval', '1s', '--rate-window', '5s', '--duration', '5s', '--lookahead', '1', '--out', out, '--config', config, '--json']).done;
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).labels).toMatchObject({ sloMs: 100, sloMsByService: { carts: 20 } });
    const rows = readFileSync(out, 'utf8').trim().split('\n').slice(1).map((l) => l.split(','));
    const labels = (service: string) => [...new Set(rows.filter((c) => c[1] === service && c[12] !== '').map((c) => c[12]))];
    expect(labels('carts')).toEqual(['1']);
    expect(labels('user')).toEqual(['0']);

    writeFileSync(config, 'services:\n  carts:\n    slo: fast\n');
    const bad = await startSockml(['collect', '--prometheus', prom.url, '--duration', '1s', '--out', out, '--config', config]).done;
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/sockml\.yaml: services\.carts\.slo: must be a number, got 'fast'/);
  });
});
