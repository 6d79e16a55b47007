import Table from 'cli-table3';
import {
  CONDITION_PAIRS,
  CONDITIONS,
  pairKey,
  type BootstrapInterval,
  type Comparison,
  type Condition,
  type ConditionSummary,
  type ExperimentAnalysis,
  type GroupMetrics,
  type MannWhitneyResult,
  type PairComparison,
  type SignificanceTests,
} from '@sockml/core';
import { chalk } from '../lib/report.js';
import type { ExperimentFiles } from './files.js';

/** Fractions become percent at the edge (JSON and tables); core keeps fractions. */
const toPct = (v: number | null | undefined) => (v === null || v === undefined ? null : v * 100);
const pct = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : (v * 100).toFixed(1));
const ms = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : v.toFixed(1));
const pval = (r: MannWhitneyResult | null) => (r === null ? 'n/a' : `${r.p < 0.001 ? r.p.toExponential(1) : r.p.toFixed(3)} (${r.n1} vs ${r.n2})`);
const int = (v: number) => Math.round(v).toLocaleString('en');

const table = (head: string[]) => new Table({ head, style: { head: chalk.level ? ['cyan'] : [], border: chalk.level ? ['grey'] : [] } });

/** Δ and its interval in percentage points, a − b (proactive − reactive for a Comparison). */
export function describeDifference(c: { bootstrap: BootstrapInterval | null }): string {
  const b = c.bootstrap;
  if (!b) return 'n/a';
  const pp = (v: number) => `${v >= 0 ? '+' : ''}${(v * 100).toFixed(1)}`;
  return `${pp(b.estimate)} pp [${pp(b.low)}, ${pp(b.high)}]`;
}

/** The conditions with runs in the analysis, in CONDITIONS order: tables and charts show only these. */
export const presentConditions = (a: ExperimentAnalysis): Condition[] => CONDITIONS.filter((c) => a.global.conditions[c] !== null);

/** The pairs against static (proactive vs static, reactive vs static). */
export const STATIC_PAIRS = CONDITION_PAIRS.filter(([, b]) => b === 'static').map(([x, y]) => pairKey(x, y));

export function renderAnalysis(a: ExperimentAnalysis, files: ExperimentFiles): string {
  const lines: string[] = [];
  const present = presentConditions(a);
  lines.push(
    chalk.bold(`sockml experiment analyze — ${files.used.length} file${files.used.length === 1 ? '' : 's'}, ${a.counts.runs} runs, ${a.counts.cells} (run, service) cells, ${a.counts.snapshots} polls, SLO p95 > ${a.sloMs} ms`),
  );
  if (files.skipped.length) lines.push(chalk.dim(`skipped: ${files.skipped.map((s) => `${s.file} (${s.reason})`).join('; ')}`));
  if (a.counts.settleDropped) lines.push(chalk.dim(`dropped ${a.counts.settleDropped} 'settle' polls (after the load ended)`));
  for (const w of a.durationWarnings) lines.push(chalk.yellow(`replica-seconds: ${w.condition} ${w.pattern} run ${w.runId}${w.intervalIdx === null ? '' : `, interval ${w.intervalIdx}`}: ${w.message}`));

  lines.push('', chalk.bold('By condition') + chalk.dim(" — violation % and mean p95 as the prototype computed them (mean over (run, service) cells); 'with data' counts only (poll, service) observations that had requests; replica-s is replica-seconds summed over the condition's runs (per run: --json runs[])"));
  const g = table(['condition', 'runs', 'cells', 'violation\n%', 'violation %\n(with data)', 'mean p95\nms', 'median p95\nms', 'replica-s\n(all runs)', 'scaling\nactions', 'front-end\nviolation %', 'front-end\nmedian p95']);
  for (const c of present) {
    const s = a.global.conditions[c];
    if (s) g.push([c, s.runs, s.cells, pct(s.violationRate), pct(s.pooled.violationRate), ms(s.meanP95Ms), ms(s.pooled.medianP95Ms), int(s.replicaSeconds), s.scalingActions, pct(s.frontEnd?.violationRate), ms(s.frontEnd?.medianP95Ms)]);
  }
  lines.push(g.toString());

  lines.push('', chalk.bold('Proactive − reactive') + chalk.dim(' — Δ violation with a bootstrap 95 % interval over runs; Mann–Whitney p over cells (the prototype’s, overstated) and over runs (the honest one)'));
  const sig = table(['scope', 'Δ violation (95 % CI)', 'p, cells (n)', 'p, runs (n)']);
  sig.push([chalk.bold('all patterns'), describeDifference(a.global), pval(a.global.mannWhitney.cell), pval(a.global.mannWhitney.run)]);
  for (const [p, c] of Object.entries(a.patterns)) sig.push([p, describeDifference(c), pval(c.mannWhitney.cell), pval(c.mannWhitney.run)]);
  lines.push(sig.toString());

  if (a.global.conditions.static) {
    lines.push('', chalk.bold('Against static') + chalk.dim(' — each controller − static (replicas never changed): Δ violation with a bootstrap 95 % interval over runs, Mann–Whitney p over cells and over runs'));
    const st = table(['scope', 'comparison', 'Δ violation (95 % CI)', 'p, cells (n)', 'p, runs (n)']);
    const rows = (scope: string, c: Comparison) =>
      STATIC_PAIRS.map((k) => {
        const pc = c.pairs[k];
        return pc.reason ? [scope, k, `n/a (${pc.reason})`, 'n/a', 'n/a'] : [scope, k, describeDifference(pc), pval(pc.mannWhitney!.cell), pval(pc.mannWhitney!.run)];
      });
    st.push(...rows(chalk.bold('all patterns'), a.global), ...Object.entries(a.patterns).flatMap(([p, c]) => rows(p, c)));
    lines.push(st.toString());
  } else {
    lines.push('', chalk.dim('Against static — no static runs (static_<pattern>_run<id>.jsonl, from `sockml experiment run`): not compared'));
  }

  lines.push('', chalk.bold('By pattern'));
  const pt = table(['pattern', 'condition', 'runs', 'violation\n%', 'violation %\n(with data)', 'mean p95\nms', 'replica-s\n(all runs)', 'scaling\nactions', 'front-end\nviolation %']);
  for (const [p, cmp] of Object.entries(a.patterns)) {
    for (const c of present) {
      const s = cmp.conditions[c];
      if (s) pt.push([p, c, s.runs, pct(s.violationRate), pct(s.pooled.violationRate), ms(s.meanP95Ms), int(s.replicaSeconds), s.scalingActions, pct(s.frontEnd?.violationRate)]);
    }
  }
  lines.push(pt.toString());

  lines.push('', chalk.bold('By service') + chalk.dim(' — all patterns, (poll, service) observations with data; replica-s summed over runs'));
  const sv = table(['service', ...present.flatMap((c) => [`${c}\nviolation %`, `${c}\nmedian p95`, `${c}\nreplica-s\n(all runs)`, `${c}\nactions`])]);
  for (const [name, m] of Object.entries(a.services)) {
    sv.push([name === 'front-end' ? chalk.bold(name) : name, ...present.flatMap((c) => [pct(m[c]?.violationRate), ms(m[c]?.medianP95Ms), m[c] ? int(m[c]!.replicaSeconds) : 'n/a', m[c]?.scalingActions ?? 'n/a'])]);
  }
  lines.push(sv.toString());
  return lines.join('\n');
}

