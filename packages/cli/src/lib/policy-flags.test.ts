import { describe, expect, it } from 'vitest';
import { aloneWarning, policyFromFlags, policySpecFromFlags } from './policy-flags.js';

const flags = (policy: string, sets: string[] = []) => ({ policy, 'policy-set': sets, 'min-replicas': 1, 'max-replicas': 10 });

describe('aloneWarning: the default base target assumes an HPA under sockml', () => {
  it.each([
    { name: 'hybrid with its defaults (130 %)', spec: policySpecFromFlags(flags('hybrid')), warns: true },
    { name: 'hybrid with the settings chosen for sockml alone', spec: policySpecFromFlags(flags('hybrid', ['targetUtilizationPct=105', 'trendPolls=1', 'attributionMinUtilization=0'])), warns: false }, // ALONE_HYBRID_SETTINGS, written out
    { name: 'hybrid with a base target the user chose', spec: policySpecFromFlags(flags('hybrid', ['targetUtilizationPct=150'])), warns: false },
    { name: 'step, which reads no CPU', spec: policySpecFromFlags(flags('step')), warns: false },
  ])('$name', ({ spec, warns }) => {
    const w = aloneWarning(spec, '--hpa-floor 0');
    if (warns) expect(w).toMatch(/^--hpa-floor 0: sockml runs alone .*the default targetUtilizationPct=130.*docs\/POLICIES\.md, "sockml alone"/);
    else expect(w).toBeUndefined();
  });
});

describe('aloneWarning on a built policy (what scale holds): its settings, defaults included', () => {
  it.each([
    { sets: [], warns: true },
    { sets: ['targetUtilizationPct=105'], warns: false },
  ])('hybrid with $sets', ({ sets, warns }) => {
    const w = aloneWarning(policyFromFlags(flags('hybrid', sets)), '--actuator kubernetes');
    expect(w === undefined).toBe(!warns);
  });
});
