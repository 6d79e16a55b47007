import * as k8s from '@kubernetes/client-node';
import type { ActuationResult, Actuator, ScalingDecision } from '@sockml/core';
import { apiMessage, checkNamespace, COMPONENT, CONFLICT_ATTEMPTS, defaultKubeConfig, HpaIndex, type HpaTarget, httpCode, why, writeEvent } from './kubernetes-common.js';

export interface KubernetesHpaFloorActuatorOptions {
  namespace: string;
  /** Deployment name for a service (default: the service name, as in Sock Shop's manifests). */
  deploymentFor?: (service: string) => string;
  /** A loaded kubeconfig (default: in-cluster service account, else $KUBECONFIG or ~/.kube/config). */
  kubeConfig?: k8s.KubeConfig;
  /** Told each decision not applied because its Deployment has no HPA (or the HPA vanished), to log it. */
  onRefused?: (detail: string) => void;
  /** How long a list of the namespace's HPAs is trusted before it is read again (ms). */
  hpaTtlMs?: number;
  /**
   * Writes a Kubernetes Event on the HPA for each change of its minReplicas (Normal SockmlFloor) and each
   * that failed (Warning FailedSockmlFloor), so `kubectl describe hpa` tells who moved the floor and why
   * next to the HPA's own SuccessfulRescale (RBAC: create events). Default true.
   */
  events?: boolean;
  /** Told each event that could not be written (the change itself stands), to log it. */
  onEventFailed?: (detail: string) => void;
}

/**
 * sockml over an HPA that stays (docs/POLICIES.md, "Over an HPA that stays"): a decision sets the
 * minReplicas of the HorizontalPodAutoscaler that scales the service's Deployment, and the HPA
 * controller, which enforces minReplicas before it looks at metrics, brings the Deployment to at least
 * that. Each service then runs the larger of the HPA's count and sockml's, as the lab's --hpa-floor
 * measured; the HPA keeps reacting to what sockml did not foresee.
 *
 * Read, then replace with the read resourceVersion, so a concurrent writer (the HPA controller's status
 * updates, kubectl, another scaler) makes the write fail with 409; it is then read and judged again.
 * RBAC: list, get and update horizontalpodautoscalers, create events, in one namespace
 * (docker/k8s/10-rbac.yaml). NO_ACTION decisions, and decisions whose target
 * (clamped to [1, maxReplicas]: the API server refuses a minimum above the maximum) is the current
 * minReplicas, change nothing.
 */
export class KubernetesHpaFloorActuator implements Actuator {
  readonly name = 'kubernetes-hpa-floor';
  private readonly autoscaling: k8s.AutoscalingV2Api;
  private readonly core: k8s.CoreV1Api;
  private readonly deploymentFor: (service: string) => string;
  private readonly hpas: HpaIndex;

  constructor(private readonly options: KubernetesHpaFloorActuatorOptions) {
    checkNamespace(options.namespace);
    const kc = options.kubeConfig ?? defaultKubeConfig();
    this.autoscaling = kc.makeApiClient(k8s.AutoscalingV2Api);
    this.core = kc.makeApiClient(k8s.CoreV1Api);
    this.deploymentFor = options.deploymentFor ?? ((s) => s);
    this.hpas = new HpaIndex(kc, options.namespace, options.hpaTtlMs ?? 60_000, 'to find the HPA whose minReplicas it sets');
  }

  /** The namespace's HPAs on Deployments (cached for hpaTtlMs; `fresh` reads now). */
  hpaTargets(fresh = false): Promise<HpaTarget[]> {
    return this.hpas.targets(fresh);
  }

  /**
   * sockml's own count: the HPA's minReplicas (the floor it set, or the HPA's own minimum), not what the
   * Deployment runs. What runs above the floor is the HPA's; a policy that started from it would take
   * the HPA's scale-ups for its own, and no longer decide as the lab and `sockml replay` do. Null when the
   * Deployment has no HPA (the policy starts from its minimum).
   */
  async currentReplicas(service: string): Promise<number | null> {
    const name = await this.hpaOf(this.deploymentFor(service));
    if (name === undefined) return null;
    try {
      const hpa = await this.autoscaling.readNamespacedHorizontalPodAutoscaler({ name, namespace: this.options.namespace });
      return hpa.spec?.minReplicas ?? 1;
    } catch (e) {
      if (httpCode(e) === 404) return null;
      throw this.floorError(name, e);
    }
  }

  /** The HPA of the Deployment; a miss in a cached list is read again, so an HPA created since is found. */
  private async hpaOf(deployment: string): Promise<string | undefined> {
    const cached = (await this.hpas.targets()).find((t) => t.deployment === deployment);
    if (cached) return cached.hpa;
    return (await this.hpas.targets(true)).find((t) => t.deployment === deployment)?.hpa;
  }

