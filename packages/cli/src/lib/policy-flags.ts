/**
 * The scaling policy's flags, defined once for every command that decides (`replay`, `scale`, `lab`,
 * `experiment run`): the same names, defaults and validation, so an offline replay can be given exactly
 * the policy a live scaler ran with (e.g. the compressed cooldowns of `experiment run --time-scale`).
 *
 * `--policy NAME` picks a policy from the core registry; `--policy-set key=value` (repeatable) sets any of
 * its settings (POLICY_PARAMETERS); `--min-replicas`/`--max-replicas` are every policy's bounds. The step
 * policy's older flags (`--scale-up-cooldown`, `--scale-down-cooldown`, `--scale-down-after`) still work,
 * for step only.
 */
import { Flags } from '@oclif/core';
import { ALONE_HYBRID_SETTINGS, DEFAULT_HPA_FLOOR_PCT_BY_SERVICE, DEFAULT_HYBRID_POLICY, DEFAULT_POLICY_NAME, DEFAULT_STEP_POLICY, parsePolicySettings, POLICY_DEFAULTS, POLICY_NAMES, POLICY_PARAMETERS, scalingPolicy, type ScalingPolicy } from '@sockml/core';
import { InputError } from './base-command.js';
import { durationFlag } from './flags.js';

const settingsHelp = POLICY_NAMES.map((n) => `${n}: ${POLICY_PARAMETERS[n].filter((p) => !p.key.endsWith('Replicas')).map((p) => p.key).join(', ')}`).join('; ');

export const policyFlags = {
  policy: Flags.string({ description: 'how verdicts become replicas (see docs/POLICIES.md)', options: [...POLICY_NAMES], default: DEFAULT_POLICY_NAME }),
  'policy-set': Flags.string({ description: `a setting of --policy, key=value (repeatable; durations as 90s or ms). ${settingsHelp}`, multiple: true }),
  'min-replicas': Flags.integer({ description: 'policy: fewest replicas per service (hybrid: at least 1)', default: DEFAULT_STEP_POLICY.minReplicas, min: 0 }),
  'max-replicas': Flags.integer({ description: 'policy: most replicas per service', default: DEFAULT_STEP_POLICY.maxReplicas, min: 1 }),
  'scale-up-cooldown': Flags.string({ description: `step policy: no scale-up within this long of the last scaling action (snapshot time) [default: ${DEFAULT_STEP_POLICY.scaleUpCooldownMs / 1000}s]` }),
  'scale-down-cooldown': Flags.string({ description: `step policy: no scale-down within this long of the last scaling action (snapshot time) [default: ${DEFAULT_STEP_POLICY.scaleDownCooldownMs / 1000}s]` }),
  'scale-down-after': Flags.integer({ description: `step policy: scale down only after this many calm snapshots in a row [default: ${DEFAULT_STEP_POLICY.scaleDownAfterCalmPolls}]`, min: 1 }),
};

export interface PolicyFlagValues {
  policy: string;
  'policy-set'?: string[];
  'min-replicas': number;
  'max-replicas': number;
  'scale-up-cooldown'?: string;
  'scale-down-cooldown'?: string;
  'scale-down-after'?: number;
}

/** The policy's name and complete settings, as the flags give them (what a child process or a worker is handed). */
/**
 * `context` fills settings the command knows better than the policy's defaults (the --slo of replay, lab
 * and experiment run) when `--policy-set` does not set them and the policy takes them.
 */
