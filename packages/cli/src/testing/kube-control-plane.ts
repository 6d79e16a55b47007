/**
 * A real Kubernetes control plane for tests: etcd, kube-apiserver and kube-controller-manager on
 * 127.0.0.1, started by `scripts/kube.sh start` from the binaries `scripts/kube.sh build` put in
 * ~/.cache/sockml/k8s/<release>/bin (scripts/test.sh builds them before the tests). No kubelet runs:
 * Deployments get their ReplicaSets and HPAs act, but pods stay Pending.
 *
 *   const kube = await startKubeControlPlane();
 *   kube.admin();                                        // a KubeConfig as cluster admin (system:masters)
 *   await kube.kubectl(['apply', '--server-side', '-k', 'docker/k8s']);
 *   await kube.serviceAccountKubeconfig('sockml', 'sockml-scale', dir); // a kubeconfig with its token
 *   await kube.stop();                                   // in afterAll (also when this process exits)
 *
 * Each control plane gets its own temp directory (certificates, etcd data, logs); a watcher started by
 * scripts/kube.sh stops it when the test process dies. SOCKML_K8S_KEEP=1 keeps the directory.
 */
import { execFile, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as k8s from '@kubernetes/client-node';
import { freePort } from './ports.js';

/** The repository root (this file is packages/cli/{src,dist}/testing/kube-control-plane.{ts,js}). */
const REPO = resolve(fileURLToPath(import.meta.url), '../../../../..');
const SCRIPT = join(REPO, 'scripts/kube.sh');

function script(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile('bash', [SCRIPT, ...args], { cwd: REPO, timeout: timeoutMs, maxBuffer: 16 << 20, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (error) {
        const why = error.killed ? `timed out after ${timeoutMs / 1000} s` : `exit code ${error.code}`;
        reject(new Error(`bash scripts/kube.sh ${args.join(' ')}: ${why}\n${stderr.trim()}`));
      } else resolvePromise(stdout.trim());
    });
  });
}

/** Where scripts/kube.sh keeps the built binaries (without building anything). */
function binDir(): Promise<string> {
  return script(['bin'], 10_000);
}

/**
 * Whether the control plane can start without a build: etcd installed and the binaries built. The
 * integration tests skip without it outside CI (and say how to get it), and fail in CI.
 */
export function kubeControlPlaneAvailable(): boolean {
  const module = readFileSync(join(REPO, 'scripts/kube/kubernetes/go.mod'), 'utf8');
  const version = /^\s*k8s\.io\/kubernetes (v\S+)/m.exec(module)?.[1];
  const cache = process.env.SOCKML_K8S_CACHE ?? join(process.env.HOME ?? '/root', '.cache/sockml/k8s');
  return !!version && existsSync('/usr/bin/etcd') && existsSync(join(cache, version, 'bin/.stamp'));
}

export interface CommandResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface KubeControlPlane {
  /** https://127.0.0.1:<port> */
  readonly url: string;
  readonly dir: string;
  /** The admin kubeconfig file (client certificate in group system:masters). */
  readonly kubeconfigFile: string;
  /** The CA that signed the API server's certificate (PEM). */
  readonly ca: string;
  /** A KubeConfig as cluster admin. */
  admin(): k8s.KubeConfig;
  /** Runs the kubectl built from the same release; admin unless `kubeconfig` is given. */
  kubectl(args: string[], options?: { kubeconfig?: string; input?: string }): Promise<CommandResult>;
  /** A token for a ServiceAccount through the TokenRequest API (one hour), as the admin. */
  serviceAccountToken(namespace: string, name: string): Promise<string>;
  /** A KubeConfig that authenticates with that ServiceAccount's token, and nothing else. */
  serviceAccountConfig(namespace: string, name: string): Promise<k8s.KubeConfig>;
  /** The same as a kubeconfig file in `dir` (for a sockml process: KUBECONFIG); returns its path. */
  serviceAccountKubeconfig(namespace: string, name: string, dir: string): Promise<string>;
  /** One raw request with a bearer token: the API server's status code and body. */
  requestAs(token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: string }>;
  /**
   * Starts kube-state-metrics (built with the control plane) against it, exporting the Deployments of
   * `namespaces` on a free 127.0.0.1 port; resolves with its host:port once it serves them. Stopped with
   * the control plane.
   */
  startKubeStateMetrics(namespaces: string[]): Promise<string>;
  /** The resident memory of etcd, the API server and the controller manager now (kB, from /proc). */
  memoryKb(): Record<string, number>;
  /** Stops all three (SIGTERM, SIGKILL after 15 s) and removes the directory. Idempotent. */
  stop(): Promise<void>;
}

