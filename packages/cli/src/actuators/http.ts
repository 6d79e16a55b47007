import type { ActuationResult, Actuator, ScalingDecision } from '@sockml/core';

/**
 * POSTs `{service, replicas, decision_id}` to `<url>` (e.g. the local emulator's admin endpoint) for
 * SCALE UP and SCALE DOWN decisions. A non-2xx answer is an error naming the status and body.
 */
export class HttpActuator implements Actuator {
  readonly name = 'http';
  private readonly url: URL;

  constructor(
    url: string,
    private readonly timeoutMs = 5000,
  ) {
    try {
      this.url = new URL(url);
    } catch {
      throw new Error(`http actuator: --actuator-url must be an http(s) URL, got '${url}'`);
    }
    if (!/^https?:$/.test(this.url.protocol)) throw new Error(`http actuator: --actuator-url must be an http(s) URL, got '${url}'`);
  }

  /**
   * GET <url>: a JSON object of replicas by service (the emulator's /admin/replicas answers so). Anything
   * else — an error status, another shape, a missing or non-integer count — is "unknown" (null).
   */
  async currentReplicas(service: string): Promise<number | null> {
    const res = await fetch(this.url, { signal: AbortSignal.timeout(this.timeoutMs) });
    if (!res.ok) return null;
    const body = (await res.json().catch(() => null)) as Record<string, unknown> | null;
    const n = body && typeof body === 'object' ? body[service] : undefined;
    return typeof n === 'number' && Number.isInteger(n) && n >= 0 ? n : null;
  }

  async apply(d: ScalingDecision): Promise<ActuationResult> {
    if (d.decision === 'NO_ACTION') return { applied: false, detail: 'no action' };
    await this.post({ service: d.service, replicas: d.targetReplicas, decision_id: d.decisionId });
    return { applied: true, detail: `${d.service} → ${d.targetReplicas} replicas` };
  }

  /** POSTs `{service, replicas}` without a decision id. */
  async setReplicas(service: string, replicas: number): Promise<void> {
    await this.post({ service, replicas });
  }

  private async post(body: Record<string, unknown>): Promise<void> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(this.timeoutMs),
    });
    if (!res.ok) throw new Error(`http actuator: ${this.url} answered ${res.status}: ${(await res.text()).slice(0, 200)}`);
  }
}
