import client from 'prom-client';
import { DECISIONS, parseIsoTime, type ActuationResult, type Actuator, type ScalingDecision, type TakenDecision } from '@sockml/core';

/**
 * A decision further from its poll than this is not a latency (a recording published with `sockml
 * publish` carries its recording's poll times; a skewed clock can put a poll in the future): it is
 * counted in sockml_scale_unmeasured_latency_total instead of the histogram, so nothing is dropped
 * silently and the histogram stays about the live path.
 */
export const MAX_MEASURED_LATENCY_S = 3600;

/** The scaler's metrics: decisions, actuation, dead letters, votes, poll→decision latency. */
export class ScaleMetrics {
  private readonly decisions: client.Counter<'decision'>;
  private readonly degraded: client.Counter;
  private readonly latency: client.Histogram;
  private readonly unmeasured: client.Counter;
  private readonly deadLetters: client.Counter;
  private readonly actuations: client.Counter<'actuator' | 'applied'>;
  private readonly failures: client.Counter<'actuator' | 'operation'>;

  constructor(
    registry: client.Registry,
    /** The vote aggregator's running totals (ScalingController.stats). */
    stats: () => { duplicates: number; late: number },
  ) {
    this.decisions = new client.Counter({ name: 'sockml_scale_decisions_total', help: 'Decisions published and applied, by kind', labelNames: ['decision'], registers: [registry] });
    for (const d of DECISIONS) this.decisions.inc({ decision: d }, 0); // every kind exported from the start: rate() sees the first one
    this.degraded = new client.Counter({ name: 'sockml_scale_degraded_decisions_total', help: 'Decisions taken at window close without every expected vote', registers: [registry] });
    this.latency = new client.Histogram({
      name: 'sockml_poll_to_decision_seconds',
      help: "End to end: from the poll's time (the snapshot timestamp collect stamps) to its decision being published and applied",
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120],
      registers: [registry],
    });
    this.unmeasured = new client.Counter({
      name: 'sockml_scale_unmeasured_latency_total',
      help: `Decisions whose poll time lies in the future or over ${MAX_MEASURED_LATENCY_S} s back (replayed recordings, clock skew): not in sockml_poll_to_decision_seconds`,
      registers: [registry],
    });
    this.deadLetters = new client.Counter({ name: 'sockml_scale_dead_letters_total', help: 'Malformed votes sent to model-votes.dlq', registers: [registry] });
    this.actuations = new client.Counter({ name: 'sockml_scale_actuations_total', help: 'Decisions handed to the actuator, by whether it changed the target', labelNames: ['actuator', 'applied'], registers: [registry] });
    this.failures = new client.Counter({
      name: 'sockml_scale_actuation_failures_total',
      help: 'Actuator calls that failed: applying a decision (retried with the next flush) or reading replicas',
      labelNames: ['actuator', 'operation'],
      registers: [registry],
    });
    // The aggregator keeps these totals itself; a counter that follows them, read at scrape time.
    const following = (name: string, help: string, read: () => number) => {
      let last = 0;
      return new client.Counter({
        name,
        help,
        registers: [registry],
        collect() {
          const now = read();
          if (now > last) this.inc(now - last);
          last = now;
        },
      });
    };
    following('sockml_scale_duplicate_votes_total', 'Votes seen twice for the same (service, snapshot, model): ignored', () => stats().duplicates);
    following('sockml_scale_late_votes_total', "Votes that came after their (service, snapshot)'s decision: ignored", () => stats().late);
  }

  /** Decisions that went out (published and applied), at `nowMs`. */
  decided(taken: readonly TakenDecision[], nowMs: number): void {
    for (const { decision } of taken) {
      this.decisions.inc({ decision: decision.decision });
      if (decision.degraded) this.degraded.inc();
      const pollMs = parseIsoTime(decision.timestamp);
      const seconds = (nowMs - pollMs) / 1000;
      if (Number.isFinite(seconds) && seconds >= 0 && seconds <= MAX_MEASURED_LATENCY_S) this.latency.observe(seconds);
      else this.unmeasured.inc();
    }
  }

  deadLettered(): void {
    this.deadLetters.inc();
  }

  /** `actuator`, counting what it does and every call that fails. */
  meter(actuator: Actuator): Actuator {
    const name = actuator.name;
    const failed = (operation: string) => (e: unknown) => {
      this.failures.inc({ actuator: name, operation });
      throw e;
    };
    const metered: Actuator = {
      name,
      apply: (d: ScalingDecision) =>
        actuator.apply(d).then((r: ActuationResult) => {
          this.actuations.inc({ actuator: name, applied: String(r.applied) });
          return r;
        }, failed('apply')),
      close: actuator.close?.bind(actuator),
    };
    if (actuator.currentReplicas) metered.currentReplicas = (s) => actuator.currentReplicas!(s).catch(failed('read'));
    if (actuator.setReplicas) metered.setReplicas = (s, n) => actuator.setReplicas!(s, n).catch(failed('set'));
    return metered;
  }
}
