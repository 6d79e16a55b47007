import * as k8s from '@kubernetes/client-node';
import type { ActuationResult, Actuator, ScalingDecision } from '@sockml/core';
import { apiMessage, checkNamespace, COMPONENT, CONFLICT_ATTEMPTS, defaultKubeConfig, HpaIndex, type HpaTarget, httpCode, readDeploymentReplicas, why, writeEvent } from './kubernetes-common.js';

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
  /**
   * Writes a Kubernetes Event on the Deployment for each change it makes (Normal SuccessfulRescale) and
   * each change that failed (Warning FailedRescale), as the HPA controller does, so `kubectl describe
   * deployment` tells who scaled and why (RBAC: create events). Default true.
   */
  events?: boolean;
  /** Told each event that could not be written (the scaling itself stands), to log it. */
  onEventFailed?: (detail: string) => void;
}

export type { HpaTarget } from './kubernetes-common.js';

/**
 * Sets a Deployment's replicas through its scale subresource (read, then replace with the new count,
 * so the API server's resourceVersion check guards against a concurrent writer: a 409 is read again
 * and retried). The RBAC it needs is get/update on deployments/scale in one namespace, list on its
 * HorizontalPodAutoscalers and create on its events (docker/k8s/10-rbac.yaml). NO_ACTION decisions and
 * decisions whose target equals the current replicas change nothing.
 */
export class KubernetesActuator implements Actuator {
  readonly name = 'kubernetes';
  private readonly api: k8s.AppsV1Api;
  private readonly core: k8s.CoreV1Api;
  private readonly deploymentFor: (service: string) => string;
  private readonly hpas: HpaIndex;

  constructor(private readonly options: KubernetesActuatorOptions) {
    checkNamespace(options.namespace);
    const kc = options.kubeConfig ?? defaultKubeConfig();
    this.api = kc.makeApiClient(k8s.AppsV1Api);
    this.hpas = new HpaIndex(kc, options.namespace, options.hpaTtlMs ?? 60_000, 'to avoid fighting an HPA, or --allow-hpa-conflict');
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.deploymentFor = options.deploymentFor ?? ((s) => s);
  }

  /**
   * The HorizontalPodAutoscalers of the namespace that scale a Deployment (RBAC: list
   * horizontalpodautoscalers in apiGroup autoscaling). Read at most once per hpaTtlMs (default 60 s);
   * `fresh` reads now. A failed read throws, naming the RBAC it needs.
   */
  hpaTargets(fresh = false): Promise<HpaTarget[]> {
    return this.hpas.targets(fresh);
  }

  /** The HPA that also scales `service`'s Deployment, when decisions for it are refused (hpaConflict 'refuse'). */
  private async conflictingHpa(service: string): Promise<string | undefined> {
    if (this.options.hpaConflict === 'allow') return undefined;
    const name = this.deploymentFor(service);
    try {
      await this.hpas.targets();
    } catch (e) {
      // Keep refusing on what was known; never act blind on a Deployment an HPA may own.
      if (!this.hpas.lastKnown(name)) throw e;
    }
    return this.hpas.lastKnown(name)!.hpa;
  }

  /** The Deployment's spec.replicas, through the same scale subresource (RBAC: get deployments/scale). */
  currentReplicas(service: string): Promise<number | null> {
    return readDeploymentReplicas(this.api, this.options.namespace, this.deploymentFor(service));
  }

  /**
   * Replaces the scale subresource's replicas whatever they are (RBAC: get and update deployments/scale).
   * A write that loses a race with another writer (409) is read again and retried.
   */
  async setReplicas(service: string, replicas: number): Promise<void> {
    const name = this.deploymentFor(service);
    const namespace = this.options.namespace;
    for (let attempt = 1; ; attempt++) {
      try {
        const scale = await this.api.readNamespacedDeploymentScale({ name, namespace });
        if (scale.spec?.replicas === replicas) return;
        await this.replaceScale(scale, replicas);
        return;
      } catch (e) {
        if (httpCode(e) === 409 && attempt < CONFLICT_ATTEMPTS) continue;
        const code = httpCode(e);
        throw new Error(`kubernetes actuator: setting ${namespace}/${name} to ${replicas} replicas failed${code ? ` (HTTP ${code})` : ''}: ${apiMessage(e)}`);
      }
    }
  }

