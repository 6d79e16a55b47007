/**
 * A real Prometheus for tests, from the Debian package (`apt-get install prometheus`; scripts/test.sh
 * installs it when missing). Each instance runs on a free 127.0.0.1 port with its own temp config and
 * TSDB directory, scraping the given jobs every second:
 *
 *   const prom = await startPrometheus({ target: target.address, jobs: target.jobs });
 *   await prom.waitFor('sum(up) == 5');   // until the expression returns a sample
 *   prom.url;                             // http://127.0.0.1:<port>
 *   await prom.stop();                    // in afterAll (also killed when this process exits)
 *
 * The Debian service is never used. A watchdog shell kills Prometheus (and removes its directory) if
 * the test process dies without running its exit hooks (e.g. SIGKILL from a test timeout).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { accessSync, closeSync, constants, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './ports.js';

export const PROMETHEUS_BIN = process.env.SOCKML_PROMETHEUS_BIN ?? '/usr/bin/prometheus';

export interface PrometheusServer {
  readonly url: string;
  readonly port: number;
  readonly dir: string;
  /** Resolves once `expr` returns at least one sample (polled every 250 ms); throws after timeoutMs. */
  waitFor(expr: string, timeoutMs?: number): Promise<void>;
  /** Stops Prometheus (SIGTERM, then SIGKILL after 5 s) and removes its directory. Idempotent. */
  stop(): Promise<void>;
  /** Prometheus's own log (stderr), for failure messages. */
  log(): string;
}

export interface StartPrometheusOptions {
  /** host:port of the scrape target. */
  target: string;
  /**
   * The jobs, each on `target` unless it names its own; `dropMetrics` (a regex on metric names) drops
   * series of that job at scrape time (metric_relabel_configs), e.g. an exporter's series another job owns.
   */
  jobs: { job: string; metricsPath: string; target?: string; dropMetrics?: string }[];
  scrapeIntervalMs?: number;
  /**
   * Prometheus's own web protection (--web.config.file): HTTPS with this certificate and key (PEM
   * files), and/or basic auth for one user (`bcryptHash` of `password`, as Prometheus requires).
   * The helper's own readiness and waitFor requests authenticate and trust the certificate.
   */
  web?: { tls?: { certFile: string; keyFile: string }; basicAuth?: { username: string; password: string; bcryptHash: string } };
}

/** GET for the helper itself: status and body, credentials as configured, the test certificate trusted. */
function helperGet(url: string, web: StartPrometheusOptions['web']): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (web?.basicAuth) headers.authorization = `Basic ${Buffer.from(`${web.basicAuth.username}:${web.basicAuth.password}`).toString('base64')}`;
    const request = url.startsWith('https:') ? httpsRequest : httpRequest;
    const req = request(url, { headers, rejectUnauthorized: false, signal: AbortSignal.timeout(5000) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** Instances started by this process and not stopped yet: killed when the process exits. */
const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** Whether the Prometheus binary is installed (the tests say how to get it when it is not). */
export function prometheusAvailable(): boolean {
  try {
    accessSync(PROMETHEUS_BIN, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}


const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startPrometheus(options: StartPrometheusOptions): Promise<PrometheusServer> {
  if (!prometheusAvailable()) throw new Error(`${PROMETHEUS_BIN} not found: apt-get install -y prometheus (scripts/test.sh does)`);
  const dir = mkdtempSync(join(tmpdir(), 'sockml-prometheus-'));
  const interval = `${Math.round((options.scrapeIntervalMs ?? 1000) / 1000) || 1}s`;
  const config = [
    'global:',
    `  scrape_interval: ${interval}`,
    `  evaluation_interval: ${interval}`,
    'scrape_configs:',
    ...options.jobs.flatMap((j) => [
      `  - job_name: ${JSON.stringify(j.job)}`,
      `    metrics_path: ${JSON.stringify(j.metricsPath)}`,
      '    static_configs:',
      `      - targets: [${JSON.stringify(j.target ?? options.target)}]`,
      ...(j.dropMetrics ? ['    metric_relabel_configs:', '      - source_labels: [__name__]', `        regex: ${JSON.stringify(j.dropMetrics)}`, '        action: drop'] : []),
    ]),
  ].join('\n');
  writeFileSync(join(dir, 'prometheus.yml'), config + '\n');
  const web = options.web;
  const webArgs: string[] = [];
  if (web?.tls || web?.basicAuth) {
    const lines: string[] = [];
    if (web.tls) lines.push('tls_server_config:', `  cert_file: ${JSON.stringify(web.tls.certFile)}`, `  key_file: ${JSON.stringify(web.tls.keyFile)}`);
    if (web.basicAuth) lines.push('basic_auth_users:', `  ${JSON.stringify(web.basicAuth.username)}: ${JSON.stringify(web.basicAuth.bcryptHash)}`);
    writeFileSync(join(dir, 'web.yml'), lines.join('\n') + '\n');
    webArgs.push(`--web.config.file=${join(dir, 'web.yml')}`);
  }
  const logFile = join(dir, 'prometheus.log');

  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const logFd = openSync(logFile, 'a');
    const child = spawn(
      PROMETHEUS_BIN,
      [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`, '--log.level=warn', ...webArgs],
      { stdio: ['ignore', logFd, logFd] },
    );
    closeSync(logFd); // the child has its own copy
    running.add(child);
    const watchdog = spawn('bash', ['-c', `while kill -0 ${process.pid} 2>/dev/null && kill -0 ${child.pid} 2>/dev/null; do sleep 1; done; kill -9 ${child.pid} 2>/dev/null; rm -rf '${dir}'`], {
      stdio: 'ignore',
      detached: true,
    });
    watchdog.unref();
    let exited = false;
    child.once('exit', () => {
      exited = true;
      running.delete(child);
    });

    const url = `${web?.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    const deadline = Date.now() + 30_000;
    let ready = false;
    while (!exited && Date.now() < deadline) {
      ready = await helperGet(`${url}/-/ready`, web).then((r) => r.status === 200, () => false);
      if (ready) break;
      await sleep(100);
    }
    const log = () => readFileSync(logFile, 'utf8');
    if (!ready) {
      child.kill('SIGKILL');
      if (attempt < 3 && /address already in use/.test(log())) continue;
      const text = log();
      rmSync(dir, { recursive: true, force: true });
      throw new Error(`Prometheus did not become ready on port ${port}:\n${text.slice(-2000)}`);
    }

    let stopped: Promise<void> | undefined;
    return {
      url,
      port,
      dir,
      log,
      async waitFor(expr, timeoutMs = 30_000) {
        const until = Date.now() + timeoutMs;
        for (;;) {
          const body = (await helperGet(`${url}/api/v1/query?query=${encodeURIComponent(expr)}`, web).then((r) => JSON.parse(r.body), () => undefined)) as
            | { data?: { result?: unknown[] } }
            | undefined;
          if ((body?.data?.result?.length ?? 0) > 0) return;
          if (Date.now() > until) throw new Error(`Prometheus: '${expr}' returned nothing within ${timeoutMs} ms`);
          await sleep(250);
        }
      },
      stop() {
        stopped ??= (async () => {
          if (!exited) {
            const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
            child.kill('SIGTERM');
            const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
            await gone;
            clearTimeout(timer);
          }
          try {
            process.kill(-watchdog.pid!, 'SIGKILL');
          } catch {
            /* the watchdog ended with Prometheus */
          }
          rmSync(dir, { recursive: true, force: true });
        })();
        return stopped;
      },
    };
  }
}
