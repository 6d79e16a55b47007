import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sockml } from '../../test-support.js';

const SEED = 'fixtures/seed-experiments';
const scratch = () => mkdtempSync(join(tmpdir(), 'sockml-experiment-'));

/*
 * Expected numbers computed independently of sockml, with pandas/scipy in /work/main/.venv
 * (pandas 3.1.1, scipy 1.17.1): load every <condition>_<pattern>_run<id>.jsonl except diag_* and
 * no-load into one row per (snapshot, service); cells = groupby(condition, pattern, run_id, service)
 * of (p95_ms > 35.68).mean() and of p95_ms.where(p95_ms > 0).mean(); condition violation % = mean of the
 * cell rates × 100, mean p95 = mean of the cell means; scipy.stats.mannwhitneyu
 * (proactive, reactive) (method 'auto', two-sided) over the cell rates, and over
 * per-run means of the cell rates. The run values were built as fractions.Fraction and converted to
 * float afterwards: averaging floats in different orders turns ties such as 3/14 into near-ties and
 * moves pandas' own answer (it gives 0.0806 instead of 0.0804 for the global run test).
 *
 * Replica-seconds (numpy, datetime.fromisoformat): per file, snapshots in interval_idx order, gaps =
 * np.diff of the timestamps, med = np.median(gaps[gaps > 0]), a snapshot's duration = its gap to the next
 * if 0 < gap ≤ 3·med else med, the last one med; sum of replicas × duration over replicas ≠ −1. Runs 1–5
 * poll every 30.00 s, so they barely move from the prototype's replicas × 30 (proactive 141450, reactive
 * 231810); the runs with ids ≥ 1000 polled every ~37 s and gain 22–31 %. Python keeps microseconds and
 * Date.parse milliseconds, hence the 0.05 tolerance.
 */
const EXPECTED = {
  proactive: { violationRate: 22.391304347826086, meanP95Ms: 24.80593715136174, replicaSeconds: 157903.76742959023, frontEndReplicaSeconds: 27375.375480413437 },
  reactive: { violationRate: 26.552795031055897, meanP95Ms: 83.0733443457849, replicaSeconds: 251803.69692730904, frontEndReplicaSeconds: 57985.39885139465 },
  // 30 s polls only (runs 1–5 of the suite): as good as replicas × 30
  spikeReplicaSeconds: { proactive: 21000.06093597412, reactive: 25890.07510113716 },
  cellP: 0.010534505027588906,
  runP: 0.08044432808102189,
  step: { proactive: 21.428571428571427, reactive: 31.160714285714285, cellP: 0.06916333641050383, runP: 0.10254588097890913 },
  ramp: { cellP: 0.06876875251917815, runP: 0.06461008912954472 },
  // front-end only, snapshots with p95 > 0: ((p95 > 35.68).mean() × 100 per condition)
  frontEnd: { proactive: 76.73913, reactive: 55.77342 },
};

