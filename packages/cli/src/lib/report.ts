import { Chalk } from 'chalk';
import Table from 'cli-table3';
import { describeLabel, ENSEMBLE, PERSISTENCE, type BinaryMetricsSummary, type ReplayReport } from '@sockml/core';

/** NO_COLOR (https://no-color.org) and non-TTY output get plain text. */
export const chalk = new Chalk({ level: process.env.NO_COLOR || !process.stdout.isTTY ? 0 : 1 });

const pct = (v: number | null) => (v === null ? 'n/a' : (v * 100).toFixed(1));
const dec = (v: number | null) => (v === null ? 'n/a' : v.toFixed(3));

/** The replay report as people read it: one row per model, the ensemble, and the persistence baseline. */
export function renderReplayReport(r: ReplayReport, extra: { files: number; invalidRows: number }): string {
  const lines: string[] = [];
  lines.push(chalk.bold(`sockml replay — ${extra.files} recording${extra.files === 1 ? '' : 's'}, ${r.rows} rows, feature set ${r.featureSet}, strategy ${r.strategy}`));
  lines.push(`label: ${r.label.source === 'column' ? "the CSV's own sla_violated column (--labels column)" : describeLabel(r.label)}`);
  lines.push(
    `labelled rows: ${r.labelled} (${r.positives} positive, ${pct(r.labelled ? r.positives / r.labelled : null)} %), unlabelled (end of series${r.gapUnlabelled ? ', missing polls' : ''}): ${r.unlabelled}` +
      (extra.invalidRows ? chalk.yellow(`, skipped malformed: ${extra.invalidRows}`) : ''),
  );
  if (r.gaps > 0) lines.push(chalk.yellow(`missing polls: ${r.gaps} polls came after a gap in their series (features restarted there; ${r.gapUnlabelled} rows unlabelled)`));
  const t = new Table({
    head: ['predictor', 'precision %', 'recall %', 'F1', 'accuracy %', 'ROC-AUC', 'PR-AUC', 'TP', 'FP', 'FN', 'onsets early', 'lead s'],
    style: { head: chalk.level ? ['cyan'] : [], border: chalk.level ? ['grey'] : [] },
  });
  const row = (name: string, m: BinaryMetricsSummary, label = name) => {
    const lead = r.episodes.meanLeadSeconds[name];
    t.push([label, pct(m.precision), pct(m.recall), dec(m.f1), pct(m.accuracy), dec(m.rocAuc), dec(m.prAuc), m.tp, m.fp, m.fn, `${r.episodes.caughtEarly[name]}/${r.episodes.count}`, lead === null ? '-' : lead.toFixed(0)]);
  };
  for (const [name, m] of Object.entries(r.models)) row(name, m);
  row(ENSEMBLE, r.ensemble, chalk.bold(`ensemble (${r.strategy})`));
  row(PERSISTENCE, r.persistence, 'persistence (p95_t > SLO)');
  lines.push(t.toString());
  const m = r.matchedRecall;
  if (m.recall !== null) {
    const at = (name: string) => {
      const p = m.predictors[name];
      return p === null ? `${name} n/a` : `${name} ${dec(p.precision)} (recall ${dec(p.recall)})`;
    };
    lines.push(
      `precision at persistence's recall (${dec(m.recall)}; persistence ${dec(m.precision)}): ` + [...Object.keys(r.models), ENSEMBLE].map(at).join(', '),
    );
  }
  lines.push(
    `decisions: ${r.decisions.SCALE_UP} SCALE UP, ${r.decisions.NO_ACTION} NO ACTION, ${r.decisions.SCALE_DOWN} SCALE DOWN` +
      (r.degradedDecisions ? `, ${r.degradedDecisions} degraded` : '') +
      `; violation episodes: ${r.episodes.count} (onsets early = flagged on one of the ${r.label.lookahead} polls before the episode began)`,
  );
  if (r.imputedInputs > 0) lines.push(chalk.dim(`missing-value policy filled ${r.imputedInputs} inputs (latency of idle polls → 0 ms, other missing values → the last observed one; see docs/FEATURES.md)`));
  return lines.join('\n');
}

/** The stable JSON shape of `replay --json`. */
export function replayJson(r: ReplayReport, extra: { files: string[]; invalidRows: number; invalidExamples: string[] }) {
  const pick = (m: BinaryMetricsSummary) => ({
    precision: m.precision,
    recall: m.recall,
    f1: m.f1,
    accuracy: m.accuracy,
    rocAuc: m.rocAuc,
    prAuc: m.prAuc,
    tp: m.tp,
    fp: m.fp,
    tn: m.tn,
    fn: m.fn,
  });
  return {
    files: extra.files,
    runs: r.runs,
    rows: r.rows,
    labelled: r.labelled,
    positives: r.positives,
    unlabelled: r.unlabelled,
    invalidRows: extra.invalidRows,
    invalidExamples: extra.invalidExamples,
    imputedInputs: r.imputedInputs,
    gaps: r.gaps,
    gapUnlabelled: r.gapUnlabelled,
    featureSet: r.featureSet,
    strategy: r.strategy,
    label: r.label,
    models: Object.fromEntries(Object.entries(r.models).map(([k, m]) => [k, pick(m)])),
    ensemble: pick(r.ensemble),
    persistence: pick(r.persistence),
    episodes: r.episodes,
    matchedRecall: r.matchedRecall,
    prCurves: r.prCurves,
    decisions: r.decisions,
    degradedDecisions: r.degradedDecisions,
  };
}
