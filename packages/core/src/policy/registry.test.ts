import { describe, expect, it } from 'vitest';
import { POLICY_DEFAULTS, POLICY_NAMES, POLICY_PARAMETERS, scalingPolicy } from './registry.js';

describe('a policy reports every setting it runs with', () => {
  it.each(POLICY_NAMES.map((name) => ({ name })))('$name: the defaults, a key of POLICY_PARAMETERS each', ({ name }) => {
    const policy = scalingPolicy(name);
    expect(policy.settings).toEqual(POLICY_DEFAULTS[name]);
    expect(Object.keys(policy.settings).sort()).toEqual(POLICY_PARAMETERS[name].map((p) => p.key).sort());
  });

  it.each([
    { name: 'step', set: { stepUp: 3, maxReplicas: 7 } },
    { name: 'hybrid', set: { targetUtilizationPct: 105, minReplicas: 2 } },
  ])('$name: what was set, over the defaults', ({ name, set }) => {
    const policy = scalingPolicy(name, set);
    expect(policy.settings).toEqual({ ...POLICY_DEFAULTS[name as keyof typeof POLICY_DEFAULTS], ...set });
    expect(policy.bounds).toMatchObject({ minReplicas: policy.settings.minReplicas, maxReplicas: policy.settings.maxReplicas });
  });
});
