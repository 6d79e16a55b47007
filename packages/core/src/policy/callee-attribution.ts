import type { EnsembleVerdict } from '../voting/vote-aggregator.js';
import type { PolicyObservation } from './scaling-policy.js';

/** The service users call in Sock Shop, whose p95 includes every downstream call's. */
export const ENTRY_SERVICE = 'front-end';

/**
 * Who calls whom in Sock Shop (each service's direct callees), as the real front-end and orders service do
 * and as the emulator routes requests (sim/topology.ts; a test in sim/emulator.test.ts keeps the two equal). A caller's p95
 * includes its callees' latency, so it is the map the attribution blames along.
 */
export const SOCK_SHOP_CALL_GRAPH: Readonly<Record<string, readonly string[]>> = {
  'front-end': ['carts', 'catalogue', 'orders', 'user'],
  orders: ['carts', 'payment', 'shipping', 'user'],
};

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
  /**
   * The same rule for the services between the entry and the leaves (Sock Shop: orders): one over the SLO
   * blames its busiest callee in `callGraph` (directly or further down) at this utilisation or above (0 or
   * absent: off). The entry service blames any other service of the poll, as every one is its callee.
   */
  midTierMinUtilization?: number;
  /** Each caller's direct callees (SOCK_SHOP_CALL_GRAPH); needed by the mid-tier rule only. */
  callGraph?: Readonly<Record<string, readonly string[]>>;
}

/** What an attributed verdict carries, for the decision's reason. */
export interface Attribution {
  from: string;
  fromP95Ms: number;
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
 * A mid-tier caller is the same story one level down: after a step, orders stayed over the SLO at three
 * replicas while carts, which it calls, ran two at 88 % (under the 82 % HPA floor's tolerance); the HPA at
 * 70 % had added a carts replica and its orders recovered (experiments/2026-12-07-mid-tier-attribution).
 * With `midTierMinUtilization` such a caller blames its busiest callee in the call graph.
 *
 * It needs the whole poll at once: `replay` and `lab` have it; the live scaler (ScalingController) holds
 * each poll's verdicts in a PollBuffer until the poll is whole.
 */
export function attributeToBusiestCallee(poll: readonly PollEntry[], c: CalleeAttributionConfig): AttributedVerdict[] {
  const verdicts: AttributedVerdict[] = poll.map((e) => e.verdict);
  const utilization = (e: PollEntry): number | null => {
    const cpu = e.observation?.cpuUsagePct ?? null;
    // cpuUsagePct is % of one core; the request is in cores.
    return cpu === null || e.replicas <= 0 ? null : cpu / 100 / (e.replicas * c.cpuRequestCores);
  };
  /** `caller`, if measured over the SLO, blames the busiest of the poll's services `isCallee` admits. */
  const blame = (caller: string, isCallee: (service: string) => boolean, minUtilization: number) => {
    if (!(minUtilization > 0)) return;
    const p95 = poll.find((e) => e.verdict.service === caller)?.observation?.p95LatencyMs ?? null;
    if (p95 === null || !(p95 > c.sloMs)) return;
    let busiest = -1;
    let highest = -Infinity;
    poll.forEach((e, i) => {
      const u = e.verdict.service === caller || !isCallee(e.verdict.service) ? null : utilization(e);
      if (u === null) return;
      // Ties go to the first service by name, so the choice does not depend on the order the poll came in
      // (a CSV's row order in replay, the order verdicts complete live).
      if (u > highest || (u === highest && e.verdict.service < poll[busiest].verdict.service)) {
        highest = u;
        busiest = i;
      }
    });
    if (busiest < 0 || highest < minUtilization || verdicts[busiest].attributedFrom) return;
    verdicts[busiest] = { ...verdicts[busiest], scaleUp: true, attributedFrom: { from: caller, fromP95Ms: p95, utilization: highest } };
  };
  blame(c.entryService, () => true, c.minUtilization);
  const graph = c.callGraph ?? {};
  for (const caller of Object.keys(graph).sort()) {
    if (caller === c.entryService) continue;
    // The closure is walked only at a poll where the caller is over the SLO (blame asks isCallee after the
    // p95 check), not at every poll replay and the live scaler decide.
    let below: Set<string> | undefined;
    blame(caller, (s) => (below ??= calleesOf(graph, caller)).has(s), c.midTierMinUtilization ?? 0);
  }
  return verdicts;
}

/** Every service `caller` reaches in `graph`, directly or through others (itself excluded). */
export function calleesOf(graph: Readonly<Record<string, readonly string[]>>, caller: string): Set<string> {
  const seen = new Set<string>();
  const walk = (s: string) => {
    for (const callee of graph[s] ?? []) {
      if (callee === caller || seen.has(callee)) continue;
      seen.add(callee);
      walk(callee);
    }
  };
  walk(caller);
  return seen;
}
