/**
 * `sockml collect` reads the emulator as it reads Sock Shop: a real Prometheus (the Debian package)
 * scrapes `sockml sim` while `sockml loadtest` drives it, and collect writes one row per emulated service
 * per poll, with the measured values where load reached the service.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_SERVICE_SPECS } from '@sockml/core';
import { prometheusAvailable, startPrometheus, type PrometheusServer } from '../testing/prometheus.js';
import { startSockml, type SockmlProcess } from '../testing/sockml-process.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const SERVICES = ['carts', 'catalogue', 'front-end', 'orders', 'payment', 'shipping', 'user'];

describe.skipIf(!prometheusAvailable() && !process.env.CI)('sockml collect against Prometheus scraping sockml sim', () => {
  let sim: SockmlProcess;
  let load: SockmlProcess;
  let prom: PrometheusServer;

  beforeAll(async () => {
    sim = startSockml(['sim', '--port', '0'], { timeoutMs: 110_000 });
    await sim.waitForStderr(/emulator on http:\/\/127\.0\.0\.1:\d+/);
    const url = /emulator on (http:\/\/(127\.0\.0\.1:\d+))/.exec(sim.stderr())!;
    prom = await startPrometheus({ target: url[2], jobs: [{ job: 'sockshop', metricsPath: '/metrics' }] });
    load = startSockml(['loadtest', '--engine', 'builtin', '--target', url[1], '--pattern', 'constant', '--duration', '40s', '--peak-rps', '40']);
    await prom.waitFor('up{job="sockshop"} == 1');
    await sleep(6000); // history for a 5 s rate window
  });

  afterAll(async () => {
    load?.child.kill('SIGINT');
    await load?.done;
    sim?.child.kill('SIGTERM');
    await sim?.done;
    await prom?.stop();
  });

  it('writes a row per service per poll: request rate, latency, CPU, memory', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sockml-sim-collect-')), 'metrics.csv');
    const r = await startSockml(['collect', '--prometheus', prom.url, '--interval', '2s', '--rate-window', '5s', '--duration', '6s', '--out', out, '--json']).done;
    expect(r.code, r.stderr).toBe(0);
    const summary = JSON.parse(r.stdout);
    expect(summary).toMatchObject({ polls: 3, completedPolls: 3, rows: 21, services: SERVICES });
    const rows = parseCsvSync(readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
    for (const service of SERVICES) expect(rows.filter((x) => x.service === service), service).toHaveLength(3);
    const fe = rows.filter((x) => x.service === 'front-end');
    for (const row of fe) {
      expect(Number(row.request_rate_rps)).toBeGreaterThan(25); // 40 rps, seen through a 5 s rate window
      expect(Number(row.request_rate_rps)).toBeLessThan(55);
      expect(Number(row.error_rate_pct)).toBe(0);
      expect(Number(row.p95_latency_ms)).toBeGreaterThan(0);
      expect(Number(row.cpu_usage_pct)).toBeGreaterThan(5); // 40 rps × 2.06 core-ms + 0.021 cores idle ≈ 10 %
      // The one replica's memory, plus a little for requests queued at the scrape (Poisson arrivals queue now and then).
      const replicaMb = DEFAULT_SERVICE_SPECS['front-end'].memoryMbPerReplica;
      expect(Number(row.memory_usage_mb)).toBeGreaterThanOrEqual(replicaMb);
      expect(Number(row.memory_usage_mb)).toBeLessThan(replicaMb + 1);
    }
    for (const row of rows.filter((x) => x.service === 'catalogue')) expect(Number(row.request_rate_rps)).toBeGreaterThan(10);
  });
});
