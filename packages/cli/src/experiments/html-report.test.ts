/**
 * The report's per-condition panels, checked on the HTML string (cheap; the Chromium test in
 * commands/experiment/analyze.integration.test.ts renders the whole report from the seed experiments).
 */
import { describe, expect, it } from 'vitest';
import { analyzeExperiments, type Condition, type ExperimentSnapshot } from '@sockml/core';
import { renderHtmlReport } from './html-report.js';
import { shade } from './svg-charts.js';

const T0 = Date.parse('2026-04-13T07:25:39Z');
/** [replicas, p95] per service; null is missing data. */
const snap = (condition: Condition, pattern: string, runId: number, intervalIdx: number, obs: Record<string, [number | null, number | null]>): ExperimentSnapshot => ({
  timestamp: new Date(T0 + intervalIdx * 30_000).toISOString(),
  runId,
  condition,
  pattern,
  intervalIdx,
  phase: null,
  services: Object.fromEntries(Object.entries(obs).map(([name, [replicas, p95Ms]]) => [name, { replicas, p95Ms, p99Ms: null, cpuPct: 1, rps: null, sloViolated: null }])),
});

// SLO 40. Step: two reactive runs and one static run of two intervals; ramp: one reactive run.
const SNAPSHOTS = [
  snap('reactive', 'step', 1, 0, { carts: [1, 10], 'front-end': [1, 50] }),
  snap('reactive', 'step', 1, 1, { carts: [1, null], 'front-end': [3, 30] }),
  snap('reactive', 'step', 2, 0, { carts: [1, 60], 'front-end': [2, 20] }),
  snap('reactive', 'step', 2, 1, { carts: [2, null], 'front-end': [4, 45] }),
  snap('static', 'step', 1, 0, { carts: [1, 10], 'front-end': [1, 90] }),
  snap('static', 'step', 1, 1, { carts: [1, 10], 'front-end': [1, 95] }),
  snap('reactive', 'ramp', 1, 0, { carts: [1, 10], 'front-end': [1, 10] }),
];

const html = renderHtmlReport(analyzeExperiments(SNAPSHOTS, { sloMs: 40, bootstrapResamples: 100 }), { used: ['x.jsonl'], skipped: [] }, 'now');
const svgOf = (id: string) => {
  const at = html.indexOf(`data-chart="${id}"`);
  expect(at, id).toBeGreaterThan(0);
  return html.slice(at, html.indexOf('</svg>', at));
};
const cells = (svg: string) => [...svg.matchAll(/<rect class="cell" data-row="([^"]+)" data-x="(\d+)" data-value="([^"]*)"[^>]* fill="(#[0-9a-f]+)"/g)].map((m) => [m[1], Number(m[2]), m[3] === '' ? null : Number(m[3]), m[4]]);

describe('HTML report: per-condition panels', () => {
  it('one figure per (pattern, condition) with runs, patterns by name, conditions in order', () => {
    expect([...html.matchAll(/<figure class="panel" data-pattern="([a-z]+)" data-condition="([a-z]+)"><figcaption>([^<]+)</g)].map((m) => [m[1], m[2], m[3]])).toEqual([
      ['ramp', 'reactive', 'ramp · reactive (HPA) · 1 run'],
      ['step', 'reactive', 'step · reactive (HPA) · 2 runs'],
      ['step', 'static', 'step · static · 1 run'],
    ]);
    expect(html.indexOf('<h2>Over the run, per condition</h2>')).toBeLessThan(html.indexOf('<h2>By condition</h2>'));
  });

  it('replicas: a line per service, the front-end first, black and thicker, mean over runs', () => {
    const svg = svgOf('replicas-step-reactive');
    expect([...svg.matchAll(/<path class="series" data-series="([^"]+)" d="[^"]+" fill="none" stroke="(#[0-9A-F]+)" stroke-width="([\d.]+)"/gi)].map((m) => m.slice(1))).toEqual([
      ['front-end', '#000000', '3'],
      ['carts', '#E69F00', '1.5'],
    ]);
    expect(svg).toContain('ready replicas, mean of 2 runs');
    // Front-end means 1.5 then 3.5 replicas: the y axis reaches 4.
    expect(svg).toMatch(/>4<\/text>/);
    expect(svg).not.toMatch(/<circle/);
  });

  it('violations: the share of runs violating per service and interval, no data grey', () => {
    // idx0: front-end 50 (yes), 20 (no) → 0.5; carts 10 (no), 60 (yes) → 0.5; all services 2 of 4.
    // idx1: front-end 30, 45 → 0.5; carts no data in either run; all services 1 of 2.
    expect(cells(svgOf('violations-step-reactive'))).toEqual([
      ['all services', 0, 0.5, shade('#D55E00', 0.5)],
      ['all services', 1, 0.5, shade('#D55E00', 0.5)],
      ['front-end', 0, 0.5, shade('#D55E00', 0.5)],
      ['front-end', 1, 0.5, shade('#D55E00', 0.5)],
      ['carts', 0, 0.5, shade('#D55E00', 0.5)],
      ['carts', 1, null, '#d9d9d9'],
    ]);
    expect(cells(svgOf('violations-step-static')).filter((c) => c[0] === 'front-end')).toEqual([
      ['front-end', 0, 1, '#d55e00'],
      ['front-end', 1, 1, '#d55e00'],
    ]);
  });

  it('stays self-contained', () => {
    expect(html).not.toMatch(/<script|<link|\bsrc=|\bhref=|url\(/i);
  });
});
