/**
 * The ScalingPolicy's flags, defined once for every command that decides (`replay`, `scale`): the same
 * names, defaults and validation, so an offline replay can be given exactly the policy a live scaler ran
 * with (e.g. the compressed cooldowns of `experiment run --time-scale`).
 */
import { Flags } from '@oclif/core';
import { DEFAULT_STEP_POLICY, StepPolicy, type ScalingPolicy } from '@sockml/core';
import { InputError } from './base-command.js';
import { durationFlag } from './flags.js';

export const policyFlags = {
  'min-replicas': Flags.integer({ description: 'policy: fewest replicas per service', default: DEFAULT_STEP_POLICY.minReplicas, min: 0 }),
  'max-replicas': Flags.integer({ description: 'policy: most replicas per service', default: DEFAULT_STEP_POLICY.maxReplicas, min: 1 }),
  'scale-up-cooldown': Flags.string({ description: 'policy: no scale-up within this long of the last scaling action (snapshot time)', default: `${DEFAULT_STEP_POLICY.scaleUpCooldownMs / 1000}s` }),
  'scale-down-cooldown': Flags.string({ description: 'policy: no scale-down within this long of the last scaling action (snapshot time)', default: `${DEFAULT_STEP_POLICY.scaleDownCooldownMs / 1000}s` }),
  'scale-down-after': Flags.integer({ description: 'policy: scale down only after this many calm snapshots in a row', default: DEFAULT_STEP_POLICY.scaleDownAfterCalmPolls, min: 1 }),
};

export interface PolicyFlagValues {
  'min-replicas': number;
  'max-replicas': number;
  'scale-up-cooldown': string;
  'scale-down-cooldown': string;
  'scale-down-after': number;
}

export function policyFromFlags(flags: PolicyFlagValues): ScalingPolicy {
  const config = {
    ...DEFAULT_STEP_POLICY,
    minReplicas: flags['min-replicas'],
    maxReplicas: flags['max-replicas'],
    scaleUpCooldownMs: durationFlag('scale-up-cooldown', flags['scale-up-cooldown']),
    scaleDownCooldownMs: durationFlag('scale-down-cooldown', flags['scale-down-cooldown']),
    scaleDownAfterCalmPolls: flags['scale-down-after'],
  };
  try {
    return new StepPolicy(config);
  } catch (e) {
    throw new InputError((e as Error).message);
  }
}