  /**
   * Applies a decision through the scale subresource: read, check, replace with the read resourceVersion.
   * When another writer changed the Deployment between the read and the write (409 Conflict), the
   * decision is checked again against what it now holds and retried (up to CONFLICT_ATTEMPTS). A
   * Deployment that does not exist (deleted) is not applied and said so, without an exception: the
   * scaler goes on with the other services.
   */
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
    const missing = () => {
      const detail = `${namespace}/${name} does not exist (deleted, or not this namespace's Deployment): ${d.decision} to ${d.targetReplicas} not applied`;
      this.options.onRefused?.(detail);
      return { applied: false, detail };
    };
    for (let attempt = 1; ; attempt++) {
      let scale: k8s.V1Scale;
      try {
        scale = await this.api.readNamespacedDeploymentScale({ name, namespace });
      } catch (e) {
        if (httpCode(e) === 404) return missing();
        throw this.scalingError(name, e);
      }
      const current = scale.spec?.replicas ?? 0;
      if (current === d.targetReplicas) return { applied: false, detail: `${namespace}/${name} already has ${current} replicas` };
      // The policy's replica count can lag the cluster (a scaler restart starts from the minimum, someone
      // scaled by hand, a concurrent writer just won): never let a SCALE_UP shrink a Deployment, or a
      // SCALE_DOWN grow one.
      if ((d.decision === 'SCALE_UP') !== d.targetReplicas > current) {
        return { applied: false, detail: `${namespace}/${name} has ${current} replicas: ${d.decision} to ${d.targetReplicas} would go the other way, not applied` };
      }
      try {
        await this.replaceScale(scale, d.targetReplicas);
      } catch (e) {
        const code = httpCode(e);
        if (code === 409 && attempt < CONFLICT_ATTEMPTS) continue;
        if (code === 404) return missing();
        await this.event(scale, 'Warning', 'FailedRescale', `New size: ${d.targetReplicas}; reason: ${why(d)}; error: ${apiMessage(e)}`);
        throw this.scalingError(name, e, attempt);
      }
      await this.event(scale, 'Normal', 'SuccessfulRescale', `New size: ${d.targetReplicas}; reason: ${why(d)}`);
      const retried = attempt > 1 ? ` (after ${attempt - 1} conflicting write${attempt > 2 ? 's' : ''})` : '';
      return { applied: true, detail: `${namespace}/${name}: ${current} → ${d.targetReplicas} replicas${retried}` };
    }
  }

  /** PUT of the scale with the resourceVersion it was read at, so a concurrent change makes it fail (409). */
  private replaceScale(scale: k8s.V1Scale, replicas: number): Promise<k8s.V1Scale> {
    const { name, namespace } = { name: scale.metadata!.name!, namespace: this.options.namespace };
    return this.api.replaceNamespacedDeploymentScale({ name, namespace, fieldManager: COMPONENT, body: { ...scale, spec: { ...scale.spec, replicas } } });
  }

  private scalingError(name: string, e: unknown, attempts = 1): Error {
    const code = httpCode(e);
    const tries = code === 409 ? ` ${attempts} times: another writer changed it each time` : '';
    return new Error(`kubernetes actuator: scaling ${this.options.namespace}/${name} failed${code ? ` (HTTP ${code})` : ''}${tries}: ${apiMessage(e)}`);
  }

  /**
   * An Event on the Deployment the scale belongs to (the scale subresource carries the Deployment's uid),
   * like the HPA controller's SuccessfulRescale. Best effort: a failure is reported, never thrown.
   */
  private async event(scale: k8s.V1Scale, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    if (this.options.events === false) return;
    const involved = { apiVersion: 'apps/v1', kind: 'Deployment', name: scale.metadata?.name ?? '?', namespace: this.options.namespace, uid: scale.metadata?.uid };
    await writeEvent(this.core, involved, type, reason, message, this.options.onEventFailed);
  }
}
