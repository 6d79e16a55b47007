/**
 * Validation of the emulator's `POST /admin/replicas` body, `{service, replicas[, decision_id]}` — what
 * sockml's http actuator sends. Strict on purpose: a controller bug (a negative, fractional or absurd
 * replica count, a misspelt service) must fail loudly with a 400 rather than scale the emulator to
 * something no cluster would run.
 */

/** The most replicas one emulated service may be given (a cluster's quota, in effect). */
export const MAX_EMULATED_REPLICAS = 50;

export type ReplicaRequest = { service: string; replicas: number; decisionId?: string };
export type ReplicaRequestResult = { ok: true; request: ReplicaRequest } | { ok: false; error: string };

export function parseReplicaRequest(body: string, services: readonly string[], maxReplicas = MAX_EMULATED_REPLICAS): ReplicaRequestResult {
  const fail = (error: string): ReplicaRequestResult => ({ ok: false, error });
  let v: unknown;
  try {
    v = JSON.parse(body);
  } catch {
    return fail('body is not JSON; send {"service": "<name>", "replicas": <n>}');
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return fail('body must be a JSON object {"service": "<name>", "replicas": <n>}');
  const o = v as Record<string, unknown>;
  if (typeof o.service !== 'string') return fail('service must be a string');
  if (!services.includes(o.service)) return fail(`unknown service '${o.service}' (one of ${services.join(', ')})`);
  if (typeof o.replicas !== 'number' || !Number.isFinite(o.replicas)) return fail(`replicas must be a number, got ${JSON.stringify(o.replicas ?? null)}`);
  if (!Number.isInteger(o.replicas)) return fail(`replicas must be a whole number, got ${o.replicas}`);
  if (o.replicas < 0) return fail(`replicas must be ≥ 0, got ${o.replicas}`);
  if (o.replicas > maxReplicas) return fail(`replicas must be ≤ ${maxReplicas}, got ${o.replicas}`);
  if (o.decision_id !== undefined && typeof o.decision_id !== 'string') return fail('decision_id must be a string when given');
  return { ok: true, request: { service: o.service, replicas: o.replicas, ...(o.decision_id !== undefined ? { decisionId: o.decision_id as string } : {}) } };
}
