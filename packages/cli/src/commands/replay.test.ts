import { copyFileSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { REPO, sockml } from '../test-support.js';

const scratch = () => mkdtempSync(join(tmpdir(), 'sockml-replay-'));
const STEP = 'fixtures/sockshop-gke/runs/step/run_3.csv';

describe('sockml replay', () => {
  it('prints a table with every model, the ensemble and the persistence baseline', async () => {
    const r = await sockml(['replay', STEP]);
    expect(r.code, r.stderr).toBe(0);
    for (const row of ['xgboost', 'random_forest', 'logistic_regression', 'ensemble (majority)', 'persistence (p95_t > SLO)']) expect(r.stdout).toContain(row);
    expect(r.stdout).toMatch(/labelled rows: \d+/);
    expect(r.stdout).not.toMatch(/\u001b\[/); // NO_COLOR: no escape codes
  });

  it('--json prints one object with the documented fields', async () => {
    const r = await sockml(['replay', STEP, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ rows: 175, runs: 1 });
    expect(j.labelled + j.unlabelled).toBe(175);
    for (const key of ['precision', 'recall', 'f1', 'accuracy', 'rocAuc', 'prAuc']) {
      for (const m of ['xgboost', 'random_forest', 'logistic_regression']) expect(j.models[m]).toHaveProperty(key);
      expect(j.ensemble).toHaveProperty(key);
      expect(j.persistence).toHaveProperty(key);
    }
    expect(Object.keys(j.episodes.caughtEarly)).toEqual(['logistic_regression', 'random_forest', 'xgboost', 'ensemble', 'persistence']);
    expect(j.episodes).toHaveProperty('meanLeadSeconds');
    expect(j.episodes.caughtEarly.persistence).toBe(0);
    // Precision at persistence's recall, and PR curves (recall 0.05 … 1), for every model and the ensemble.
    expect(j.matchedRecall).toMatchObject({ reference: 'persistence', precision: j.persistence.precision, recall: j.persistence.recall });
    expect(Object.keys(j.matchedRecall.predictors)).toEqual(['logistic_regression', 'random_forest', 'xgboost', 'ensemble']);
    for (const p of Object.values(j.matchedRecall.predictors) as { recall: number }[]) expect(p.recall).toBeGreaterThanOrEqual(j.persistence.recall);
    expect(Object.keys(j.prCurves)).toEqual(['logistic_regression', 'random_forest', 'xgboost', 'ensemble']);
    expect(j.prCurves.ensemble.map((p: { recallAtLeast: number }) => p.recallAtLeast)).toEqual(Array.from({ length: 20 }, (_, i) => (i + 1) / 20));
  });

  it('--out writes one row per (snapshot, service) with features, probabilities, votes, decision and label', async () => {
    const out = join(scratch(), 'decisions.csv');
    const r = await sockml(['replay', STEP, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const rows = parseCsvSync(readFileSync(out, 'utf8'), { columns: true }) as Record<string, string>[];
    expect(rows.length).toBe(175);
    const cols = Object.keys(rows[0]);
    expect(cols).toEqual(expect.arrayContaining(['run_id', 'timestamp', 'service', 'p95_latency_ms', 'xgboost_probability', 'xgboost_vote', 'ensemble_vote', 'decision', 'target_replicas', 'label']));
    const j = JSON.parse(r.stdout);
    expect(rows.filter((x) => x.label === '1').length).toBe(j.positives);
    expect(rows.filter((x) => x.label === '').length).toBe(j.unlabelled);
    expect(rows.filter((x) => x.decision === 'SCALE_UP').length).toBe(j.decisions.SCALE_UP);
  });

  it('replays every bundled recording (copies of ../shared/data) with --json', async () => {
    const dir = join(REPO, 'fixtures');
    // fixtures/traces holds load traces (`t_seconds,rps`), not recordings.
    const files = readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.csv') && !f.startsWith('traces'));
    expect(files.length).toBe(21);
    for (const f of files) {
      const r = await sockml(['replay', join(dir, f), '--json', ...(f.includes('local') ? ['--slo', '9.86', '--allow-label-mismatch'] : [])]);
      expect(r.code, `${f}: ${r.stderr}`).toBe(0);
      const j = JSON.parse(r.stdout);
      expect(j.rows).toBe(readFileSync(join(dir, f), 'utf8').trim().split('\n').length - 1);
      expect(j.labelled + j.unlabelled).toBe(j.rows);
    }
  }, 300_000); // 21 replays, one process each

  it('--labels column scores against the CSV’s own sla_violated column', async () => {
    const r = await sockml(['replay', STEP, '--labels', 'column', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    const recorded = (parseCsvSync(readFileSync(join(REPO, STEP), 'utf8'), { columns: true }) as Record<string, string>[]).filter((x) => x.sla_violated === '1').length;
    expect(j).toMatchObject({ labelled: 175, unlabelled: 0, positives: recorded });
  });

  it('a malformed row stops the replay with file:line and exit code 2', async () => {
    const r = await sockml(['replay', 'packages/cli/src/testdata/malformed.csv']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/packages\/cli\/src\/testdata\/malformed\.csv:4: column 'p95_latency_ms': 'slow' is not a number/);
  });

  it('a poll repeated or out of order stops the replay with file:line and the previous poll\'s line, exit code 2', async () => {
    // step run 3 with its 20th row copied to the end: that service's poll is then not after its previous one.
    const lines = readFileSync(join(REPO, STEP), 'utf8').trim().split('\n');
    const [stamp, service] = lines[19].split(',');
    const previous = lines.map((l, i) => ({ l, line: i + 1 })).filter(({ l }) => l.split(',')[1] === service).at(-1)!.line;
    const dir = scratch();
    const file = join(dir, 'order.csv');
    writeFileSync(file, [...lines, lines[19]].join('\n') + '\n');
    for (const extra of [[], ['--skip-invalid']]) {
      const r = await sockml(['replay', file, ...extra]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toContain(`order.csv:${lines.length + 1}: service '${service}' has a poll at ${stamp} that is not after its previous poll (line ${previous})`);
    }
  });

  it('--skip-invalid skips and counts malformed rows', async () => {
    const r = await sockml(['replay', 'packages/cli/src/testdata/malformed.csv', '--skip-invalid', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j).toMatchObject({ rows: 6, invalidRows: 1 });
    expect(j.invalidExamples[0]).toMatch(/malformed\.csv:4:/);
  });

  it('refuses an --slo or --lookahead the models were not trained for, exit code 2', async () => {
    for (const flags of [['--slo', '9.86'], ['--lookahead', '3']]) {
      const r = await sockml(['replay', STEP, ...flags]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(/is not the label models 'logistic_regression', 'random_forest', 'xgboost' were trained for \(p95 > 35\.68 ms within 2 polls\)/);
      expect(r.stderr).toMatch(/pass --allow-label-mismatch/);
      expect(r.stdout).toBe('');
    }
  });

  it('--allow-label-mismatch scores them anyway, with one warning per model', async () => {
    const r = await sockml(['replay', STEP, '--slo', '9.86', '--allow-label-mismatch', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.label).toMatchObject({ sloMs: 9.86, lookahead: 2 });
    expect(j.warnings).toHaveLength(3);
    expect(j.warnings[0]).toMatch(/trained for p95 > 35\.68 ms within 2 polls; scoring against --slo 9\.86 --lookahead 2/);
  });

  it('the models\' own --slo and --lookahead need no override', async () => {
    const r = await sockml(['replay', STEP, '--slo', '35.68', '--lookahead', '2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).warnings).toEqual([]);
  });

  it("warns when a recording is the models' training data, by its bytes, whatever its name", async () => {
    const copy = join(scratch(), 'renamed.csv');
    copyFileSync('fixtures/sockshop-gke/runs/step/run_1.csv', copy); // listed in models/training-runs.txt
    const r = await sockml(['replay', STEP, copy, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const { warnings } = JSON.parse(r.stdout);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^1 of 2 recording\(s\) \(.*renamed\.csv\) are the models' training data .*in-sample; models\/holdout-runs\.txt lists runs the models never saw$/);
  });

  it.each([
    [['replay', 'no/such.csv'], 2, /no\/such\.csv: no such file or directory/],
    [['replay', STEP, '--slo', 'fast'], 2, /--slo must be a positive number of ms, got 'fast'/],
    [['replay', STEP, '--models', '/nonexistent'], 3, /\/nonexistent: model directory not found/],
  ])('%j exits %i with a one-line reason', async (args, code, message) => {
    const r = await sockml(args as string[]);
    expect(r.code).toBe(code);
    expect(r.stderr).toMatch(message);
  });

  it('names a missing required column', async () => {
    const dir = scratch();
    const dropP99 = (line: string) => line.split(',').filter((_, i) => i !== 6).join(',');
    const text = readFileSync(join(REPO, STEP), 'utf8').trim().split('\n').map(dropP99).join('\n');
    writeFileSync(join(dir, 'nop99.csv'), text);
    const r = await sockml(['replay', join(dir, 'nop99.csv')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/nop99\.csv:1: missing required column 'p99_latency_ms'/);
  });

  it('refuses models whose cards disagree on the feature set, exit code 3', async () => {
    const dir = scratch();
    for (const f of readdirSync(join(REPO, 'models')).filter((f) => f.endsWith('.onnx'))) copyFileSync(join(REPO, 'models', f), join(dir, f));
    for (const f of readdirSync(join(REPO, 'models')).filter((f) => f.endsWith('.card.json'))) {
      const card = JSON.parse(readFileSync(join(REPO, 'models', f), 'utf8'));
      if (card.name === 'random_forest') card.featureSet = card.featureSet === 'seed-v1' ? 'trend-v1' : 'seed-v1';
      writeFileSync(join(dir, f), JSON.stringify(card));
    }
    const r = await sockml(['replay', STEP, '--models', dir]);
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/model 'random_forest' was trained on feature set/);
  });

  it('refuses a model whose card names another model, exit code 3', async () => {
    const dir = scratch();
    for (const f of readdirSync(join(REPO, 'models')).filter((f) => f.endsWith('.onnx'))) copyFileSync(join(REPO, 'models', f), join(dir, f));
    for (const f of readdirSync(join(REPO, 'models')).filter((f) => f.endsWith('.card.json'))) {
      const card = JSON.parse(readFileSync(join(REPO, 'models', f), 'utf8'));
      if (card.name === 'xgboost') card.name = 'random_forest'; // two "random_forest" voters, no xgboost
      writeFileSync(join(dir, f), JSON.stringify(card));
    }
    const r = await sockml(['replay', STEP, '--models', dir]);
    expect(r.code).toBe(3);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/xgboost\.card\.json: the card names model 'random_forest' but the file is 'xgboost'/);
  });

  it('a missing poll: features and labels do not reach across it, and the report counts it', async () => {
    // step run 3 with one poll (all 7 services at one timestamp) taken out.
    const lines = readFileSync(join(REPO, STEP), 'utf8').trim().split('\n');
    const stamps = [...new Set(lines.slice(1).map((l) => l.split(',')[0]))];
    const dropped = stamps[10];
    const dir = mkdtempSync(join(tmpdir(), 'sockml-gap-'));
    const gapped = join(dir, 'run_3.csv');
    writeFileSync(gapped, lines.filter((l) => l.split(',')[0] !== dropped).join('\n') + '\n');
    const full = JSON.parse((await sockml(['replay', STEP, '--json'])).stdout);
    const r = await sockml(['replay', gapped, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.rows).toBe(full.rows - 7);
    expect(full.gaps).toBe(0);
    expect(j.gaps).toBe(7); // each service's poll after the hole
    // k = 2: the two polls before the hole have it in their lookahead; those without a violation seen are unknown.
    expect(j.gapUnlabelled).toBeGreaterThan(0);
    expect(j.gapUnlabelled).toBeLessThanOrEqual(14);
    expect(j.labelled + j.unlabelled).toBe(j.rows);
    expect(j.unlabelled).toBe(full.unlabelled + j.gapUnlabelled);
    // Told it polls every 10 minutes, replay sees no hole at all.
    const blind = JSON.parse((await sockml(['replay', gapped, '--json', '--poll-interval', '10m'])).stdout);
    expect([blind.gaps, blind.gapUnlabelled]).toEqual([0, 0]);
  });

  describe('recordings that are not what they seem', () => {
    const text = readFileSync(join(REPO, STEP), 'utf8');
    const lines = text.trim().split('\n');

    it('its own earlier --out in the recordings directory is refused as a recording, naming it', async () => {
      const dir = scratch();
      writeFileSync(join(dir, 'run_3.csv'), text);
      const first = await sockml(['replay', dir, '--out', join(dir, 'decisions.csv')]);
      expect(first.code, first.stderr).toBe(0);
      const again = await sockml(['replay', dir, '--out', join(dir, 'decisions-2.csv')]);
      expect(again.code).toBe(2);
      expect(again.stderr).toMatch(/decisions\.csv:1: not a metrics recording: this is a `sockml replay --out` decisions log/);
    });

    it('a value beyond float32 (1e308) stops the replay with file:line, as Infinity does', async () => {
      const dir = scratch();
      const cells = lines[9].split(',');
      cells[7] = '1e308'; // cpu_usage_pct
      writeFileSync(join(dir, 'huge.csv'), [...lines.slice(0, 9), cells.join(','), ...lines.slice(10)].join('\n') + '\n');
      const r = await sockml(['replay', join(dir, 'huge.csv')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/huge\.csv:10: column 'cpu_usage_pct': 1e\+308 is beyond float32/);
    });

    it('CR-only line ends: every row is read', async () => {
      const dir = scratch();
      writeFileSync(join(dir, 'mac.csv'), lines.join('\r') + '\r');
      const r = await sockml(['replay', join(dir, 'mac.csv'), '--json']);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout).rows).toBe(175);
    });

    it('a header-only file is an error naming it, not an empty success', async () => {
      const dir = scratch();
      writeFileSync(join(dir, 'empty.csv'), lines[0] + '\n');
      const r = await sockml(['replay', join(REPO, STEP), join(dir, 'empty.csv')]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/empty\.csv: no rows after the header/);
    });
  });

  it('--weights: refused for other strategies (exit 2); stacked, the learned weights, only for the models they were learned on (exit 3)', async () => {
    const wrong = await sockml(['replay', STEP, '--strategy', 'majority', '--weights', 'stacked']);
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(/--weights stacked applies to --strategy weighted only, not majority/);
    const cards = readdirSync(join(REPO, 'models')).filter((f) => f.endsWith('.card.json'));
    const learned = JSON.parse(readFileSync(join(REPO, 'models', cards[0]), 'utf8')).ensemble;
    const subset = await sockml(['replay', STEP, '--strategy', 'weighted', '--weights', 'stacked', '--model', 'xgboost']);
    expect(subset.code).toBe(3);
    expect(subset.stderr).toMatch(learned ? /--weights stacked: the weights were learned for models .*, but xgboost are in use/ : /--weights stacked needs cards with learned ensemble weights/);
  });
});
