/**
 * The order of an experiment's runs. Conditions are counterbalanced across repetitions: repetition 0
 * runs them in the given order, repetition 1 in reverse, and so on (ABBA… for two conditions: P R R P).
 *
 * Why not P R P R: anything that drifts over the session (a warming cache, a neighbour's CI job on the
 * same machine, a slowly growing backlog) then always favours whichever condition runs second in every
 * pair. With ABBA each condition holds each position equally often, so a linear drift cancels out of the
 * per-condition means over every two repetitions. Run ids count per condition from 1, as in the seed
 * files (`<condition>_<pattern>_run01.jsonl`).
 */
export interface ScheduledRun {
  /** Position in the whole experiment, from 0. */
  index: number;
  repetition: number;
  condition: string;
  /** 1-based, per condition. */
  runId: number;
}

export function interleaveConditions<C extends string>(conditions: readonly C[], repeat: number): (ScheduledRun & { condition: C })[] {
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`repeat must be a whole number ≥ 1, got ${repeat}`);
  if (conditions.length === 0) throw new Error('name at least one condition');
  if (new Set(conditions).size !== conditions.length) throw new Error(`conditions must be distinct, got ${conditions.join(', ')}`);
  const out: (ScheduledRun & { condition: C })[] = [];
  const counts = new Map<C, number>();
  for (let rep = 0; rep < repeat; rep++) {
    const order = rep % 2 === 0 ? conditions : [...conditions].reverse();
    for (const condition of order) {
      const runId = (counts.get(condition) ?? 0) + 1;
      counts.set(condition, runId);
      out.push({ index: out.length, repetition: rep, condition, runId });
    }
  }
  return out;
}

/** The seed files' name for one run: `<condition>_<pattern>_run<id, two digits at least>.jsonl`. */
export function runFileName(condition: string, pattern: string, runId: number, o: { partial?: boolean } = {}): string {
  // An interrupted run is kept, under a name the analysis skips (classifyExperimentFile) and says why.
  return `${condition}_${pattern}_run${String(runId).padStart(2, '0')}${o.partial ? '.partial' : ''}.jsonl`;
}