  async apply(d: ScalingDecision): Promise<ActuationResult> {
    if (d.decision === 'NO_ACTION' || d.targetReplicas === undefined) return { applied: false, detail: 'no action' };
    const namespace = this.options.namespace;
    const deployment = this.deploymentFor(d.service);
    // Not an exception: the scaler would retry this decision, and hold the ones behind it, forever.
    const noHpa = (why: string) => {
      const detail = `${namespace}/${deployment} ${why} (--actuator kubernetes-hpa-floor sets an HPA's minReplicas; give it an HPA, or use --actuator kubernetes): ${d.decision} to ${d.targetReplicas} not applied`;
      this.options.onRefused?.(detail);
      return { applied: false, detail };
    };
    for (let attempt = 1; ; attempt++) {
      const name = await this.hpaOf(deployment);
      if (name === undefined) return noHpa('has no HorizontalPodAutoscaler');
      let hpa: k8s.V2HorizontalPodAutoscaler;
      try {
        hpa = await this.autoscaling.readNamespacedHorizontalPodAutoscaler({ name, namespace });
      } catch (e) {
        if (httpCode(e) !== 404) throw this.floorError(name, e);
        // Deleted since the list: read the list again (another HPA may have replaced it).
        await this.hpas.targets(true);
        if (attempt < CONFLICT_ATTEMPTS) continue;
        return noHpa(`lost its HorizontalPodAutoscaler ${name}`);
      }
      // The API server requires spec, scaleTargetRef and maxReplicas on every HPA.
      const spec = hpa.spec!;
      const ref = spec.scaleTargetRef;
      if (ref.kind !== 'Deployment' || ref.name !== deployment) {
        // Retargeted since the list: this HPA's floor is not this service's any more.
        await this.hpas.targets(true);
        if (attempt < CONFLICT_ATTEMPTS) continue;
        return noHpa(`lost its HorizontalPodAutoscaler ${name} (it now scales ${ref.kind} ${ref.name})`);
      }
      const current = spec.minReplicas ?? 1;
      const max = spec.maxReplicas;
      const target = Math.min(Math.max(d.targetReplicas, 1), max);
      const clamped = target === d.targetReplicas ? '' : ` (${d.targetReplicas} clamped to ${target === max ? `the HPA's maxReplicas ${max}` : 'the least minReplicas, 1'})`;
      const where = `${namespace}/${name} (Deployment ${deployment})`;
      if (target === current) return { applied: false, detail: `${where} already has minReplicas ${current}${clamped}` };
      // The policy's count can lag (another writer moved the floor): never let a SCALE_UP lower the
      // floor, or a SCALE_DOWN raise it.
      if ((d.decision === 'SCALE_UP') !== target > current) {
        return { applied: false, detail: `${where} has minReplicas ${current}: ${d.decision} to ${target}${clamped} would go the other way, not applied` };
      }
      try {
        await this.autoscaling.replaceNamespacedHorizontalPodAutoscaler({ name, namespace, fieldManager: COMPONENT, body: { ...hpa, spec: { ...spec, minReplicas: target } } });
      } catch (e) {
        const code = httpCode(e);
        if (code === 409 && attempt < CONFLICT_ATTEMPTS) continue;
        if (code === 404 && attempt < CONFLICT_ATTEMPTS) {
          await this.hpas.targets(true);
          continue;
        }
        await this.event(hpa, 'Warning', 'FailedSockmlFloor', `New minReplicas: ${target}; reason: ${why(d)}; error: ${apiMessage(e)}`);
        throw this.floorError(name, e, attempt);
      }
      await this.event(hpa, 'Normal', 'SockmlFloor', `New minReplicas: ${target} (was ${current})${clamped}; reason: ${why(d)}`);
      const retried = attempt > 1 ? ` (after ${attempt - 1} conflicting write${attempt > 2 ? 's' : ''})` : '';
      return { applied: true, detail: `${where}: minReplicas ${current} → ${target}${clamped}${retried}` };
    }
  }

  private floorError(name: string, e: unknown, attempts = 1): Error {
    const code = httpCode(e);
    const tries = code === 409 ? ` ${attempts} times: another writer changed it each time` : '';
    return new Error(`kubernetes-hpa-floor actuator: setting the minReplicas of ${this.options.namespace}/${name} failed${code ? ` (HTTP ${code})` : ''}${tries}: ${apiMessage(e)}`);
  }

  private async event(hpa: k8s.V2HorizontalPodAutoscaler, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    if (this.options.events === false) return;
    const involved = { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', name: hpa.metadata?.name ?? '?', namespace: this.options.namespace, uid: hpa.metadata?.uid };
    await writeEvent(this.core, involved, type, reason, message, this.options.onEventFailed);
  }
}
