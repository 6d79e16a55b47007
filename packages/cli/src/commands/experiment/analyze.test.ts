import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, sockml } from '../../test-support.js';

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
  it('--json on the seed experiments reproduces the independently computed numbers', async () => {
    const r = await sockml(['experiment', 'analyze', SEED, '--json']);
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
    expect(j.global.static).toBeNull(); // the seed experiments have no static runs
    expect(j.global.comparisons['proactive-vs-static']).toEqual({ conditions: ['proactive', 'static'], reason: 'no static runs', mannWhitney: null, bootstrap: null });
    expect(j.patterns.step.comparisons['reactive-vs-static'].reason).toBe('no static runs');
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
    expect(JSON.parse((await sockml(['experiment', 'analyze', SEED, '--json'])).stdout).global.bootstrap).toEqual(b);
  });

  it('prints readable tables', async () => {
    const r = await sockml(['experiment', 'analyze', SEED]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/46 files, 46 runs, 322 \(run, service\) cells, 920 polls/); // 46 runs of 20 polls
    for (const s of ['By condition', 'Proactive − reactive', 'By pattern', 'By service', 'front-end', 'all patterns']) expect(r.stdout).toContain(s);
    expect(r.stdout).toContain('0.011 (161 vs 161)'); // cell test
    expect(r.stdout).toContain('0.080 (23 vs 23)'); // run test
    expect(r.stdout).toContain('Against static — no static runs');
    expect(r.stdout).not.toMatch(/static\nviolation/); // no empty static columns
    expect(r.stdout).not.toMatch(/\u001b\[/);
  });

  /*
   * Three runs as `experiment run` writes them (5 s wall-clock polls, a load field), step run 1 each,
   * SLO 35.68; [replicas, p95] per poll for front-end and carts:
   *   proactive  fe [1,40] [2,20] [2,20] → 1/3   carts [1,10] ×3 → 0   mean cell 1/6;  8 replicas × 5 s = 40
   *   reactive   fe [1,40] [1,40] [3,20] → 2/3   carts [1,10] [2,10] [2,10] → 0    1/3; 10 replicas × 5 s = 50
   *   static     fe [1,40] ×3            → 1     carts [1,10] ×3 → 0              1/2;  6 replicas × 5 s = 30
   */
  const writeRun = (dir: string, condition: string, pattern: string, polls: [number, number][][], everySeconds = 5) => {
    const t0 = Date.parse('2026-11-20T10:00:00Z');
    const lines = polls.map(([fe, carts], i) =>
      JSON.stringify({
        timestamp: new Date(t0 + i * everySeconds * 1000).toISOString(),
        run_id: 1,
        condition,
        pattern,
        interval_idx: i,
        services: {
          'front-end': { replicas: fe[0], p95_ms: fe[1], cpu_pct: 50, slo_violated: fe[1] > 35.68 },
          carts: { replicas: carts[0], p95_ms: carts[1], cpu_pct: 5, slo_violated: false },
        },
        load: { offered_rps: 70, achieved_rps: 70, errors: 0, error_pct: 0 },
      }),
    );
    writeFileSync(join(dir, `${condition}_${pattern}_run01.jsonl`), lines.join('\n') + '\n');
  };
  const threeConditions = () => {
    const dir = scratch();
    writeRun(dir, 'proactive', 'step', [[[1, 40], [1, 10]], [[2, 20], [1, 10]], [[2, 20], [1, 10]]]);
    writeRun(dir, 'reactive', 'step', [[[1, 40], [1, 10]], [[1, 40], [2, 10]], [[3, 20], [2, 10]]]);
    writeRun(dir, 'static', 'step', [[[1, 40], [1, 10]], [[1, 40], [1, 10]], [[1, 40], [1, 10]]]);
    return dir;
  };

  it('reads static runs and compares each controller against static, with 5 s polls counted as 5 s', async () => {
    const r = await sockml(['experiment', 'analyze', threeConditions(), '--json', '--resamples', '200']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.files.skipped).toEqual([]);
    expect(j.counts).toMatchObject({ filesUsed: 3, runs: 3, cells: 6, snapshots: 9 });
    const want = { proactive: [100 / 6, 40, 1], reactive: [100 / 3, 50, 2], static: [50, 30, 0] } as const;
    for (const [c, [rate, replicaSeconds, actions]] of Object.entries(want)) {
      expect(j.global[c]).toMatchObject({ runs: 1, cells: 2, snapshots: 3, replicaSeconds, scalingActions: actions });
      expect(j.global[c].violationRate).toBeCloseTo(rate, 9);
      expect(j.patterns.step[c].replicaSeconds).toBe(replicaSeconds);
    }
    expect(j.runs.map((x: any) => x.medianIntervalSeconds)).toEqual([5, 5, 5]);
    expect(j.services['front-end'].static).toMatchObject({ observations: 3, violations: 3, replicaSeconds: 15 });
    expect(j.timeline.static).toHaveLength(3);

    // The proactive-vs-reactive contract is unchanged and equals its entry in comparisons.
    expect(j.global.bootstrap.differencePct).toBeCloseTo(100 / 6 - 100 / 3, 9);
    expect(j.global.comparisons['proactive-vs-reactive']).toEqual({ conditions: ['proactive', 'reactive'], reason: null, mannWhitney: j.global.mannWhitney, bootstrap: j.global.bootstrap });
    // One run each: every bootstrap resample is the observed difference; the run test has 1 vs 1 (p = 1).
    for (const [k, diff] of [['proactive-vs-static', 100 / 6 - 50], ['reactive-vs-static', 100 / 3 - 50]] as const) {
      for (const scope of [j.global, j.patterns.step]) {
        const c = scope.comparisons[k];
        expect(c.reason).toBeNull();
        expect(c.bootstrap.differencePct).toBeCloseTo(diff, 9);
        expect(c.bootstrap.lowPct).toBeCloseTo(diff, 9);
        expect(c.bootstrap.highPct).toBeCloseTo(diff, 9);
        expect(c.mannWhitney.run).toMatchObject({ n1: 1, n2: 1, p: 1 });
      }
    }
    // Cells {1/3, 0} vs {1, 0}: the zeros tie (ranks 1.5), so U1 = 1.5 + 3 − 3 = 1.5, asymptotic, z = 0, p = 1.
    expect(j.global.comparisons['proactive-vs-static'].mannWhitney.cell).toMatchObject({ u: 1.5, p: 1, n1: 2, n2: 2, method: 'asymptotic' });

    const t = await sockml(['experiment', 'analyze', threeConditions(), '--resamples', '200']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toContain('Against static');
    expect(t.stdout).toMatch(/all patterns\s*│ proactive-vs-static │ -33\.3 pp \[-33\.3, -33\.3\]/);
    expect(t.stdout).toMatch(/│ step\s*│ static\s*│ 1\s*│ 50\.0 /);
    expect(t.stdout).not.toContain('skipped');
  });

  it('the text tables say replica-seconds are summed over runs, and count polls, not (poll, service) pairs', async () => {
    // Two proactive runs: step (fe 1+2+2, carts 1+1+1 = 8 replicas) and ramp (2 per poll = 6), × 5 s each:
    // 40 + 30 = 70 replica-seconds in all (35 per run); 6 polls of 2 services.
    const dir = scratch();
    writeRun(dir, 'proactive', 'step', [[[1, 40], [1, 10]], [[2, 20], [1, 10]], [[2, 20], [1, 10]]]);
    writeRun(dir, 'proactive', 'ramp', [[[1, 40], [1, 10]], [[1, 40], [1, 10]], [[1, 40], [1, 10]]]);
    const t = await sockml(['experiment', 'analyze', dir, '--resamples', '200']);
    expect(t.code, t.stderr).toBe(0);
    expect(t.stdout).toContain('2 runs, 4 (run, service) cells, 6 polls,');
    expect(t.stdout).not.toMatch(/snapshot/);
    const lines = t.stdout.split('\n');
    const header = lines.findIndex((l) => /│ condition │/.test(l));
    const cells = (l: string) => l.split('│').map((c) => c.trim());
    const column = cells(lines[header]).indexOf('replica-s');
    expect(cells(lines[header + 1])[column]).toBe('(all runs)');
    expect(cells(lines.find((l) => /│ proactive │/.test(l))!)[column]).toBe('70');
  });

  it('a missing condition is absent: null with a reason, never filled in; a one-poll run is flagged', async () => {
    const dir = scratch();
    writeRun(dir, 'proactive', 'step', [[[1, 40], [1, 10]], [[2, 20], [1, 10]], [[2, 20], [1, 10]]]);
    writeRun(dir, 'static', 'ramp', [[[2, 40], [1, 10]]]); // one poll: 3 replicas × 30 s fallback
    const r = await sockml(['experiment', 'analyze', dir, '--json', '--resamples', '200']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.global.reactive).toBeNull();
    expect(j.services['front-end'].reactive).toBeNull();
    expect(j.timeline.reactive).toEqual([]);
    expect(j.global.mannWhitney).toEqual({ cellP: null, runP: null, cell: null, run: null });
    expect(j.global.bootstrap).toBeNull();
    expect(j.global.comparisons['proactive-vs-reactive']).toEqual({ conditions: ['proactive', 'reactive'], reason: 'no reactive runs', mannWhitney: null, bootstrap: null });
    expect(j.global.comparisons['reactive-vs-static'].reason).toBe('no reactive runs');
    // Globally proactive (1/6) − static (1/2); per pattern, each has only one of them.
    expect(j.global.comparisons['proactive-vs-static'].bootstrap.differencePct).toBeCloseTo(100 / 6 - 50, 9);
    expect(j.patterns.ramp.comparisons['proactive-vs-static'].reason).toBe('no proactive runs');
    expect(j.patterns.step.static).toBeNull();

    expect(j.patterns.ramp.static.replicaSeconds).toBe(90);
    expect(j.durationWarnings).toEqual([
      { condition: 'static', pattern: 'ramp', runId: 1, kind: 'single-snapshot', intervalIdx: null, message: 'a single poll: no gap to measure, counted as 30 s' },
    ]);
    const t = await sockml(['experiment', 'analyze', dir, '--resamples', '200']);
    expect(t.stdout).toContain('replica-seconds: static ramp run 1: a single poll: no gap to measure, counted as 30 s');
    expect(t.stdout).not.toMatch(/│ reactive /);
  });

  it('--help names the three conditions and the comparison keys', async () => {
    const r = await sockml(['experiment', 'analyze', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/proactive \(ML\), reactive \(HPA\) and static/);
    expect(r.stdout).toContain('global.comparisons["proactive-vs-static"]');
    expect(r.stdout).toMatch(/3 × the\s+median/);
  });

  it('--warmup-polls N gives what the same files give without their first N polls', async () => {
    const dir = scratch();
    const cut = scratch(); // not inside dir: analyze searches directories recursively
    for (const f of ['proactive_step_run01.jsonl', 'reactive_step_run01.jsonl', 'proactive_ramp_run02.jsonl', 'reactive_ramp_run02.jsonl']) {
      const lines = readFileSync(join(REPO, SEED, f), 'utf8').trim().split('\n');
      writeFileSync(join(cut, f), lines.filter((l) => JSON.parse(l).interval_idx >= 2).join('\n') + '\n');
      writeFileSync(join(dir, f), lines.join('\n') + '\n');
    }
    const whole = await sockml(['experiment', 'analyze', dir, '--json', '--resamples', '200']);
    const flagged = await sockml(['experiment', 'analyze', dir, '--json', '--resamples', '200', '--warmup-polls', '2']);
    const edited = await sockml(['experiment', 'analyze', cut, '--json', '--resamples', '200']);
    for (const r of [whole, flagged, edited]) expect(r.code, r.stderr).toBe(0);
    const [w, f, e] = [whole, flagged, edited].map((r) => JSON.parse(r.stdout));
    expect(f.warmupPolls).toBe(2);
    expect(f.global).toEqual(e.global);
    expect(f.counts).toEqual(e.counts);
    expect(f.global).not.toEqual(w.global);
    const none = await sockml(['experiment', 'analyze', dir, '--warmup-polls', '1000']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/leaves no polls/);
  });

  it('a malformed line is bad input: exit 2 naming file:line', async () => {
    const dir = scratch();
    const good = readFileSync(join(SEED, 'proactive_step_run01.jsonl'), 'utf8').split('\n').slice(0, 3).join('\n');
    writeFileSync(join(dir, 'proactive_step_run01.jsonl'), `${good}\n{"timestamp": "2026-04-13T07:27:09", "run_id": 1\n`);
    const r = await sockml(['experiment', 'analyze', dir]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/proactive_step_run01\.jsonl:4: not valid JSON/);

    writeFileSync(join(dir, 'proactive_step_run01.jsonl'), `${good}\n${good.split('\n')[0].replace('"replicas": 1', '"replicas": "one"')}\n`);
    const r2 = await sockml(['experiment', 'analyze', dir]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/proactive_step_run01\.jsonl:4: service 'front-end': 'replicas': "one" is not a finite number/);
  });

  it.each([
    ['a missing path', ['/nonexistent/dir'], /no such file or directory/],
    ['only skipped files', [join(SEED, 'diag_proactive_step_run2001.jsonl')], /no experiment files to analyze .*diagnostic recording/],
    ['a bad --slo', [SEED, '--slo', 'fast'], /--slo must be a positive number/],
  ])('%s is bad input (exit 2)', async (_name, args, message) => {
    const r = await sockml(['experiment', 'analyze', ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  it('skips a partial (interrupted) run with a warning naming it', async () => {
    const dir = scratch();
    for (const f of ['proactive_step_run01.jsonl', 'reactive_step_run01.jsonl']) writeFileSync(join(dir, f), readFileSync(join(REPO, SEED, f), 'utf8'));
    const partial = readFileSync(join(REPO, SEED, 'proactive_step_run02.jsonl'), 'utf8').split('\n').slice(0, 5).join('\n') + '\n';
    writeFileSync(join(dir, 'proactive_step_run02.partial.jsonl'), partial);
    const r = await sockml(['experiment', 'analyze', dir, '--json', '--resamples', '100']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: skipped .*proactive_step_run02\.partial\.jsonl: partial run/);
    const j = JSON.parse(r.stdout);
    expect(j.counts).toMatchObject({ filesUsed: 2, filesSkipped: 1, runs: 2 });
    expect(j.files.skipped[0].reason).toMatch(/^partial run: /);
  });
});
