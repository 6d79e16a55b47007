import * as k8s from '@kubernetes/client-node';
import type { ActuationResult, Actuator, ScalingDecision } from '@sockml/core';
import { InputError } from '../lib/base-command.js';

export interface KubernetesActuatorOptions {
  namespace: string;
  /** Deployment name for a service (default: the service name, as in Sock Shop's manifests). */
  deploymentFor?: (service: string) => string;
  /** A loaded kubeconfig (default: in-cluster service account, else $KUBECONFIG or ~/.kube/config). */
  kubeConfig?: k8s.KubeConfig;
  /**
   * 'refuse' (default): a decision for a Deployment that a HorizontalPodAutoscaler also targets is not
   * applied (two controllers fighting over one replica count, each undoing the other); 'allow' acts anyway.
   */
  hpaConflict?: 'refuse' | 'allow';
  /** Told each refused decision, to log it. */
  onRefused?: (detail: string) => void;
  /** How long a list of the namespace's HPAs is trusted before it is read again (ms). */
  hpaTtlMs?: number;
}

/** An HPA and what it scales. */
export interface HpaTarget {
  hpa: string;
  deployment: string;
}

/**
 * Sets a Deployment's replicas through its scale subresource (read, then replace with the new count,
 * so the API server's resourceVersion check guards against a concurrent writer). The RBAC it needs is
 * get/update on deployments/scale in one namespace (docker/ manifests). NO_ACTION decisions and
 * decisions whose target equals the current replicas change nothing.
 */
export class KubernetesActuator implements Actuator {
  readonly name = 'kubernetes';
  private readonly api: k8s.AppsV1Api;
  private readonly autoscaling: k8s.AutoscalingV2Api;
  private readonly deploymentFor: (service: string) => string;
  private hpas: { atMs: number; byDeployment: Map<string, string> } | undefined;

