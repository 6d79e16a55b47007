import type { EnsembleVerdict } from '../voting/vote-aggregator.js';
import type { PolicyObservation } from './scaling-policy.js';

/** The service users call in Sock Shop, whose p95 includes every downstream call's. */
export const ENTRY_SERVICE = 'front-end';

/** One service's part of a poll, as a policy sees it before deciding. */
export interface PollEntry {
  verdict: EnsembleVerdict;
  observation?: PolicyObservation;
  /** The replicas the policy counts with for this service (its state's). */
  replicas: number;
}

export interface CalleeAttributionConfig {
  /** The service users call (Sock Shop: front-end); its latency includes every downstream call's. */
  entryService: string;
  /** The p95 SLO, ms: the entry service over it is what gets attributed. */
  sloMs: number;
  /** One replica's CPU request, cores: a callee's utilisation is its CPU over replicas × request. */
  cpuRequestCores: number;
  /** The busiest callee is blamed only at this utilisation or above (share of its request; 0: off). */
  minUtilization: number;
}

/** What an attributed verdict carries, for the decision's reason. */
export interface Attribution {
  from: string;
  entryP95Ms: number;
  utilization: number;
}

export type AttributedVerdict = EnsembleVerdict & { attributedFrom?: Attribution };

/**
 * Why: the entry service's p95 contains its calls' latency, so when it is over the SLO the replicas that
 * help are often not its own. In the lab, with the HPA at 70 % scaling every service by CPU, front-end
 * violations went on at 8 front-end replicas and 72 % CPU while its busiest callee (catalogue, two replicas
 * at 69 %) sat just under the HPA's target; one more catalogue replica ended them
 * (experiments/2026-12-06-attribution). So: when the entry service measures a p95 over the SLO at a poll,
 * the busiest of the other services (CPU over replicas × request), if at least `minUtilization`, is treated
 * as alerted at that poll: its policy sees a scale-up verdict. Only the policy's input changes; the
 * ensemble's own verdicts (and their accuracy) are untouched.
 *
 * It needs the whole poll at once: `replay` and `lab` have it; the live scaler (ScalingController) holds
 * each poll's verdicts in a PollBuffer until the poll is whole.
 */
export function attributeToBusiestCallee(poll: readonly PollEntry[], c: CalleeAttributionConfig): AttributedVerdict[] {
  const verdicts: AttributedVerdict[] = poll.map((e) => e.verdict);
  if (!(c.minUtilization > 0)) return verdicts;
  const entry = poll.find((e) => e.verdict.service === c.entryService);
  const entryP95 = entry?.observation?.p95LatencyMs ?? null;
  if (entryP95 === null || !(entryP95 > c.sloMs)) return verdicts;
  let busiest = -1;
  let highest = -Infinity;
  poll.forEach((e, i) => {
    const cpu = e.observation?.cpuUsagePct ?? null;
    if (e.verdict.service === c.entryService || cpu === null || e.replicas <= 0) return;
    // cpuUsagePct is % of one core; the request is in cores.
    const utilization = cpu / 100 / (e.replicas * c.cpuRequestCores);
    // Ties go to the first service by name, so the choice does not depend on the order the poll came in
    // (a CSV's row order in replay, the order verdicts complete live).
    if (utilization > highest || (utilization === highest && e.verdict.service < poll[busiest].verdict.service)) {
      highest = utilization;
      busiest = i;
    }
  });
  if (busiest < 0 || highest < c.minUtilization) return verdicts;
  verdicts[busiest] = { ...verdicts[busiest], scaleUp: true, attributedFrom: { from: c.entryService, entryP95Ms: entryP95, utilization: highest } };
  return verdicts;
}