const running = new Map<string, () => void>();
let exitHookInstalled = false;

/** Starts etcd, the API server and the controller manager; resolves once the controllers run. */
export async function startKubeControlPlane(): Promise<KubeControlPlane> {
  if (!kubeControlPlaneAvailable()) {
    throw new Error('the Kubernetes control plane is not built: run `bash scripts/kube.sh build` (scripts/test.sh does; it takes a while once)');
  }
  const dir = mkdtempSync(join(tmpdir(), 'sockml-kube-'));
  const bin = await binDir();
  const removeDir = () => {
    if (process.env.SOCKML_K8S_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
  };
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const kill of running.values()) kill();
    });
  }
  /** Processes started against this control plane (kube-state-metrics): stopped with it. */
  const children = new Set<ReturnType<typeof spawn>>();
  const killNow = () => {
    for (const c of children) c.kill('SIGKILL');
    for (const name of ['kube-controller-manager', 'kube-apiserver', 'etcd']) {
      try {
        process.kill(Number(readFileSync(join(dir, `${name}.pid`), 'utf8')), 'SIGKILL');
      } catch {
        /* not running */
      }
    }
    removeDir();
  };
  running.set(dir, killNow);
  let kubeconfigFile: string;
  // kube.sh picks free ports before etcd starts, and another process can take one meanwhile (seen in CI:
  // "bind: address already in use"). Only that failure is retried, in a fresh directory with new ports.
  for (let attempt = 1; ; attempt++) {
    try {
      kubeconfigFile = await script(['start', '--dir', dir, '--parent-pid', String(process.pid)], 240_000);
      break;
    } catch (e) {
      killNow();
      if (attempt < 3 && /address already in use/.test(String(e))) {
        rmSync(dir, { recursive: true, force: true });
        mkdirSync(dir, { recursive: true });
        continue;
      }
      running.delete(dir);
      throw e;
    }
  }
  const port = Number(/^apiserver=(\d+)$/m.exec(readFileSync(join(dir, 'ports'), 'utf8'))![1]);
  const url = `https://127.0.0.1:${port}`;
  const ca = readFileSync(join(dir, 'ca.crt'), 'utf8');

  const admin = () => {
    const kc = new k8s.KubeConfig();
    kc.loadFromFile(kubeconfigFile);
    return kc;
  };
  const tokenConfig = (user: string, token: string) => {
    const kc = new k8s.KubeConfig();
    kc.loadFromOptions({
      clusters: [{ name: 'sockml-test', server: url, caFile: join(dir, 'ca.crt') }],
      users: [{ name: user, token }],
      contexts: [{ name: user, cluster: 'sockml-test', user }],
      currentContext: user,
    });
    return kc;
  };
  const serviceAccountToken = async (namespace: string, name: string) => {
    const core = admin().makeApiClient(k8s.CoreV1Api);
    const r = await core.createNamespacedServiceAccountToken({ name, namespace, body: { spec: { audiences: [], expirationSeconds: 3600 } } });
    return r.status!.token;
  };

  return {
    url,
    dir,
    kubeconfigFile,
    ca,
    admin,
    kubectl(args, options = {}) {
      return new Promise((resolvePromise) => {
        const child = spawn(join(bin, 'kubectl'), ['--kubeconfig', options.kubeconfig ?? kubeconfigFile, ...args], { cwd: REPO, stdio: ['pipe', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout.on('data', (c) => (stdout += c));
        child.stderr.on('data', (c) => (stderr += c));
        const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
        child.on('close', (code) => {
          clearTimeout(timer);
          resolvePromise({ code, stdout, stderr });
        });
        child.stdin.end(options.input ?? '');
      });
    },
    serviceAccountToken,
    async serviceAccountConfig(namespace, name) {
      return tokenConfig(`${namespace}:${name}`, await serviceAccountToken(namespace, name));
    },
    async serviceAccountKubeconfig(namespace, name, into) {
      const token = await serviceAccountToken(namespace, name);
      const path = join(into, `${namespace}-${name}.kubeconfig`);
      const lines = [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        '  - name: sockml-test',
        '    cluster:',
        `      server: ${url}`,
        `      certificate-authority: ${join(dir, 'ca.crt')}`,
        'users:',
        `  - name: ${name}`,
        '    user:',
        `      token: ${token}`,
        'contexts:',
        `  - name: ${name}`,
        '    context:',
        '      cluster: sockml-test',
        `      user: ${name}`,
        `current-context: ${name}`,
      ];
      writeFileSync(path, lines.join('\n') + '\n', { mode: 0o600 });
      return path;
    },
    requestAs(token, method, path, body) {
      return new Promise((resolvePromise, reject) => {
        const payload = body === undefined ? undefined : JSON.stringify(body);
        const headers: Record<string, string> = { authorization: `Bearer ${token}`, accept: 'application/json' };
        if (payload !== undefined) headers['content-type'] = method === 'PATCH' ? 'application/merge-patch+json' : 'application/json';
        const req = request(`${url}${path}`, { method, headers, ca, signal: AbortSignal.timeout(15_000) }, (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (text += c));
          res.on('end', () => resolvePromise({ status: res.statusCode ?? 0, body: text }));
        });
        req.on('error', reject);
        req.end(payload);
      });
    },
    async startKubeStateMetrics(namespaces) {
      const [port, telemetry] = [await freePort(), await freePort()];
      const child = spawn(
        join(bin, 'kube-state-metrics'),
        ['--kubeconfig', kubeconfigFile, '--host', '127.0.0.1', '--port', String(port), '--telemetry-host', '127.0.0.1', '--telemetry-port', String(telemetry), '--resources', 'deployments', '--namespaces', namespaces.join(',')],
        { stdio: ['ignore', 'ignore', 'pipe'] },
      );
      let log = '';
      child.stderr.on('data', (c) => (log = (log + c).slice(-4000)));
      children.add(child);
      child.once('exit', () => children.delete(child));
      const until = Date.now() + 60_000;
      for (;;) {
        const text = await fetch(`http://127.0.0.1:${port}/metrics`).then((r) => r.text(), () => '');
        if (/^kube_deployment_spec_replicas\{/m.test(text)) return `127.0.0.1:${port}`;
        if (child.exitCode !== null || Date.now() > until) throw new Error(`kube-state-metrics did not serve the Deployments of ${namespaces.join(',')}:\n${log}`);
        await new Promise((r) => setTimeout(r, 250));
      }
    },
    memoryKb() {
      const out: Record<string, number> = {};
      for (const name of ['etcd', 'kube-apiserver', 'kube-controller-manager']) {
        try {
          const pid = readFileSync(join(dir, `${name}.pid`), 'utf8').trim();
          out[name] = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
        } catch {
          out[name] = NaN;
        }
      }
      return out;
    },
    async stop() {
      if (!running.has(dir)) return;
      for (const c of children) c.kill('SIGTERM');
      try {
        await script(['stop', '--dir', dir], 60_000);
      } finally {
        running.delete(dir);
        killNow();
      }
    },
  };
}
