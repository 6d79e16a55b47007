import client from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { allHealthy, newMetricsRegistry, startOpsServer, type OpsServer } from './ops-server.js';

let server: OpsServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('startOpsServer', () => {
  it('serves the registry with default process metrics on /metrics, and the health check on /healthz', async () => {
    const registry = newMetricsRegistry();
    new client.Counter({ name: 'sockml_test_total', help: 't', registers: [registry] }).inc(3);
    let healthy = false;
    server = await startOpsServer({ host: '127.0.0.1', port: 0, registry, health: () => (healthy ? { healthy: true, status: 'ok' } : { healthy: false, status: 'starting' }) });
    const base = `http://127.0.0.1:${server.port}`;
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^sockml_test_total 3$/m);
    expect(metrics).toMatch(/^sockml_process_cpu_seconds_total /m); // prom-client's default metrics, prefixed
    expect(metrics).toMatch(/^sockml_nodejs_eventloop_lag_seconds /m);
    expect(metrics).toMatch(/^sockml_healthy 0$/m);

    let r = await fetch(`${base}/healthz`);
    expect(r.status).toBe(503);
    expect(await r.json()).toEqual({ healthy: false, status: 'starting' });
    healthy = true;
    r = await fetch(`${base}/healthz`);
    expect(r.status).toBe(200);
    expect(await r.json()).toEqual({ healthy: true, status: 'ok' });
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/^sockml_healthy 1$/m);
    expect((await fetch(`${base}/nope`)).status).toBe(404);
  });

  it('close() returns although a scraper keeps its connection alive', async () => {
    server = await startOpsServer({ host: '127.0.0.1', port: 0, registry: new client.Registry(), health: () => ({ healthy: true, status: 'ok' }) });
    await fetch(`http://127.0.0.1:${server.port}/metrics`, { keepalive: true });
    const closed = await Promise.race([server.close().then(() => 'closed'), new Promise((r) => setTimeout(() => r('hung'), 3000))]);
    expect(closed).toBe('closed');
    server = undefined;
  });
});

describe('allHealthy', () => {
  it('is healthy only when every check is, and names the first failing one', () => {
    const ok = () => ({ healthy: true, status: 'ok' });
    const bad = () => ({ healthy: false, status: 'no fetch for 61.0 s' });
    expect(allHealthy({ a: ok, b: ok })(0)).toMatchObject({ healthy: true, status: 'ok' });
    expect(allHealthy({ a: ok, consumer: bad })(0)).toMatchObject({ healthy: false, status: 'consumer: no fetch for 61.0 s' });
  });
});
