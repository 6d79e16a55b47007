import { type Comparison, type Condition, type ConditionTimeline, type ExperimentAnalysis, type MannWhitneyResult, type PairKey } from '@sockml/core';
import type { ExperimentFiles } from './files.js';
import { describeDifference, presentConditions, STATIC_PAIRS } from './render.js';
import { barChart, escapeHtml, lineChart, stripChart, type ChartSize } from './svg-charts.js';

/** Colour-blind-safe (Okabe–Ito blue, orange and bluish green). */
export const CONDITION_COLORS: Record<Condition, string> = { proactive: '#0072B2', reactive: '#E69F00', static: '#009E73' };

const pct = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : (v * 100).toFixed(1));
const ms = (v: number | null | undefined) => (v === null || v === undefined ? 'n/a' : v.toFixed(1));
const pval = (r: MannWhitneyResult | null) => (r === null ? 'n/a' : `${r.p < 0.001 ? r.p.toExponential(1) : r.p.toFixed(3)} <span class="n">(${r.n1} vs ${r.n2}, ${r.method})</span>`);
const int = (v: number) => Math.round(v).toLocaleString('en');

function table(head: string[], rows: (string | number)[][], id: string): string {
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  // Cells are built here from numbers and escaped names, some with a little markup of ours.
  const tr = rows.map((r) => `<tr>${r.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('\n');
  return `<table data-table="${id}"><thead><tr>${th}</tr></thead><tbody>\n${tr}\n</tbody></table>`;
}

const significanceRow = (scope: string, c: Comparison) => [scope, escapeHtml(describeDifference(c)), pval(c.mannWhitney.cell), pval(c.mannWhitney.run)];

const staticRow = (scope: string, c: Comparison, k: PairKey) => {
  const p = c.pairs[k];
  return p.reason ? [scope, k, `n/a (${escapeHtml(p.reason)})`, 'n/a', 'n/a'] : [scope, k, escapeHtml(describeDifference(p)), pval(p.mannWhitney!.cell), pval(p.mannWhitney!.run)];
};

const LABELS: Record<Condition, string> = { proactive: 'proactive (ML)', reactive: 'reactive (HPA)', static: 'static' };

/** One colour per service in every panel (Okabe–Ito, then greys); the front-end is black and drawn thicker. */
const SERVICE_PALETTE = ['#000000', '#E69F00', '#56B4E9', '#009E73', '#0072B2', '#D55E00', '#CC79A7', '#999999', '#666666', '#BBBBBB'];
const VIOLATION_COLOR = '#D55E00';
const PANEL_LINE: ChartSize = { width: 380, height: 300, left: 48, legendItem: 95 };
const STRIP_ROW = 18;

/**
 * Per pattern, one column per condition: its runs' replicas per service over the run, and a strip per
 * service of the share of runs violating the SLO at each interval (top row: the share of all service
 * polls), averaged by interval index.
 */
function conditionPanels(timelines: readonly ConditionTimeline[]): string {
  if (timelines.length === 0) return '';
  const allServices = [...new Set(timelines.flatMap((t) => t.services))].sort((a, b) => (a === 'front-end' ? -1 : b === 'front-end' ? 1 : a.localeCompare(b)));
  const colorOf = (s: string) => SERVICE_PALETTE[allServices.indexOf(s) % SERVICE_PALETTE.length];
  const patterns = [...new Set(timelines.map((t) => t.pattern))];
  const panel = (t: ConditionTimeline) => {
    const key = `${t.pattern}-${t.condition}`;
    const xs = t.points.map((p) => p.intervalIdx);
    const replicas = lineChart({
      id: `replicas-${key}`,
      title: `${LABELS[t.condition]}: replicas`,
      xLabel: 'interval_idx',
      yLabel: `ready replicas, mean of ${t.runs} run${t.runs === 1 ? '' : 's'}`,
      size: PANEL_LINE,
      series: t.services.map((svc) => ({ name: svc, color: colorOf(svc), width: svc === 'front-end' ? 3 : 1.5, dots: false, points: t.points.map((p): [number, number | null] => [p.intervalIdx, p.replicas[svc]]) })),
    });
    const rows = [
      { name: 'all services', values: t.points.map((p) => p.violatingShare), bold: true, gapAfter: true },
      ...t.services.map((svc) => ({ name: svc, values: t.points.map((p) => p.violating[svc]), bold: svc === 'front-end' })),
    ];
    const violations = stripChart({
      id: `violations-${key}`,
      title: `${LABELS[t.condition]}: p95 > SLO`,
      xLabel: 'interval_idx',
      xs,
      rows,
      color: VIOLATION_COLOR,
      valueLabel: (v) => `${Math.round(v * 100)} %`,
      size: { width: 380, height: 52 + 16 + rows.length * STRIP_ROW + 6 + 48, left: 76, legendItem: 68 },
    });
    return `<figure class="panel" data-pattern="${escapeHtml(t.pattern)}" data-condition="${t.condition}"><figcaption>${escapeHtml(t.pattern)} · ${LABELS[t.condition]} · ${t.runs} run${t.runs === 1 ? '' : 's'}</figcaption>\n${replicas}\n${violations}</figure>`;
  };
  return `<h2>Over the run, per condition</h2>
<p class="meta">Each column averages one condition's runs of one pattern by interval index (runs of different patterns saw different load, so they are not mixed). Lines: mean ready replicas per service, the front-end in black; a gap is an interval without a replica count. Strips: the share of runs whose p95 exceeded the SLO at that interval, per service; grey is no data (no requests), never “no violation”.</p>
${patterns.map((p) => `<h3>${escapeHtml(p)}</h3>\n<div class="panels" data-pattern="${escapeHtml(p)}">\n${timelines.filter((t) => t.pattern === p).map(panel).join('\n')}\n</div>`).join('\n')}`;
}

/** The whole report as one self-contained HTML document (inline CSS and SVG, no scripts, no fetches). */
export function renderHtmlReport(a: ExperimentAnalysis, files: ExperimentFiles, generatedAt = new Date().toISOString()): string {
  // A condition without runs gets no series, no bars and no rows: absent, not drawn as zero.
  const present = presentConditions(a);
  const series = (pick: (p: ExperimentAnalysis['timeline'][Condition][number]) => number | null) =>
    present.map((c) => ({ name: c, color: CONDITION_COLORS[c], points: a.timeline[c].map((p): [number, number | null] => [p.intervalIdx, pick(p)]) }));
  const services = Object.keys(a.services);
  const patterns = Object.keys(a.patterns);
  const charts = [
    lineChart({
      id: 'violation-timeline',
      title: 'SLO violations over the run',
      xLabel: 'interval_idx (polls since load start)',
      yLabel: '% of service polls with p95 > SLO',
      series: series((p) => (p.violationRate === null ? null : p.violationRate * 100)),
    }),
    lineChart({
      id: 'replica-timeline',
      title: 'Replicas over the run',
      xLabel: 'interval_idx (polls since load start)',
      yLabel: 'total replicas, mean over runs',
      series: series((p) => p.meanReplicas),
    }),
    barChart({
      id: 'service-violations',
      title: 'Violation rate per service',
      xLabel: 'service (polls with data, all patterns)',
      yLabel: '% of polls with p95 > SLO',
      categories: services,
      groups: present.map((c) => ({ name: c, color: CONDITION_COLORS[c], values: services.map((s) => (a.services[s][c]?.violationRate == null ? null : a.services[s][c]!.violationRate! * 100)) })),
    }),
    barChart({
      id: 'pattern-violations',
      title: 'Violation rate per load pattern',
      xLabel: 'load pattern (mean over (run, service) cells)',
      yLabel: '% of polls with p95 > SLO',
      categories: patterns,
      groups: present.map((c) => ({ name: c, color: CONDITION_COLORS[c], values: patterns.map((p) => (a.patterns[p].conditions[c]?.violationRate == null ? null : a.patterns[p].conditions[c]!.violationRate! * 100)) })),
    }),
  ];

  const conditionRows = present.flatMap((c) => {
    const s = a.global.conditions[c];
    return s ? [[c, s.runs, s.cells, pct(s.violationRate), pct(s.pooled.violationRate), ms(s.meanP95Ms), ms(s.pooled.medianP95Ms), int(s.replicaSeconds), s.scalingActions, pct(s.frontEnd?.violationRate), ms(s.frontEnd?.medianP95Ms)]] : [];
  });
  const patternRows = Object.entries(a.patterns).flatMap(([p, cmp]) =>
    present.flatMap((c) => {
      const s = cmp.conditions[c];
      return s ? [[escapeHtml(p), c, s.runs, pct(s.violationRate), pct(s.pooled.violationRate), ms(s.meanP95Ms), int(s.replicaSeconds), s.scalingActions, pct(s.frontEnd?.violationRate)]] : [];
    }),
  );
  const serviceRows = Object.entries(a.services).map(([name, m]) => [
    escapeHtml(name),
    ...present.flatMap((c) => [pct(m[c]?.violationRate), ms(m[c]?.medianP95Ms), m[c] ? int(m[c]!.replicaSeconds) : 'n/a', m[c]?.scalingActions ?? 'n/a']),
  ]);
  const g = a.global;
  const honest = g.mannWhitney.run;
  const cellP = g.mannWhitney.cell;

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>sockml — ${present.join(' vs ')} autoscaling</title>
<style>
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #222; margin: 24px auto; max-width: 1160px; padding: 0 16px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.meta { color: #666; font-size: 12px; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 12px; }
.charts svg { max-width: 100%; height: auto; border: 1px solid #eee; border-radius: 4px; background: #fff; }
.panels { display: grid; grid-template-columns: repeat(auto-fit, minmax(380px, 1fr)); gap: 12px; }
.panel { margin: 0; } .panel figcaption { font-size: 13px; font-weight: bold; margin-bottom: 4px; }
.panel svg { display: block; max-width: 100%; height: auto; border: 1px solid #eee; border-radius: 4px; background: #fff; margin-bottom: 6px; }
h3 { font-size: 15px; margin: 18px 0 6px; }
table { border-collapse: collapse; margin: 8px 0; font-size: 13px; }
th, td { border: 1px solid #ddd; padding: 3px 8px; text-align: right; } th { background: #f4f6f8; }
td:first-child, th:first-child { text-align: left; }
.n { color: #777; font-size: 11px; }
.headline { font-size: 15px; background: #f7f9fb; border-left: 4px solid ${CONDITION_COLORS.proactive}; padding: 8px 12px; }
.howto li { margin: 4px 0; }
.warn { color: #8a5a00; font-size: 12px; }
</style></head>
<body>
<h1>${escapeHtml(present.map((c) => LABELS[c]).join(' vs ').replace(/^./, (ch) => ch.toUpperCase()))} autoscaling</h1>
<p class="meta">${files.used.length} files, ${a.counts.runs} runs, ${a.counts.cells} (run, service) cells, ${a.counts.snapshots} polls; SLO: p95 &gt; ${a.sloMs} ms; generated ${escapeHtml(generatedAt)} by <code>sockml experiment analyze</code>${files.skipped.length ? `; skipped ${files.skipped.length}: ${files.skipped.map((s) => `${escapeHtml(s.file.split('/').pop()!)} (${escapeHtml(s.reason)})`).join(', ')}` : ''}</p>
${a.durationWarnings.length ? `<p class="warn">Replica-seconds, durations not measured: ${a.durationWarnings.map((w) => escapeHtml(`${w.condition} ${w.pattern} run ${w.runId}${w.intervalIdx === null ? '' : `, interval ${w.intervalIdx}`}: ${w.message}`)).join('; ')}</p>` : ''}
<p class="headline">Violation rate ${pct(g.conditions.proactive?.violationRate)} % proactive vs ${pct(g.conditions.reactive?.violationRate)} % reactive
(Δ ${escapeHtml(describeDifference(g))}, bootstrap 95 % over runs); p = ${cellP ? cellP.p.toFixed(3) : 'n/a'} treating cells as samples, <b>p = ${honest ? honest.p.toFixed(3) : 'n/a'} over runs</b>.${
    g.conditions.static ? ` Static (replicas never changed): ${pct(g.conditions.static.violationRate)} %.` : ''
  }</p>

<h2>Charts</h2>
<div class="charts">
${charts.join('\n')}
</div>

${conditionPanels(a.conditionTimelines.filter((t) => present.includes(t.condition)))}

<h2>By condition</h2>
${table(['condition', 'runs', 'cells', 'violation %', 'violation % (with data)', 'mean p95 ms', 'median p95 ms', 'replica-s (all runs)', 'scaling actions', 'front-end violation %', 'front-end median p95 ms'], conditionRows, 'conditions')}

<h2>Proactive − reactive</h2>
${table(['scope', 'Δ violation (95 % CI)', 'Mann–Whitney p, cells', 'Mann–Whitney p, runs'], [significanceRow('<b>all patterns</b>', g), ...Object.entries(a.patterns).map(([p, c]) => significanceRow(escapeHtml(p), c))], 'significance')}

${
  g.conditions.static
    ? `<h2>Against static</h2>
${table(['scope', 'comparison', 'Δ violation (95 % CI)', 'Mann–Whitney p, cells', 'Mann–Whitney p, runs'], [...STATIC_PAIRS.map((k) => staticRow('<b>all patterns</b>', g, k)), ...Object.entries(a.patterns).flatMap(([p, c]) => STATIC_PAIRS.map((k) => staticRow(escapeHtml(p), c, k)))], 'static-comparisons')}`
    : '<p class="meta">No static runs (static_&lt;pattern&gt;_run&lt;id&gt;.jsonl from <code>sockml experiment run</code>): proactive and reactive are not compared against static.</p>'
}

<h2>By pattern</h2>
${table(['pattern', 'condition', 'runs', 'violation %', 'violation % (with data)', 'mean p95 ms', 'replica-s (all runs)', 'scaling actions', 'front-end violation %'], patternRows, 'patterns')}

<h2>By service</h2>
${table(['service', ...present.flatMap((c) => [`${c} violation %`, `${c} median p95 ms`, `${c} replica-s (all runs)`, `${c} actions`])], serviceRows, 'services')}

<h2>How to read this</h2>
<ul class="howto">
<li><b>Violation %</b> is the share of polls whose p95 latency exceeded the SLO. The headline and “violation %” columns use the prototype's convention (each (run, service) cell's share over all its polls, then the mean over cells, so a poll without requests counts as not violating); “with data” counts only polls where the service had requests. A p95 of 0.0 in the recordings means <i>no data</i>, never 0 ms, and is left out of every latency mean.</li>
<li><b>Replica-seconds</b> is the capacity paid for: replicas × the time until the run's next poll, summed over polls and services, and in the tables over the condition's runs (not per run). The last poll of a run, and a poll followed by a gap over 3 × the run's median gap (a stalled recorder, not a poll interval), count as that median; a run with a single poll counts ${a.fallbackIntervalSeconds} s; such polls are listed as warnings at the top. Polls whose replica count failed to record are left out. <b>Scaling actions</b> count replica changes between consecutive polls of a service.</li>
<li><b>Static</b> runs keep the replicas they started with (no controller); “Against static” asks whether each controller's scaling helped at all, with the same tests as proactive − reactive. A condition without runs is left out of every chart and table rather than drawn as zero.</li>
<li><b>The front-end</b> is what users see; its row is the user-facing answer, the other services show where latency comes from.</li>
<li><b>Significance, cells vs runs.</b> The prototype tested the ${cellP ? cellP.n1 + cellP.n2 : 'n/a'} (run, service) cells as if independent. They are not: the services of one run share its load, cluster and controller, so that test counts each run about ${a.counts.runs ? Math.round(a.counts.cells / a.counts.runs) : '?'} times and overstates significance. The honest test uses one value per run (the mean of its cells), ${honest ? honest.n1 + honest.n2 : 'n/a'} runs in all; trust the “runs” p-value and the bootstrap interval, which resamples runs. Mann–Whitney p-values are two-sided (normal approximation with tie correction, exact when there are no ties and a group has ≤ 8 values).</li>
<li>The charts average over runs of each condition; runs with ids ≥ 1000 used an older controller, and patterns differ in how many runs they have, so compare the per-pattern rows before drawing conclusions from the totals.</li>
</ul>
</body></html>
`;
}