describe('sockml experiment analyze', () => {
  it('--json on the seed experiments reproduces the independently computed numbers', () => {
    const r = sockml(['experiment', 'analyze', SEED, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.counts).toEqual({ filesUsed: 46, filesSkipped: 5, runs: 46, cells: 322, snapshots: 920, settleDropped: 0 });
    expect(j.files.skipped.map((s: { reason: string }) => s.reason).sort()).toEqual([
      ...Array(4).fill('diagnostic recording (diag_*)'),
      'no-load smoke test',
    ]);
    for (const c of ['proactive', 'reactive'] as const) {
      expect(j.global[c]).toMatchObject({ runs: 23, cells: 161, snapshots: 460 });
      expect(j.global[c].replicaSeconds).toBeCloseTo(EXPECTED[c].replicaSeconds, 1);
      expect(j.global[c].frontEnd.replicaSeconds).toBeCloseTo(EXPECTED[c].frontEndReplicaSeconds, 1);
      expect(j.patterns.spike[c].replicaSeconds).toBeCloseTo(EXPECTED.spikeReplicaSeconds[c], 1);
      expect(j.global[c].violationRate).toBeCloseTo(EXPECTED[c].violationRate, 9);
      expect(j.global[c].meanP95Ms).toBeCloseTo(EXPECTED[c].meanP95Ms, 9);
      expect(j.global[c].frontEnd.violationRate).toBeCloseTo(EXPECTED.frontEnd[c], 4);
      expect(j.services['front-end'][c].violationRate).toBeCloseTo(EXPECTED.frontEnd[c], 4);
    }
    expect(j.global.mannWhitney.cellP).toBeCloseTo(EXPECTED.cellP, 12);
    expect(j.global.mannWhitney.runP).toBeCloseTo(EXPECTED.runP, 12);
    expect(j.global.mannWhitney.cell).toMatchObject({ n1: 161, n2: 161 });
    expect(j.global.mannWhitney.run).toMatchObject({ n1: 23, n2: 23 });
    expect(j.durationWarnings).toEqual([]); // no gap in the seed runs exceeds 3 × its run's median
    expect(j.fallbackIntervalSeconds).toBe(30);
    expect(j.runs.find((r: any) => r.condition === 'reactive' && r.pattern === 'step' && r.runId === 1001).medianIntervalSeconds).toBeCloseTo(36.662, 2);

    expect(Object.keys(j.patterns)).toEqual(['constant', 'ramp', 'spike', 'step']);
    expect(j.patterns.step.proactive.violationRate).toBeCloseTo(EXPECTED.step.proactive, 9);
    expect(j.patterns.step.reactive.violationRate).toBeCloseTo(EXPECTED.step.reactive, 9);
    for (const p of ['step', 'ramp'] as const) {
      expect(j.patterns[p].mannWhitney.cellP).toBeCloseTo(EXPECTED[p].cellP, 12);
      expect(j.patterns[p].mannWhitney.runP).toBeCloseTo(EXPECTED[p].runP, 12);
    }
    for (const p of Object.values(j.patterns) as any[]) {
      for (const c of ['proactive', 'reactive']) for (const k of ['violationRate', 'meanP95Ms', 'replicaSeconds']) expect(typeof p[c][k]).toBe('number');
    }

    // The bootstrap interval (percentage points, proactive − reactive) brackets the observed difference
    // and is reproducible: the same seed gives the same interval on a second run.
    const b = j.global.bootstrap;
    expect(b.differencePct).toBeCloseTo(EXPECTED.proactive.violationRate - EXPECTED.reactive.violationRate, 9);
    expect(b.lowPct).toBeLessThan(b.differencePct);
    expect(b.highPct).toBeGreaterThan(b.differencePct);
    expect(JSON.parse(sockml(['experiment', 'analyze', SEED, '--json']).stdout).global.bootstrap).toEqual(b);
  });

  it('prints readable tables', () => {
    const r = sockml(['experiment', 'analyze', SEED]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/46 files, 46 runs, 322 \(run, service\) cells, 920 snapshots/);
    for (const s of ['By condition', 'Proactive − reactive', 'By pattern', 'By service', 'front-end', 'all patterns']) expect(r.stdout).toContain(s);
    expect(r.stdout).toContain('0.011 (161 vs 161)'); // cell test
    expect(r.stdout).toContain('0.080 (23 vs 23)'); // run test
    expect(r.stdout).not.toMatch(/\u001b\[/);
  });

  it('a malformed line is bad input: exit 2 naming file:line', () => {
    const dir = scratch();
    const good = readFileSync(join(SEED, 'proactive_step_run01.jsonl'), 'utf8').split('\n').slice(0, 3).join('\n');
    writeFileSync(join(dir, 'proactive_step_run01.jsonl'), `${good}\n{"timestamp": "2026-04-13T07:27:09", "run_id": 1\n`);
    const r = sockml(['experiment', 'analyze', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/proactive_step_run01\.jsonl:4: not valid JSON/);

    writeFileSync(join(dir, 'proactive_step_run01.jsonl'), `${good}\n${good.split('\n')[0].replace('"replicas": 1', '"replicas": "one"')}\n`);
    const r2 = sockml(['experiment', 'analyze', dir]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/proactive_step_run01\.jsonl:4: service 'front-end': 'replicas': "one" is not a finite number/);
  });

  it.each([
    ['a missing path', ['/nonexistent/dir'], /no such file or directory/],
    ['only skipped files', [join(SEED, 'diag_proactive_step_run2001.jsonl')], /no experiment files to analyze .*diagnostic recording/],
    ['a bad --slo', [SEED, '--slo', 'fast'], /--slo must be a positive number/],
  ])('%s is bad input (exit 2)', (_name, args, message) => {
    const r = sockml(['experiment', 'analyze', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
