/**
 * `sockml experiment run --target URL --actuator kubernetes --reactive cluster` with a real Kubernetes
 * control plane (scripts/kube.sh: etcd, kube-apiserver, kube-controller-manager with its HPA controller)
 * holding Sock Shop's Deployments, and a real kube-state-metrics exporting them to a real Prometheus, as
 * on a cluster. The load and the latency still come from `sockml sim` (no kubelet runs pods here), whose
 * own kube_* series Prometheus drops so the replica counts are the API server's.
 *
 * What must hold: the run resets the Deployments through the kubernetes actuator, as the sockml-scale
 * ServiceAccount; a real HorizontalPodAutoscaler created during the run (minReplicas 3 on carts, which the
 * HPA controller enforces without any metrics) scales carts, and the run records that change, the way a
 * cluster's HPA reaches it: HPA controller → API server → kube-state-metrics → Prometheus; sockml itself
 * scales nothing.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as k8s from '@kubernetes/client-node';
import { parseSnapshotJsonl } from '@sockml/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kubeControlPlaneAvailable, startKubeControlPlane, type KubeControlPlane } from '../../testing/kube-control-plane.js';
import { applyYaml, sockShopYaml } from '../../testing/kube-sock-shop.js';
import { prometheusAvailable, startPrometheus, type PrometheusServer } from '../../testing/prometheus.js';
import { startSockml, type SockmlProcess } from '../../testing/sockml-process.js';

const NS = 'sock-shop';

describe.skipIf((!kubeControlPlaneAvailable() || !prometheusAvailable()) && !process.env.CI)('experiment run --reactive cluster on a real API server (integration)', () => {
  let kube: KubeControlPlane;
  let sim: SockmlProcess;
  let prom: PrometheusServer;
  let url: string;
  let kubeconfig: string;

  beforeAll(async () => {
    sim = startSockml(['sim', '--port', '0', '--time-scale', '3'], { timeoutMs: 290_000 });
    kube = await startKubeControlPlane();
    await applyYaml(kube, sockShopYaml());
    const r = await kube.kubectl(['apply', '--server-side', '-k', 'docker/k8s']);
    expect(r.code, r.stderr).toBe(0);
    const ksm = await kube.startKubeStateMetrics([NS]);
    await sim.waitForStderr(/emulator on http:\/\/127\.0\.0\.1:\d+/);
    const m = /emulator on (http:\/\/(127\.0\.0\.1:\d+))/.exec(sim.stderr())!;
    url = m[1];
    prom = await startPrometheus({
      target: m[2],
      jobs: [
        // The emulator's own replica series would stand beside the API server's: the cluster's are kept.
        { job: 'sockshop', metricsPath: '/metrics', dropMetrics: 'kube_.*' },
        { job: 'kube-state-metrics', metricsPath: '/metrics', target: ksm },
      ],
    });
    await prom.waitFor('kube_deployment_spec_replicas{deployment="carts"}');
    await prom.waitFor('up{job="sockshop"} == 1');
    kubeconfig = await kube.serviceAccountKubeconfig('sockml', 'sockml-scale', mkdtempSync(join(tmpdir(), 'sockml-run-cluster-')));
  }, 240_000);

  afterAll(async () => {
    sim?.child.kill('SIGTERM');
    await sim?.done;
    await Promise.all([prom?.stop(), kube?.stop()]);
  });

  it("records the change a real HPA made through the API, and scales nothing itself", async () => {
    const apps = kube.admin().makeApiClient(k8s.AppsV1Api);
    // Someone left carts at 2 before the run: the run's reset through the actuator brings it to 1.
    await kube.kubectl(['scale', 'deployment', 'carts', '-n', NS, '--replicas', '2']);
    const out = mkdtempSync(join(tmpdir(), 'sockml-exprun-cluster-'));
    const run = startSockml(
      [
        'experiment', 'run', '--target', url, '--prometheus', prom.url, '--actuator', 'kubernetes', '--namespace', NS,
        '--condition', 'reactive', '--reactive', 'cluster', '--pattern', 'step', '--interval', '15s', '--time-scale', '3', '--peak-rps', '100',
        '--duration', '1m', '--settle', '3s', '--out', out, '--json',
      ],
      { timeoutMs: 150_000, env: { KUBECONFIG: kubeconfig } },
    );
    await run.waitForStderr(/interval 0:/, 120_000);
    expect((await apps.readNamespacedDeployment({ name: 'carts', namespace: NS })).spec!.replicas).toBe(1);
    // The cluster's HPA, created now: below its minimum, the HPA controller scales carts to 3.
    const hpa = await kube.kubectl(['autoscale', 'deployment', 'carts', '-n', NS, '--min', '3', '--max', '5', '--cpu-percent', '70']);
    expect(hpa.code, hpa.stderr).toBe(0);
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/scaled by the kubernetes actuator/);
    expect(r.stderr).toMatch(/the cluster's HPA scaled carts 1 → 3/);
    const result = JSON.parse(r.stdout);
    expect(result.runs[0].scalingActions.map((a: { service: string; from: number; to: number }) => [a.service, a.from, a.to])).toEqual([['carts', 1, 3]]);
    const snapshots = parseSnapshotJsonl(readFileSync(join(out, 'reactive_step_run01.jsonl'), 'utf8'), 'reactive_step_run01.jsonl');
    expect(snapshots).toHaveLength(4);
    // Ready replicas are the cluster's too: none, without a kubelet to run the pods.
    expect(snapshots.every((s) => s.services.carts.replicas === 0)).toBe(true);
    // sockml scaled nothing: the front-end's Deployment kept the one replica of the reset despite the step's load.
    expect((await apps.readNamespacedDeployment({ name: 'front-end', namespace: NS })).spec!.replicas).toBe(1);
    const events = await kube.admin().makeApiClient(k8s.CoreV1Api).listNamespacedEvent({ namespace: NS, fieldSelector: 'involvedObject.name=carts,reason=SuccessfulRescale' });
    expect(events.items.map((e) => e.source?.component)).toEqual(['horizontal-pod-autoscaler']);
  }, 200_000);
});
