import type { ScalingPolicy } from './scaling-policy.js';
import { DEFAULT_HYBRID_POLICY, HybridPolicy, type HybridPolicyConfig } from './policies/hybrid.js';
import { DEFAULT_STEP_POLICY, StepPolicy, type StepPolicyConfig } from './policies/step.js';

export const POLICY_NAMES = ['step', 'hybrid'] as const;
export type PolicyName = (typeof POLICY_NAMES)[number];
/** What `--policy` means when it is not given. */
export const DEFAULT_POLICY_NAME: PolicyName = 'step';

/** Every policy's settings by name, as a command assembles them from its flags. */
export interface PolicySettings {
  step: StepPolicyConfig;
  hybrid: HybridPolicyConfig;
}

/** A named policy with its settings (the defaults for what `settings` leaves out). */
export function scalingPolicy(name: string, settings: Partial<PolicySettings[PolicyName]> = {}): ScalingPolicy<any> {
  switch (name) {
    case 'step':
      return new StepPolicy({ ...DEFAULT_STEP_POLICY, ...settings });
    case 'hybrid':
      return new HybridPolicy({ ...DEFAULT_HYBRID_POLICY, ...(settings as Partial<HybridPolicyConfig>) });
    default:
      throw new Error(`unknown scaling policy '${name}' (known: ${POLICY_NAMES.join(', ')})`);
  }
}
