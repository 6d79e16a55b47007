import { parseDuration } from '../collect/duration.js';
import { DEFAULT_HYBRID_POLICY, HybridPolicy, type HybridPolicyConfig } from './policies/hybrid.js';
import { DEFAULT_STEP_POLICY, StepPolicy, type StepPolicyConfig } from './policies/step.js';
import type { ScalingPolicy } from './scaling-policy.js';

export const POLICY_NAMES = ['step', 'hybrid'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];
/** What `--policy` means when it is not given. */
export const DEFAULT_POLICY_NAME: PolicyName = 'hybrid';

/** Every policy's settings by name. */
export interface PolicySettings {
  step: StepPolicyConfig;
  hybrid: HybridPolicyConfig;
}

/** How a setting is written on the command line (`--policy-set key=value`) and in a config file. */
export type PolicyParameterKind = 'integer' | 'number' | 'duration';

export interface PolicyParameter {
  key: string;
  kind: PolicyParameterKind;
  description: string;
}

const BOUNDS: PolicyParameter[] = [
  { key: 'minReplicas', kind: 'integer', description: 'fewest replicas per service' },
  { key: 'maxReplicas', kind: 'integer', description: 'most replicas per service' },
];

/** The settings each policy takes: the keys `--policy-set` accepts, with their defaults in DEFAULTS. */
export const POLICY_PARAMETERS: Record<PolicyName, readonly PolicyParameter[]> = {
  step: [
    ...BOUNDS,
    { key: 'stepUp', kind: 'integer', description: 'replicas added by one scale-up' },
    { key: 'stepDown', kind: 'integer', description: 'replicas removed by one scale-down' },
    { key: 'scaleUpCooldownMs', kind: 'duration', description: 'no scale-up within this long of the last scaling action' },
    { key: 'scaleDownCooldownMs', kind: 'duration', description: 'no scale-down within this long of the last scaling action' },
    { key: 'scaleDownAfterCalmPolls', kind: 'integer', description: 'scale down after this many calm verdicts in a row' },
    { key: 'calmScore', kind: 'number', description: 'a verdict is calm when it does not scale up and its score is at most this' },
  ],
  hybrid: [
    ...BOUNDS,
    { key: 'cpuRequestCores', kind: 'number', description: "one replica's CPU request, cores" },
    { key: 'targetUtilizationPct', kind: 'number', description: 'target CPU utilisation, % of the request, when no violation is predicted' },
    { key: 'alertTargetPct', kind: 'number', description: 'target CPU utilisation when a violation is predicted' },
    { key: 'alertMaxExtra', kind: 'integer', description: 'a predicted violation adds at most this many replicas' },
    { key: 'alertOverTargetPct', kind: 'number', description: "the alert's extra is added to the count for this CPU target if larger than the base's (0: the base; over an HPA floor, the floor's target)" },
    { key: 'alertExtraPerReplica', kind: 'number', description: "an alert's extra is at least ceil(this × the service's replicas) (0: off, alertMaxExtra alone), capped by alertTargetPct's count" },
    { key: 'tolerance', kind: 'number', description: 'no change while usage is within this share of the target' },
    { key: 'leadMs', kind: 'duration', description: 'how far ahead the request rate is extrapolated' },
    { key: 'maxGrowth', kind: 'number', description: 'the rate forecast is at most this many times the measured rate' },
    { key: 'trendPolls', kind: 'integer', description: 'extrapolate the rate only after this many rising polls in a row (1: any rise)' },
    { key: 'scaleDownWindowMs', kind: 'duration', description: 'scale down to the highest recommendation of this window' },
    { key: 'alertMinUsage', kind: 'number', description: 'a predicted violation counts only at this share of the target or above' },
    { key: 'sloMs', kind: 'number', description: 'the p95 SLO, ms' },
    { key: 'tailP99OverSlo', kind: 'number', description: 'p99 above this × SLO with p95 under half of it counts as an alert (0: off)' },
    { key: 'alertHoldMs', kind: 'duration', description: "an alert's extra replicas are kept this long after its last poll" },
    { key: 'calmPolls', kind: 'integer', description: 'after this many calm verdicts in a row (0: never) scale down on calmWindowMs' },
    { key: 'calmWindowMs', kind: 'duration', description: 'the scale-down window while the models are calm' },
    { key: 'alertMinRise', kind: 'number', description: 'a predicted violation counts only while rate or p95 rose by more than this share (−1: always)' },
    { key: 'attributionMinUtilization', kind: 'number', description: "when the front-end's p95 is over the SLO, alert its busiest callee if at least this utilised (0: off)" },
    { key: 'midTierAttributionMinUtilization', kind: 'number', description: "the same when orders' p95 is over the SLO: alert its busiest callee (carts, user, payment, shipping) if at least this utilised (0: off)" },
    { key: 'midTierMinReplicas', kind: 'integer', description: 'fewest replicas of orders, the service between the front-end and the leaves (0: minReplicas)' },
  ],
};

