import { describe, expect, it } from 'vitest';
import type { EnsembleVerdict } from '../../voting/vote-aggregator.js';
import type { ServiceScalingState } from '../scaling-policy.js';
import { DEFAULT_STEP_POLICY as DEFAULT_POLICY, StepPolicy } from './step.js';

const verdict = (scaleUp: boolean, score = scaleUp ? 1 : 0, degraded = false): EnsembleVerdict => ({
  snapshotId: 's',
  service: 'carts',
  timestamp: 't',
  strategy: 'majority',
  votes: [],
  scaleUp,
  score,
  scaleUpVotes: scaleUp ? 3 : 0,
  noActionVotes: scaleUp ? 0 : 3,
  totalVotes: 3,
  confidence: 0.9,
  degraded,
  missingModels: degraded ? ['lr'] : [],
});

/** Feeds verdicts 30 s apart; returns decision kinds and replicas after each. */
function run(policy: StepPolicy, verdicts: EnsembleVerdict[], start?: ServiceScalingState) {
  let state = start ?? policy.initialState();
  return verdicts.map((v, i) => {
    const r = policy.decide(v, i * 30_000, state);
    state = r.state;
    return `${r.decision.decision}:${state.replicas}`;
  });
}

describe('StepPolicy', () => {
  it('scales up on a predicted violation, then respects the 60 s cooldown', () => {
    const p = new StepPolicy(DEFAULT_POLICY);
    expect(run(p, [verdict(true), verdict(true), verdict(true), verdict(true)])).toEqual(['SCALE_UP:2', 'NO_ACTION:2', 'SCALE_UP:3', 'NO_ACTION:3']);
  });

  it('never exceeds maxReplicas', () => {
    const p = new StepPolicy({ ...DEFAULT_POLICY, maxReplicas: 2, scaleUpCooldownMs: 0 });
    expect(run(p, [verdict(true), verdict(true), verdict(true)])).toEqual(['SCALE_UP:2', 'NO_ACTION:2', 'NO_ACTION:2']);
  });

  it('scales down one step after enough calm polls and the scale-down cooldown, never below min', () => {
    const p = new StepPolicy({ ...DEFAULT_POLICY, scaleDownAfterCalmPolls: 3, scaleDownCooldownMs: 60_000 });
    const out = run(p, [verdict(false), verdict(false), verdict(false), verdict(false), verdict(false), verdict(false), verdict(false)], { replicas: 3, lastActionMs: null, calmStreak: 0 });
    expect(out).toEqual(['NO_ACTION:3', 'NO_ACTION:3', 'SCALE_DOWN:2', 'NO_ACTION:2', 'NO_ACTION:2', 'SCALE_DOWN:1', 'NO_ACTION:1']);
  });

  it('a verdict above calmScore breaks the calm streak', () => {
    const p = new StepPolicy({ ...DEFAULT_POLICY, scaleDownAfterCalmPolls: 2, scaleDownCooldownMs: 0, calmScore: 0.3 });
    const out = run(p, [verdict(false, 0.1), verdict(false, 0.4), verdict(false, 0.1), verdict(false, 0.2)], { replicas: 2, lastActionMs: null, calmStreak: 0 });
    expect(out).toEqual(['NO_ACTION:2', 'NO_ACTION:2', 'NO_ACTION:2', 'SCALE_DOWN:1']);
  });

  it('says why, and marks degraded decisions', () => {
    const p = new StepPolicy();
    const r = p.decide(verdict(true, 1, true), 0, p.initialState());
    expect(r.decision).toMatchObject({ decision: 'SCALE_UP', degraded: true, targetReplicas: 2, decisionId: 'carts@s' });
    expect(r.decision.reason).toMatch(/degraded: no vote from lr/);
  });

  // A target read to run outside [min, max] is brought to the nearer bound by its first decision: the
  // verdict's own move when it has one, otherwise a correction, cooldowns notwithstanding.
  it.each([
    { name: 'above max, calm: scaled down to the max at once', runs: 12, verdicts: [false, false], want: ['SCALE_DOWN:10', 'NO_ACTION:10'], why: /the target ran 12 replicas, above max 10: brought to 10/ },
    { name: 'above max, violation predicted: scaled down to the max, not up', runs: 12, verdicts: [true], want: ['SCALE_DOWN:10'], why: /above max 10: brought to 10; violation predicted, already at max 10/ },
    { name: 'below min, calm: scaled up to the min at once', runs: 0, verdicts: [false, false], want: ['SCALE_UP:2', 'NO_ACTION:2'], why: /the target ran 0 replicas, below min 2: brought to 2/ },
    { name: 'below min, violation predicted: the scale-up starts from the min', runs: 1, verdicts: [true], want: ['SCALE_UP:3'], why: /violation predicted .*; the target ran 1 replicas, below min 2/ },
    { name: 'within bounds: nothing to correct', runs: 10, verdicts: [false], want: ['NO_ACTION:10'], why: /^no violation predicted$/ },
  ])('a target read to run out of bounds: $name', ({ runs, verdicts, want, why }) => {
    const p = new StepPolicy({ ...DEFAULT_POLICY, minReplicas: 2, maxReplicas: 10 });
    const start = p.initialState(runs);
    expect(start.replicas).toBe(Math.min(10, Math.max(2, runs)));
    expect(run(p, verdicts.map((up) => verdict(up)), start)).toEqual(want);
    expect(p.decide(verdict(verdicts[0]), 0, start).decision.reason).toMatch(why);
  });

  it('a correction counts as a scaling action (cooldowns run from it) and is made only once', () => {
    const p = new StepPolicy({ ...DEFAULT_POLICY, maxReplicas: 10, scaleUpCooldownMs: 60_000 });
    // Mid-run, after earlier decisions, the target is read again at 14 (e.g. a retried read).
    const state = p.withReplicas({ replicas: 3, lastActionMs: -600_000, calmStreak: 4 }, 14);
    expect(state).toEqual({ replicas: 10, lastActionMs: -600_000, calmStreak: 4, outOfBounds: 14 });
    const first = p.decide(verdict(false), 0, state);
    expect([first.decision.decision, first.decision.targetReplicas, first.state]).toEqual(['SCALE_DOWN', 10, { replicas: 10, lastActionMs: 0, calmStreak: 0 }]);
    expect(p.withReplicas(first.state, 7)).toEqual({ replicas: 7, lastActionMs: 0, calmStreak: 0 });
  });

  it.each([
    [{ maxReplicas: 0 }, /'maxReplicas' must be a whole number ≥ 1/],
    [{ minReplicas: 5, maxReplicas: 2 }, /maxReplicas \(2\) is below minReplicas \(5\)/],
    [{ stepUp: 0 }, /'stepUp'/],
    [{ scaleUpCooldownMs: -1 }, /'scaleUpCooldownMs' must be ≥ 0/],
    [{ calmScore: 2 }, /'calmScore' must be in \[0, 1\]/],
  ])('rejects %j', (over, message) => {
    expect(() => new StepPolicy({ ...DEFAULT_POLICY, ...over })).toThrow(message);
  });
});
