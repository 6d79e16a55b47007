import type { ScalingDecision } from '../schema.js';
import type { ActuationResult, Actuator } from './actuator.js';

/**
 * Applies each decision id at most once: Kafka delivers at least once, and a redelivered decision
 * (after a rebalance or a broker restart) must never scale twice. Remembers the last `remember` ids.
 */
export class IdempotentActuator implements Actuator {
  private readonly seen = new Set<string>();
  private readonly order: (string | undefined)[];
  private next = 0;
  duplicates = 0;

  constructor(
    readonly inner: Actuator,
    readonly remember = 100_000,
  ) {
    if (!Number.isInteger(remember) || remember < 1) throw new Error(`IdempotentActuator: remember must be a whole number ≥ 1, got ${remember}`);
    this.order = new Array(remember);
  }

  get name() {
    return this.inner.name;
  }

  async apply(decision: ScalingDecision): Promise<ActuationResult> {
    if (this.seen.has(decision.decisionId)) {
      this.duplicates++;
      return { applied: false, detail: `decision ${decision.decisionId} was already applied` };
    }
    const result = await this.inner.apply(decision);
    const oldest = this.order[this.next];
    if (oldest !== undefined) this.seen.delete(oldest);
    this.order[this.next] = decision.decisionId;
    this.next = (this.next + 1) % this.remember;
    this.seen.add(decision.decisionId);
    return result;
  }

  currentReplicas(service: string): Promise<number | null> {
    return this.inner.currentReplicas ? this.inner.currentReplicas(service) : Promise.resolve(null);
  }

  async close() {
    await this.inner.close?.();
  }
}