const groupJson = (m: GroupMetrics | null) =>
  m && {
    observations: m.observations,
    withData: m.withData,
    violations: m.violations,
    violationRate: toPct(m.violationRate),
    meanP95Ms: m.meanP95Ms,
    medianP95Ms: m.medianP95Ms,
    replicaSeconds: m.replicaSeconds,
    scalingActions: m.scalingActions,
  };

const conditionJson = (s: ConditionSummary | null) =>
  s && {
    runs: s.runs,
    cells: s.cells,
    snapshots: s.snapshots,
    violationRate: toPct(s.violationRate),
    meanP95Ms: s.meanP95Ms,
    replicaSeconds: s.replicaSeconds,
    scalingActions: s.scalingActions,
    withData: groupJson(s.pooled),
    frontEnd: groupJson(s.frontEnd),
  };

const testsJson = (t: SignificanceTests) => ({ cellP: t.cell?.p ?? null, runP: t.run?.p ?? null, cell: t.cell, run: t.run });

const bootstrapJson = (b: BootstrapInterval | null) =>
  b && {
    differencePct: b.estimate * 100,
    lowPct: b.low * 100,
    highPct: b.high * 100,
    level: b.level,
    resamples: b.resamples,
    seed: b.seed,
  };

/** One pair: tested (reason null), or mannWhitney and bootstrap null with the reason. Δ is a − b. */
const pairJson = (p: PairComparison) => ({
  conditions: [p.a, p.b],
  reason: p.reason,
  mannWhitney: p.mannWhitney && testsJson(p.mannWhitney),
  bootstrap: bootstrapJson(p.bootstrap),
});

const comparisonJson = (c: Comparison) => ({
  ...Object.fromEntries(CONDITIONS.map((k) => [k, conditionJson(c.conditions[k])])),
  // proactive vs reactive, where scripts have always read it
  mannWhitney: testsJson(c.mannWhitney),
  bootstrap: bootstrapJson(c.bootstrap),
  comparisons: Object.fromEntries(Object.entries(c.pairs).map(([k, p]) => [k, pairJson(p)])),
});

/**
 * The stable JSON shape of `experiment analyze --json`. Every violation rate is in PERCENT;
 * `global.<condition>` follows the prototype's conventions, `.withData` is the snapshot-level view; a
 * condition without runs is null there and in `services`, and has an empty `timeline`.
 * `global.mannWhitney` / `.bootstrap` (and the same per pattern) are proactive vs reactive;
 * `.comparisons["proactive-vs-reactive" | "proactive-vs-static" | "reactive-vs-static"]` hold every pair,
 * with `reason` set (and null tests) when a condition has no runs in that scope.
 * Replica-seconds weight each snapshot by its measured duration; `durationWarnings` lists the snapshots
 * that got their run's median gap instead, or `fallbackIntervalSeconds` (a run with one snapshot).
 */
export function analysisJson(a: ExperimentAnalysis, files: ExperimentFiles) {
  return {
    sloMs: a.sloMs,
    fallbackIntervalSeconds: a.fallbackIntervalSeconds,
    durationWarnings: a.durationWarnings,
    files: { used: files.used, skipped: files.skipped },
    counts: { filesUsed: files.used.length, filesSkipped: files.skipped.length, ...a.counts },
    global: comparisonJson(a.global),
    patterns: Object.fromEntries(Object.entries(a.patterns).map(([p, c]) => [p, comparisonJson(c)])),
    services: Object.fromEntries(Object.entries(a.services).map(([s, m]) => [s, Object.fromEntries(CONDITIONS.map((c) => [c, groupJson(m[c])]))])),
    runs: a.runs.map((r) => ({ ...r, violationRate: r.violationRate * 100 })),
    timeline: Object.fromEntries(CONDITIONS.map((c) => [c, a.timeline[c].map((p) => ({ ...p, violationRate: toPct(p.violationRate) }))])),
  };
}
