/**
 * collect against a protected Prometheus. A real Prometheus (the Debian package) serves HTTPS with a
 * certificate made here with openssl and requires basic auth (--web.config.file); Prometheus has no
 * bearer tokens or tenant headers, so those are tested through a local gateway in front of it that
 * demands `Authorization: Bearer …` and `X-Scope-OrgID`, as Cortex/Mimir gateways do.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { prometheusAvailable, startPrometheus, type PrometheusServer } from '../testing/prometheus.js';
import { startSockml } from '../testing/sockml-process.js';
import { startSockShopMetricsTarget, type SockShopMetricsTarget } from '../testing/sockshop-metrics-target.js';

const USER = 'sockml';
const PASSWORD = 'sockml-test-password';
/** bcrypt of PASSWORD (cost 4), as Prometheus's web config wants it; made once with Python's crypt (libxcrypt). */
const PASSWORD_BCRYPT = '$2b$04$Yp5xda/xeb.i/BvlGgpMvOsWbKLC3YdH5wVu1eqR0eJoLHAApTjCC';
const TOKEN = 'gateway-token-1';
const TENANT = 'tenant-a';
const FAST = ['--interval', '1s', '--rate-window', '5s', '--json'];

describe.skipIf(!prometheusAvailable() && !process.env.CI)('collect: Prometheus behind TLS, basic auth, a bearer token and a tenant header', () => {
  let dir: string;
  let target: SockShopMetricsTarget;
  let prom: PrometheusServer;
  let gateway: Server;
  let gatewayUrl: string;
  const seen: { authorization?: string; tenant?: string }[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'sockml-prom-tls-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '2', '-subj', '/CN=127.0.0.1', '-addext', 'subjectAltName=IP:127.0.0.1'], { stdio: 'pipe' });
    target = await startSockShopMetricsTarget([{ job: 'cart', load: { rps: 20, latencyMs: 45 } }]);
    prom = await startPrometheus({
      target: target.address,
      jobs: target.jobs,
      web: { tls: { certFile: join(dir, 'cert.pem'), keyFile: join(dir, 'key.pem') }, basicAuth: { username: USER, password: PASSWORD, bcryptHash: PASSWORD_BCRYPT } },
    });
    await prom.waitFor('count(up == 1) == 1');
    // The gateway: refuses without the token and the tenant header, else forwards to Prometheus with its basic auth.
    const ca = readFileSync(join(dir, 'cert.pem'), 'utf8');
    gateway = createServer((req, res) => {
      seen.push({ authorization: req.headers.authorization, tenant: req.headers['x-scope-orgid'] as string | undefined });
      if (req.headers.authorization !== `Bearer ${TOKEN}` || req.headers['x-scope-orgid'] !== TENANT) {
        req.resume();
        return res.writeHead(401, { 'content-type': 'text/plain' }).end('no or wrong token / tenant');
      }
      const upstream = httpsRequest(`${prom.url}${req.url}`, { method: req.method, ca, headers: { 'content-type': req.headers['content-type'] ?? '', authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` } }, (up) => {
        res.writeHead(up.statusCode ?? 502, { 'content-type': up.headers['content-type'] ?? 'application/json' });
        up.pipe(res);
      });
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    await new Promise<void>((r) => gateway.listen(0, '127.0.0.1', r));
    gatewayUrl = `http://127.0.0.1:${(gateway.address() as { port: number }).port}`;
  });

  afterAll(async () => {
    gateway?.close();
    await prom?.stop();
    await target?.stop();
  });

  const collect = (args: string[], env: Record<string, string> = {}) =>
    startSockml(['collect', ...args, '--out', join(mkdtempSync(join(dir, 'run-')), 'm.csv'), ...FAST], { timeoutMs: 60_000, env }).done;

  it('HTTPS with --prometheus-ca and basic auth (password from the environment): polls complete', async () => {
    const r = await collect(['--prometheus', prom.url, '--duration', '3s', '--prometheus-ca', join(dir, 'cert.pem'), '--prometheus-username', USER], { SOCKML_PROMETHEUS_PASSWORD: PASSWORD });
    expect(r.code, r.stderr).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.completedPolls).toBeGreaterThanOrEqual(2);
    expect(s.services).toEqual(['carts']);
  });

  it('credentials in the URL work as basic auth and are never printed', async () => {
    const url = prom.url.replace('https://', `https://${USER}:${PASSWORD}@`);
    const r = await collect(['--prometheus', url, '--duration', '2s', '--prometheus-ca', join(dir, 'cert.pem')]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).completedPolls).toBeGreaterThanOrEqual(1);
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it.each([
    { name: 'a wrong password', args: ['--prometheus-username', USER, '--prometheus-password', 'wrong', '--prometheus-ca', '<ca>'], reason: /HTTP 401/ },
    { name: 'no CA for the self-signed certificate', args: ['--prometheus-username', USER, '--prometheus-password', PASSWORD], reason: /SELF_SIGNED|self.signed/i },
  ])('$name: every poll is missing, the reason says why, exit 4', async ({ args, reason }) => {
    const r = await collect(['--prometheus', prom.url, '--duration', '2s', ...args.map((a) => (a === '<ca>' ? join(dir, 'cert.pem') : a))]);
    expect(r.code, r.stderr).toBe(4);
    expect(JSON.parse(r.stdout)).toMatchObject({ completedPolls: 0, lastError: expect.stringMatching(reason) });
    expect(r.stdout + r.stderr).not.toContain(PASSWORD);
  });

  it('a gateway wanting a bearer token (from a file) and X-Scope-OrgID: polls complete with both, are missing without the header', async () => {
    const tokenFile = join(dir, 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`);
    seen.length = 0;
    const ok = await collect(['--prometheus', gatewayUrl, '--duration', '2s', '--prometheus-bearer-token-file', tokenFile, '--prometheus-header', `X-Scope-OrgID: ${TENANT}`]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout).completedPolls).toBeGreaterThanOrEqual(1);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((h) => h.authorization === `Bearer ${TOKEN}` && h.tenant === TENANT)).toBe(true);

    const noTenant = await collect(['--prometheus', gatewayUrl, '--duration', '2s'], { SOCKML_PROMETHEUS_BEARER_TOKEN: TOKEN });
    expect(noTenant.code).toBe(4);
    expect(JSON.parse(noTenant.stdout).lastError).toMatch(/HTTP 401 no or wrong token/);
  });

  it.each([
    [['--prometheus-header', 'no colon'], /--prometheus-header must be 'Name: value'/],
    [['--prometheus-header', 'Authorization: Bearer x'], /set by collect itself/],
    [['--prometheus-bearer-token', 't', '--prometheus-username', 'u', '--prometheus-password', 'p'], /choose one of/],
    [['--prometheus-ca', '/nonexistent.pem'], /--prometheus-ca: cannot read \/nonexistent\.pem/],
  ])('bad connection flags are bad input (exit 2): %j', async (args, message) => {
    const r = await collect(['--prometheus', gatewayUrl, '--duration', '1s', ...args]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
