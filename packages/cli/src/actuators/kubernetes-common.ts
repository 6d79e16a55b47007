import { hostname } from 'node:os';
import * as k8s from '@kubernetes/client-node';
import type { ScalingDecision } from '@sockml/core';
import { InputError } from '../lib/base-command.js';

/**
 * What the two Kubernetes actuators (kubernetes.ts: the Deployment's scale subresource;
 * kubernetes-hpa-floor.ts: the HPA's minReplicas) share, so they find HPAs, read replicas, word errors
 * and write Events the same way.
 */

/** How often a write that lost a race with another writer (HTTP 409) is read again and retried. */
export const CONFLICT_ATTEMPTS = 5;
/** The field manager and event source sockml's writes carry. */
export const COMPONENT = 'sockml-scale';

export const httpCode = (e: unknown): number | undefined => (e as { code?: number }).code;
/** What the API server said (its Status message), else the error's first line. */
export const apiMessage = (e: unknown): string => {
  const body = (e as { body?: unknown }).body;
  if (typeof body === 'string') {
    try {
      const message = (JSON.parse(body) as { message?: unknown }).message;
      if (typeof message === 'string' && message) return message;
    } catch {
      /* not a Status */
    }
  }
  return (e as Error).message.split('\n')[0];
};

/** Refuses a namespace the API server would, where the actuator is built (exit 2, not a 404 per decision). */
export function checkNamespace(namespace: string): void {
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(namespace)) throw new InputError(`kubernetes actuator: --namespace '${namespace}' is not a valid namespace name`);
}

export function defaultKubeConfig(): k8s.KubeConfig {
  const kc = new k8s.KubeConfig();
  kc.loadFromDefault(); // in-cluster when running in a pod, else $KUBECONFIG / ~/.kube/config
  return kc;
}

/** An HPA and what it scales. */
export interface HpaTarget {
  hpa: string;
  deployment: string;
}

/**
 * The HorizontalPodAutoscalers of a namespace that scale a Deployment (RBAC: list
 * horizontalpodautoscalers in apiGroup autoscaling), read at most once per ttlMs; `fresh` reads now.
 * A failed read throws, naming the RBAC it needs and `needWhy`, what the actuator needs it for.
 */
export class HpaIndex {
  private readonly autoscaling: k8s.AutoscalingV2Api;
  private read: { atMs: number; byDeployment: Map<string, string> } | undefined;

  constructor(
    kc: k8s.KubeConfig,
    private readonly namespace: string,
    private readonly ttlMs: number,
    private readonly needWhy: string,
  ) {
    this.autoscaling = kc.makeApiClient(k8s.AutoscalingV2Api);
  }

  async targets(fresh = false): Promise<HpaTarget[]> {
    const now = Date.now();
    if (fresh || !this.read || now - this.read.atMs > this.ttlMs) {
      const namespace = this.namespace;
      let list: k8s.V2HorizontalPodAutoscalerList;
      try {
        list = await this.autoscaling.listNamespacedHorizontalPodAutoscaler({ namespace });
      } catch (e) {
        const code = httpCode(e);
        throw new Error(
          `kubernetes actuator: listing the HorizontalPodAutoscalers of ${namespace} failed${code ? ` (HTTP ${code})` : ''}: ${apiMessage(e)}; ` +
            `scale needs list on horizontalpodautoscalers (apiGroup autoscaling) ${this.needWhy}`,
        );
      }
      const byDeployment = new Map<string, string>();
      for (const h of list.items ?? []) {
        const ref = h.spec?.scaleTargetRef;
        if (ref?.kind === 'Deployment' && (ref.apiVersion ?? 'apps/v1').startsWith('apps/')) byDeployment.set(ref.name, h.metadata?.name ?? '?');
      }
      this.read = { atMs: now, byDeployment };
    }
    return [...this.read.byDeployment].map(([deployment, hpa]) => ({ deployment, hpa }));
  }

  /** The HPA of `deployment` in the last list read, whether or not it is still fresh; undefined if none was read. */
  lastKnown(deployment: string): { hpa: string | undefined } | undefined {
    return this.read && { hpa: this.read.byDeployment.get(deployment) };
  }
}

/** A Deployment's spec.replicas through its scale subresource (RBAC: get deployments/scale); null if it does not exist. */
export async function readDeploymentReplicas(api: k8s.AppsV1Api, namespace: string, name: string): Promise<number | null> {
  try {
    const scale = await api.readNamespacedDeploymentScale({ name, namespace });
    return scale.spec?.replicas ?? null;
  } catch (e) {
    const code = httpCode(e);
    if (code === 404) return null;
    throw new Error(`kubernetes actuator: reading ${namespace}/${name}'s scale failed${code ? ` (HTTP ${code})` : ''}: ${apiMessage(e)}`);
  }
}

/**
 * Writes an Event on `involved` (what `kubectl describe` shows), as the HPA controller does for its own
 * changes. Best effort: a failure goes to `onFailed`, never thrown, since the change itself stands.
 */
export async function writeEvent(
  core: k8s.CoreV1Api,
  involved: { apiVersion: string; kind: string; name: string; namespace: string; uid?: string },
  type: 'Normal' | 'Warning',
  reason: string,
  message: string,
  onFailed?: (detail: string) => void,
): Promise<void> {
  const { namespace, name } = involved;
  const now = new Date();
  try {
    await core.createNamespacedEvent({
      namespace,
      body: {
        metadata: { generateName: `${name}.`, namespace },
        involvedObject: involved,
        type,
        reason,
        message,
        source: { component: COMPONENT, host: hostname() },
        firstTimestamp: now,
        lastTimestamp: now,
        count: 1,
        reportingComponent: COMPONENT,
        reportingInstance: hostname(),
      },
    });
  } catch (e) {
    const code = httpCode(e);
    onFailed?.(`kubernetes actuator: could not write the ${reason} event on ${namespace}/${name}${code ? ` (HTTP ${code})` : ''}: ${apiMessage(e)}; scale needs create on events in ${namespace}`);
  }
}

/** The decision in an event's words: what, by how many votes, which decision. */
export function why(d: ScalingDecision): string {
  const votes = `${d.scaleUpVotes}/${d.totalVotes} models predict an SLO violation${d.degraded ? ', degraded quorum' : ''}`;
  return `sockml ${d.decision} (${votes}${d.reason ? `; ${d.reason}` : ''}), decision ${d.decisionId}`;
}
