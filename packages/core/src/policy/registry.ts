import type { ScalingPolicy } from './scaling-policy.js';
import { DEFAULT_STEP_POLICY, StepPolicy, type StepPolicyConfig } from './policies/step.js';

export const POLICY_NAMES = ['step'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];
/** What `--policy` means when it is not given. */
export const DEFAULT_POLICY_NAME: PolicyName = 'step';

/** Every policy's settings by name, as a command assembles them from its flags. */
export interface PolicySettings {
  step: StepPolicyConfig;
}

/** A named policy with its settings (the defaults for what `settings` leaves out). */
export function scalingPolicy(name: string, settings: Partial<PolicySettings[PolicyName]> = {}): ScalingPolicy {
  switch (name) {
    case 'step':
      return new StepPolicy({ ...DEFAULT_STEP_POLICY, ...settings });
    default:
      throw new Error(`unknown scaling policy '${name}' (known: ${POLICY_NAMES.join(', ')})`);
  }
}
