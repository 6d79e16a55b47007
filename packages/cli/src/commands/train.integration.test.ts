import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { startSockml } from '../testing/sockml-process.js';
import { REPO, sockml } from '../test-support.js';

/**
 * Slow (about 6 minutes): retrains the three models from the committed fixtures with `sockml train`
 * and checks that it reproduces the committed models exactly — cards (with their CV and nested-CV
 * metrics), both CV reports, the parity file and the ONNX bytes. Needs the Python packages of models/requirements.txt
 * (scripts/setup-python.sh; scripts/test.sh runs it).
 */
/** The project's Python on `code`, asynchronously (seconds of spawnSync would stall this worker's RPC). */
async function pythonJson(code: string): Promise<any> {
  const { stdout } = await promisify(execFile)(join(REPO, '.venv/bin/python'), ['-c', code], { cwd: REPO, encoding: 'utf8', maxBuffer: 1 << 24 });
  return JSON.parse(stdout);
}

describe('sockml train (integration)', () => {
  it('reproduces the committed models, cards, CV and nested CV reports from the fixtures', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sockml-train-'));
    // Async: minutes of spawnSync would block this test worker past vitest's RPC timeout. About 5 minutes on
    // two idle cores, most of it the nested cross-validation that the cards' outer-fold numbers come from.
    const r = await startSockml(['train', '--out-dir', out], { timeoutMs: 1_500_000 }).done;
    expect(r.code, r.stderr).toBe(0);
    const committed = readdirSync(join(REPO, 'models')).filter((f) => /\.(onnx|card\.json)$|^(nested-)?cv-report\.(json|md)$|^parity\.csv$/.test(f));
    expect(committed.length).toBe(3 * 2 + 5);
    for (const f of committed) {
      expect(readFileSync(join(out, f)).equals(readFileSync(join(REPO, 'models', f))), `${f} differs from the committed one`).toBe(true);
    }
  }, 1_500_000);

  it('--calibrate --nested-report: outer folds choose without their held-out runs, under --quick predict what plain CV does, and the runtime votes as the trainer scored', async () => {
    // Four runs, two patterns, starting hyperparameters only: about 30 s.
    const runs = ['ramp/run_1', 'ramp/run_2', 'spike/run_1', 'spike/run_2'].map((r) => `fixtures/sockshop-gke/runs/${r}.csv`);
    const out = mkdtempSync(join(tmpdir(), 'sockml-train-'));
    const r = await startSockml(['train', ...runs, '--out-dir', out, '--quick', '--calibrate', '--nested-report'], { timeoutMs: 600_000 }).done;
    expect(r.code, r.stderr).toBe(0);
    const nested = JSON.parse(readFileSync(join(out, 'nested-cv-report.json'), 'utf8'));
    const cv = JSON.parse(readFileSync(join(out, 'cv-report.json'), 'utf8'));
    expect(Object.keys(nested.thresholdRules)).toEqual(['f1', 'precision:0.7', 'recall:0.8']);
    expect(nested.schemes.loro.folds.map((f: { heldOut: string }) => f.heldOut)).toEqual(runs);
    expect(nested.schemes.lopo.folds.map((f: { heldOut: string }) => f.heldOut)).toEqual(['ramp', 'spike']);
    // Honest outer folds: a fold's choices were made on runs other than those it is scored on.
    for (const f of nested.schemes.loro.folds) expect(f.innerRuns).toEqual(runs.filter((x) => x !== f.heldOut));
    for (const f of nested.schemes.lopo.folds) expect(f.innerRuns).toEqual(runs.filter((x) => !x.includes(`/${f.heldOut}/`)));
    // With one hyperparameter candidate the outer models are plain LORO's models (same rows, same seed), so
    // every model's outer-fold ranking equals cv-report's; only the thresholds, chosen inside, differ.
    for (const m of ['xgboost', 'random_forest', 'logistic_regression']) {
      expect(nested.schemes.loro.results.f1.passing[m].prAuc).toBeCloseTo(cv.loro[m].prAuc, 12);
      expect(nested.schemes.lopo.results.f1.passing[m].prAuc).toBeCloseTo(cv.lopo[m].prAuc, 12);
    }
    expect(nested.schemes.loro.results.f1.passing.persistence).toEqual(cv.loro.persistence);
    const md = readFileSync(join(out, 'nested-cv-report.md'), 'utf8');
    expect(md).toContain('### Outer folds by run (leave one run out)');
    for (const e of ['ensemble:weighted-f1', 'ensemble:weighted-calibrated', 'ensemble:stacked']) expect(md).toContain(`| ${e} |`);

    // The cards carry the calibration and the ensemble; replay with them must take the decisions the trainer's
    // own formulas give on the same probabilities (weighted over calibrated probabilities, and stacked).
    const cards = ['xgboost', 'random_forest', 'logistic_regression'].map((m) => JSON.parse(readFileSync(join(out, `${m}.card.json`), 'utf8')));
    for (const c of cards) {
      expect(c.calibration.method).toBe('platt');
      expect(c.ensemble).toEqual(cards[0].ensemble);
    }
    for (const weights of ['f1', 'stacked']) {
      const decisions = join(out, `replay-${weights}.csv`);
      const rr = await sockml(['replay', runs[0], runs[3], '--models', out, '--strategy', 'weighted', '--weights', weights, '--out', decisions]);
      expect(rr.code, rr.stderr).toBe(0);
      const got = await pythonJson(
        `import sys, json; sys.path.insert(0, 'models'); import train, numpy as np, pandas as pd
names = ['xgboost', 'random_forest', 'logistic_regression']
cards = {n: json.load(open(f'${out}/{n}.card.json')) for n in names}
e = cards['xgboost']['ensemble']
fitted = {'calibration': {n: cards[n].get('calibration') for n in names}, 'weights': {n: cards[n]['weight'] for n in names},
  'stacked': {k: e['stacked'][k] for k in ('intercept', 'coefficients')},
  'thresholds': {'ensemble:weighted-calibrated': e['weighted']['threshold'], 'ensemble:stacked': e['stacked']['threshold']}}
df = pd.read_csv('${decisions}')
d, score = train.calibrated_predictors({n: df[n + '_probability'].to_numpy(float) for n in names}, fitted)['${weights === 'f1' ? 'ensemble:weighted-calibrated' : 'ensemble:stacked'}']
print(json.dumps({'rows': len(df), 'maxDiff': float(np.abs(score - df['ensemble_score']).max()), 'voteMismatches': int((d != (df['ensemble_vote'] == 1)).sum())}))`,
      );
      expect(got.rows).toBeGreaterThan(300);
      expect(got.maxDiff).toBeLessThan(1e-9);
      expect(got.voteMismatches).toBe(0);
    }
  }, 600_000);

  it("counts violation episodes and early catches as replay does, over every poll: an onset in a series' last (unlabelled) polls too", async () => {
    // step/run_2's front-end crosses the SLO at its last poll: that poll has no label, and the matrix still carries it.
    const run = 'fixtures/sockshop-gke/runs/step/run_2.csv';
    const dir = mkdtempSync(join(tmpdir(), 'sockml-train-'));
    const built = await sockml(['dataset', 'build', run, '-o', join(dir, 'matrix.csv')]);
    expect(built.code, built.stderr).toBe(0);
    const rr = await sockml(['replay', run, '--json', '--out', join(dir, 'decisions.csv')]);
    expect(rr.code, rr.stderr).toBe(0);
    const replayed = JSON.parse(rr.stdout).episodes;
    const got = await pythonJson(
      `import sys, json; sys.path.insert(0, 'models'); import train, numpy as np, pandas as pd
df, features = train.load_matrix('${dir}/matrix.csv')
low, _ = train.gate_series(df, train.DEFAULT_MIN_LATENCY_SHARE)
data = train.to_data(df, features, 35.68, low, 'report')
dec = pd.read_csv('${dir}/decisions.csv', dtype=str)
keys = pd.DataFrame({'run_id': data.run, 'service': data.service, 'timestamp': data.timestamp})
dec = keys.merge(dec, on=['run_id', 'service', 'timestamp'], how='left', validate='one_to_one')
names = ['logistic_regression', 'random_forest', 'xgboost']
flags = {**{n: (dec[n + '_vote'] == '1').to_numpy() for n in names}, 'ensemble': (dec['ensemble_vote'] == '1').to_numpy(), 'persistence': data.violating}
every = train.onsets_caught_early(data, np.ones(len(data.y), dtype=bool), flags, 2)
labelled_only = train.onsets_caught_early(data, data.labelled, flags, 2)
print(json.dumps({'matched': int(dec['ensemble_vote'].notna().sum()), 'rows': len(data.y), 'unlabelled': int((~data.labelled).sum()),
  'count': every['ensemble']['episodes'], 'labelledOnly': labelled_only['ensemble']['episodes'],
  'caughtEarly': {n: o['caughtEarly'] for n, o in every.items()}, 'meanLeadSeconds': {n: o['meanLeadSeconds'] for n, o in every.items()}}))`,
    );
    expect(got.matched).toBe(got.rows); // every matrix row is a replayed poll
    expect(got.unlabelled).toBeGreaterThan(0);
    expect(got.labelledOnly, 'the run has an onset among its unlabelled polls').toBeLessThan(got.count);
    expect(got.count).toBe(replayed.count);
    expect(got.caughtEarly).toEqual(replayed.caughtEarly);
    for (const [n, lead] of Object.entries(replayed.meanLeadSeconds as Record<string, number | null>)) {
      if (lead === null) expect(got.meanLeadSeconds[n]).toBeNull();
      else expect(got.meanLeadSeconds[n]).toBeCloseTo(lead, 2);
    }
  });

  it("the CV reports' weighted ensemble is the runtime's weighted strategy with the bundled cards", async () => {
    const decisions = join(mkdtempSync(join(tmpdir(), 'sockml-train-')), 'replay.csv');
    const rr = await sockml(['replay', 'fixtures/sockshop-gke/runs/ramp/run_1.csv', 'fixtures/sockshop-gke/runs/spike/run_2.csv', '--strategy', 'weighted', '--out', decisions]);
    expect(rr.code, rr.stderr).toBe(0);
    const got = await pythonJson(
      `import sys, json; sys.path.insert(0, 'models'); import train, numpy as np, pandas as pd
names = ['xgboost', 'random_forest', 'logistic_regression']
cards = {n: json.load(open(f'models/{n}.card.json')) for n in names}
df = pd.read_csv('${decisions}')
d, score = train.ensemble_predictors({n: df[n + '_probability'].to_numpy(float) for n in names}, {n: cards[n]['threshold'] for n in names}, {n: cards[n]['weight'] for n in names})['ensemble:weighted-f1']
print(json.dumps({'rows': len(df), 'maxDiff': float(np.abs(score - df['ensemble_score']).max()), 'voteMismatches': int((d != (df['ensemble_vote'] == 1)).sum()), 'votes': int(d.sum())}))`,
    );
    expect(got.rows).toBeGreaterThan(300);
    expect(got.votes).toBeGreaterThan(0);
    expect(got.maxDiff).toBeLessThan(1e-9);
    expect(got.voteMismatches).toBe(0);
  });

  it("the CV reports' regime ensemble is the runtime's regime strategy with the bundled cards", async () => {
    const runs = ['fixtures/sockshop-gke/runs/ramp/run_1.csv', 'fixtures/sockshop-gke/mixed-4h.csv'];
    const decisions = join(mkdtempSync(join(tmpdir(), 'sockml-train-')), 'replay.csv');
    const rr = await sockml(['replay', ...runs, '--strategy', 'regime', '--out', decisions]);
    expect(rr.code, rr.stderr).toBe(0);
    // The poll's own p95 comes from the recordings (the decisions log's feature column is imputed where it is missing).
    const got = await pythonJson(
      `import sys, json; sys.path.insert(0, 'models'); import train, numpy as np, pandas as pd
card = json.load(open('models/xgboost.card.json'))
r = card['regime']
df = pd.read_csv('${decisions}')
rec = pd.concat([pd.read_csv(f)[['timestamp', 'service', 'p95_latency_ms']] for f in ${JSON.stringify(runs)}])
p95 = df[['timestamp', 'service']].merge(rec, on=['timestamp', 'service'], how='left', validate='one_to_one')['p95_latency_ms'].to_numpy(float)
violating, latency = p95 > card['label']['sloMs'], ~np.isnan(p95)
d, score = train.regime_predictor(df[r['model'] + '_probability'].to_numpy(float), violating, latency, r['calmThreshold'])
calm = ~violating & latency
print(json.dumps({'rows': len(df), 'maxDiff': float(np.abs(score - df['ensemble_score']).max()), 'voteMismatches': int((d != (df['ensemble_vote'] == 1)).sum()),
  'hot': int(violating.sum()), 'calmAlarms': int((d & calm).sum()), 'noData': int((~latency).sum()), 'noDataAlarms': int((d & ~latency).sum())}))`,
    );
    expect(got.rows).toBeGreaterThan(1000);
    // Each branch is exercised: hot polls, calm alarms, and polls without latency data (the low-traffic series of mixed-4h).
    expect(got.hot).toBeGreaterThan(0);
    expect(got.calmAlarms).toBeGreaterThan(0);
    expect(got.noData).toBeGreaterThan(0);
    expect(got.noDataAlarms).toBe(0);
    expect(got.maxDiff).toBeLessThan(1e-9);
    expect(got.voteMismatches).toBe(0);
  });

  it('refuses a threshold rule it does not know, before doing any work', async () => {
    const r = await sockml(['train', '--threshold-rule', 'precision:1.2', '--out-dir', mkdtempSync(join(tmpdir(), 'sockml-train-'))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--threshold-rule must be f1, precision:P or recall:R with 0 < P, R < 1, got 'precision:1.2'/);
  });

  it('refuses to train on a held-out recording unless asked to', async () => {
    const r = await sockml(['train', 'fixtures/sockshop-gke/runs/step/run_3.csv', '--out-dir', mkdtempSync(join(tmpdir(), 'sockml-train-'))]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/fixtures\/sockshop-gke\/runs\/step\/run_3\.csv: held out for evaluation \(models\/holdout-runs\.txt\)/);
  });

  it('says exactly what is missing when Python is not there', async () => {
    const r = await sockml(['train', '--python', '/nonexistent/python3']);
    expect(r.code).toBe(4);
    expect(r.stderr).toMatch(/cannot run '\/nonexistent\/python3'/);
  });
});
