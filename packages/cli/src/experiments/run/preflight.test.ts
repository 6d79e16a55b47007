import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { scrapesTooSparse, waitForPrometheusScrape } from './preflight.js';

/** A stand-in for Prometheus's /api/v1/targets: only the answer's shape matters to the check. */
async function targetsServer(activeTargets: unknown[]): Promise<Server> {
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'success', data: { activeTargets } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** A port nothing listens on: one a server had, closed again. */
async function closedPort(): Promise<number> {
  const s = await targetsServer([]);
  const { port } = s.address() as AddressInfo;
  await new Promise((r) => s.close(r));
  return port;
}

describe('waitForPrometheusScrape: the message says what to fix', () => {
  let server: Server | undefined;
  afterEach(() => new Promise<void>((r) => (server ? server.close(() => r()) : r())));

  it('Prometheus not running: start it (not "add a scrape job")', async () => {
    const port = await closedPort();
    const err = await waitForPrometheusScrape(`http://127.0.0.1:${port}`, 18089, -1).catch((e) => e as Error);
    expect(err.message).toMatch(/did not answer \(ECONNREFUSED\): start it/);
    expect(err.message).not.toMatch(/scrape job/);
  });

  it('Prometheus running without a job on the port: add one', async () => {
    server = await targetsServer([{ labels: { job: 'node', instance: '127.0.0.1:9100' }, health: 'up', scrapeInterval: '15s' }]);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const err = await waitForPrometheusScrape(url, 18089, -1).catch((e) => e as Error);
    expect(err.message).toMatch(/does not scrape the emulator on 127\.0\.0\.1:18089 \(no scrape job has an instance on port 18089\)\. Add a scrape job/);
  });

  it('the job on the port is up: its scrape interval', async () => {
    server = await targetsServer([{ labels: { job: 'sim', instance: '127.0.0.1:18089' }, health: 'up', scrapeInterval: '2s' }]);
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    await expect(waitForPrometheusScrape(url, 18089, 1000)).resolves.toMatchObject({ job: 'sim', up: true, scrapeIntervalMs: 2000 });
  });
});

describe('scrapesTooSparse: two scrapes in the rate window, and fresh ones every poll', () => {
  const FLAGS = '--interval 30s, --rate-window 30s, --time-scale 5';
  it.each([
    { scrape: 1000, poll: 6000, window: 6000, span: null }, // 30 s polls and window at --time-scale 5: six scrapes
    { scrape: 3000, poll: 6000, window: 6000, span: null }, // exactly two
    { scrape: 4000, poll: 6000, window: 6000, span: "collect's rate window is 6 s" },
    { scrape: 2000, poll: 6000, window: 3000, span: "collect's rate window is 3 s" }, // a window of half a poll
    { scrape: 5000, poll: 6000, window: 12000, span: 'a poll is 6 s' }, // a wide window, but polls would repeat
    { scrape: 6000, poll: 12000, window: 12000, span: null },
    { scrape: null, poll: 1000, window: 1000, span: null }, // Prometheus did not say: nothing to check
  ])('every $scrape ms, polls $poll ms, window $window ms: $span', ({ scrape, poll, window, span }) => {
    const why = scrapesTooSparse(scrape, { pollMs: poll, windowMs: window }, FLAGS);
    if (span === null) expect(why).toBeUndefined();
    else expect(why).toBe(`Prometheus scrapes the emulator every ${scrape! / 1000} s, but ${span} of wall time (${FLAGS}), too short for two scrapes: set scrape_interval to ${Math.max(1, Math.floor(Math.min(poll, window) / 2000))}s or less, or lower --time-scale`);
  });
});