  constructor(private readonly options: KubernetesActuatorOptions) {
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(options.namespace)) throw new InputError(`kubernetes actuator: --namespace '${options.namespace}' is not a valid namespace name`);
    const kc = options.kubeConfig ?? defaultKubeConfig();
    this.api = kc.makeApiClient(k8s.AppsV1Api);
    this.autoscaling = kc.makeApiClient(k8s.AutoscalingV2Api);
    this.deploymentFor = options.deploymentFor ?? ((s) => s);
  }

  /**
   * The HorizontalPodAutoscalers of the namespace that scale a Deployment (RBAC: list
   * horizontalpodautoscalers in apiGroup autoscaling). Read at most once per hpaTtlMs (default 60 s);
   * `fresh` reads now. A failed read throws, naming the RBAC it needs.
   */
  async hpaTargets(fresh = false): Promise<HpaTarget[]> {
    const now = Date.now();
    if (fresh || !this.hpas || now - this.hpas.atMs > (this.options.hpaTtlMs ?? 60_000)) {
      const namespace = this.options.namespace;
      let list: k8s.V2HorizontalPodAutoscalerList;
      try {
        list = await this.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace });
      } catch (e) {
        const code = (e as { code?: number }).code;
        throw new Error(
          `kubernetes actuator: listing the HorizontalPodAutoscalers of ${namespace} failed${code ? ` (HTTP ${code})` : ''}: ${(e as Error).message.split('\n')[0]}; ` +
            'scale needs list on horizontalpodautoscalers (apiGroup autoscaling) to avoid fighting an HPA, or --allow-hpa-conflict',
        );
      }
      const byDeployment = new Map<string, string>();
      for (const h of list.items ?? []) {
        const ref = h.spec?.scaleTargetRef;
        if (ref?.kind === 'Deployment' && (ref.apiVersion ?? 'apps/v1').startsWith('apps/')) byDeployment.set(ref.name, h.metadata?.name ?? '?');
      }
      this.hpas = { atMs: now, byDeployment };
    }
    return [...this.hpas.byDeployment].map(([deployment, hpa]) => ({ deployment, hpa }));
  }

  /** The HPA that also scales `service`'s Deployment, when decisions for it are refused (hpaConflict 'refuse'). */
  private async conflictingHpa(service: string): Promise<string | undefined> {
    if (this.options.hpaConflict === 'allow') return undefined;
    const name = this.deploymentFor(service);
    try {
      await this.hpaTargets();
    } catch (e) {
      // Keep refusing on what was known; never act blind on a Deployment an HPA may own.
      if (!this.hpas) throw e;
    }
    return this.hpas!.byDeployment.get(name);
  }

  /** The Deployment's spec.replicas, through the same scale subresource (RBAC: get deployments/scale). */
  async currentReplicas(service: string): Promise<number | null> {
    const name = this.deploymentFor(service);
    try {
      const scale = await this.api.readNamespacedDeploymentScale({ name, namespace: this.options.namespace });
      return scale.spec?.replicas ?? null;
    } catch (e) {
      const code = (e as { code?: number }).code;
      if (code === 404) return null;
      throw new Error(`kubernetes actuator: reading ${this.options.namespace}/${name}'s scale failed${code ? ` (HTTP ${code})` : ''}: ${(e as Error).message.split('\n')[0]}`);
    }
  }

  /** Replaces the scale subresource's replicas whatever they are (RBAC: get and update deployments/scale). */
  async setReplicas(service: string, replicas: number): Promise<void> {
    const name = this.deploymentFor(service);
    const namespace = this.options.namespace;
    try {
      const scale = await this.api.readNamespacedDeploymentScale({ name, namespace });
      if (scale.spec?.replicas === replicas) return;
      await this.api.replaceNamespacedDeploymentScale({ name, namespace, body: { ...scale, spec: { ...scale.spec, replicas } } });
    } catch (e) {
      const code = (e as { code?: number }).code;
      throw new Error(`kubernetes actuator: setting ${namespace}/${name} to ${replicas} replicas failed${code ? ` (HTTP ${code})` : ''}: ${(e as Error).message.split('\n')[0]}`);
    }
  }

  async apply(d: ScalingDecision): Promise<ActuationResult> {
    if (d.decision === 'NO_ACTION' || d.targetReplicas === undefined) return { applied: false, detail: 'no action' };
    const name = this.deploymentFor(d.service);
    const namespace = this.options.namespace;
    const hpa = await this.conflictingHpa(d.service);
    if (hpa !== undefined) {
      const detail = `${namespace}/${name} is also scaled by HorizontalPodAutoscaler ${hpa}: ${d.decision} to ${d.targetReplicas} not applied (delete the HPA, or pass --allow-hpa-conflict)`;
      this.options.onRefused?.(detail);
      return { applied: false, detail };
    }
    try {
      const scale = await this.api.readNamespacedDeploymentScale({ name, namespace });
      const current = scale.spec?.replicas ?? 0;
      if (current === d.targetReplicas) return { applied: false, detail: `${namespace}/${name} already has ${current} replicas` };
      // The policy's replica count can lag the cluster (a scaler restart starts from the minimum, someone
      // scaled by hand): never let a SCALE_UP shrink a Deployment, or a SCALE_DOWN grow one.
      if ((d.decision === 'SCALE_UP') !== d.targetReplicas > current) {
        return { applied: false, detail: `${namespace}/${name} has ${current} replicas: ${d.decision} to ${d.targetReplicas} would go the other way, not applied` };
      }
      await this.api.replaceNamespacedDeploymentScale({ name, namespace, body: { ...scale, spec: { ...scale.spec, replicas: d.targetReplicas } } });
      return { applied: true, detail: `${namespace}/${name}: ${current} → ${d.targetReplicas} replicas` };
    } catch (e) {
      const code = (e as { code?: number }).code;
      throw new Error(`kubernetes actuator: scaling ${namespace}/${name} failed${code ? ` (HTTP ${code})` : ''}: ${(e as Error).message.split('\n')[0]}`);
    }
  }
}

function defaultKubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault(); // in-cluster when running in a pod, else $KUBECONFIG / ~/.kube/config
  return kc;
}