export function policySpecFromFlags(flags: PolicyFlagValues, context: { sloMs?: number } = {}): { name: string; settings: Record<string, number> } {
  const name = flags.policy;
  const stepOnly = (['scale-up-cooldown', 'scale-down-cooldown', 'scale-down-after'] as const).filter((f) => flags[f] !== undefined);
  if (name !== 'step' && stepOnly.length > 0) throw new InputError(`--${stepOnly[0]} is a setting of the step policy, not of '${name}' (use --policy-set)`);
  let settings: Record<string, number>;
  try {
    settings = parsePolicySettings(name, flags['policy-set'] ?? []);
  } catch (e) {
    throw new InputError(`--policy-set: ${(e as Error).message}`);
  }
  if (context.sloMs !== undefined && POLICY_PARAMETERS[name as keyof typeof POLICY_PARAMETERS].some((p) => p.key === 'sloMs')) settings.sloMs ??= context.sloMs;
  settings.minReplicas ??= flags['min-replicas'];
  settings.maxReplicas ??= flags['max-replicas'];
  if (flags['scale-up-cooldown'] !== undefined) settings.scaleUpCooldownMs = durationFlag('scale-up-cooldown', flags['scale-up-cooldown']);
  if (flags['scale-down-cooldown'] !== undefined) settings.scaleDownCooldownMs = durationFlag('scale-down-cooldown', flags['scale-down-cooldown']);
  if (flags['scale-down-after'] !== undefined) settings.scaleDownAfterCalmPolls = flags['scale-down-after'];
  const complete = { ...(POLICY_DEFAULTS[name as keyof typeof POLICY_DEFAULTS] as object), ...settings } as Record<string, number>;
  policyFrom(name, complete);
  return { name, settings: complete };
}

export function policyFromFlags(flags: PolicyFlagValues, context: { sloMs?: number } = {}): ScalingPolicy<any> {
  const { name, settings } = policySpecFromFlags(flags, context);
  return policyFrom(name, settings);
}

/** `scale`-style flags that give a child process exactly this policy. */
export function policyArgs(spec: { name: string; settings: Record<string, number> }): string[] {
  return ['--policy', spec.name, ...Object.entries(spec.settings).flatMap(([k, v]) => ['--policy-set', `${k}=${v}`])];
}

/** The policy with its durations divided by the time scale (`experiment run --time-scale`). */
export function compressPolicy(spec: { name: string; settings: Record<string, number> }, timeScale: number): { name: string; settings: Record<string, number> } {
  const durations = new Set((POLICY_PARAMETERS[spec.name as keyof typeof POLICY_PARAMETERS] ?? []).filter((p) => p.kind === 'duration').map((p) => p.key));
  return { name: spec.name, settings: Object.fromEntries(Object.entries(spec.settings).map(([k, v]) => [k, durations.has(k) ? v / timeScale : v])) };
}

/** The shared and per-service policies with their durations divided by the time scale (experiment run's scaler, lab --time-scale). */
export function compressSpecs<S extends { name: string; settings: Record<string, number> }>(
  specs: { shared: S; perService: Record<string, S> },
  timeScale: number,
): { shared: { name: string; settings: Record<string, number> }; perService: Record<string, { name: string; settings: Record<string, number> }> } {
  return { shared: compressPolicy(specs.shared, timeScale), perService: Object.fromEntries(Object.entries(specs.perService).map(([s, spec]) => [s, compressPolicy(spec, timeScale)])) };
}

function policyFrom(name: string, settings: Record<string, number>): ScalingPolicy<any> {
  try {
    return scalingPolicy(name, settings);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
}

/** The default floor's per-service targets in words ("catalogue at 50 %, carts at 70 %"), for help texts. */
export const floorExceptions = (): string =>
  Object.entries(DEFAULT_HPA_FLOOR_PCT_BY_SERVICE)
    .map(([s, t]) => `${s} at ${t} %`)
    .join(', ');

/** ALONE_HYBRID_SETTINGS as `--policy-set` flags, for help texts and messages. */
export const ALONE_POLICY_FLAGS = Object.entries(ALONE_HYBRID_SETTINGS).map(([k, v]) => `--policy-set ${k}=${v}`).join(' ');

/**
 * A warning when sockml runs alone (no HPA under it) with the hybrid policy's default base target: the
 * defaults were chosen with an HPA at 92 % keeping the CPU headroom, and alone no one does. A target the
 * user set is the user's choice.
 */
export function aloneWarning(spec: { name: string; settings: Readonly<Record<string, number>> }, where: string): string | undefined {
  if (spec.name !== 'hybrid' || spec.settings.targetUtilizationPct !== DEFAULT_HYBRID_POLICY.targetUtilizationPct) return undefined;
  return (
    `${where}: sockml runs alone (no HPA under it) with the default targetUtilizationPct=${spec.settings.targetUtilizationPct}, a base target chosen for running over an HPA; ` +
    `for sockml alone set ${ALONE_POLICY_FLAGS} (docs/POLICIES.md, "sockml alone")`
  );
}