export const POLICY_DEFAULTS: { readonly [N in PolicyName]: PolicySettings[N] } = { step: DEFAULT_STEP_POLICY, hybrid: DEFAULT_HYBRID_POLICY };

export const isPolicyName = (name: string): name is PolicyName => (POLICY_NAMES as readonly string[]).includes(name);

/** A named policy with its settings (the defaults for what `settings` leaves out); bad settings throw, naming the key. */
export function scalingPolicy(name: string, settings: Readonly<Record<string, unknown>> = {}): ScalingPolicy<any> {
  if (!isPolicyName(name)) throw new Error(`unknown scaling policy '${name}' (known: ${POLICY_NAMES.join(', ')})`);
  const known = new Set(POLICY_PARAMETERS[name].map((p) => p.key));
  const unknown = Object.keys(settings).filter((k) => !known.has(k));
  if (unknown.length > 0) throw new Error(`scaling policy ${name} has no setting ${unknown.map((k) => `'${k}'`).join(', ')} (it takes ${[...known].join(', ')})`);
  switch (name) {
    case 'step':
      return new StepPolicy({ ...DEFAULT_STEP_POLICY, ...(settings as Partial<StepPolicyConfig>) });
    case 'hybrid':
      return new HybridPolicy({ ...DEFAULT_HYBRID_POLICY, ...(settings as Partial<HybridPolicyConfig>) });
  }
}

/**
 * Reads `key=value` settings of a policy as the command line writes them: integers, numbers, and
 * durations (`90s`, `1m`, or plain milliseconds). Throws naming the bad setting.
 */
export function parsePolicySettings(name: string, pairs: readonly string[]): Record<string, number> {
  if (!isPolicyName(name)) throw new Error(`unknown scaling policy '${name}' (known: ${POLICY_NAMES.join(', ')})`);
  const out: Record<string, number> = {};
  for (const pair of pairs) {
    const m = /^([A-Za-z][A-Za-z0-9]*)=(.+)$/.exec(pair.trim());
    if (!m) throw new Error(`'${pair}' is not key=value`);
    const spec = POLICY_PARAMETERS[name].find((p) => p.key === m[1]);
    if (!spec) throw new Error(`scaling policy ${name} has no setting '${m[1]}' (it takes ${POLICY_PARAMETERS[name].map((p) => p.key).join(', ')})`);
    let value: number;
    if (spec.kind === 'duration') value = /^\d+(\.\d+)?$/.test(m[2]) ? Number(m[2]) : parseDuration(m[2]);
    else {
      value = Number(m[2]);
      if (!Number.isFinite(value) || (spec.kind === 'integer' && !Number.isInteger(value))) throw new Error(`${m[1]}: '${m[2]}' is not ${spec.kind === 'integer' ? 'a whole number' : 'a number'}`);
    }
    out[m[1]] = value;
  }
  return out;
}
