import { createWriteStream } from 'node:fs';
import { durationFlag, pollIntervalFlag, TRAINING_FEATURE_SET } from '../lib/flags.js';
import { once } from 'node:events';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { Args, Flags } from '@oclif/core';
import { EXIT, InputError, SockmlCommand } from '../lib/base-command.js';
import { buildDataset, FEATURE_SET_IDS, featureSet, formatTrainingRow, trainingHeader, type DatasetStats } from '@sockml/core';
import { REPO_ROOT } from '../lib/paths.js';
import { checkTrainerPython, defaultPython, runPython } from '../lib/python.js';
import { expandRecordings, newReadStats, openRecordings } from '../lib/recordings.js';

export default class Train extends SockmlCommand {
  static summary = 'Train the XGBoost, Random Forest and Logistic Regression voters and export them to ONNX.';

  static description = `Builds the training matrix with the same FeatureExtractor and Labeler that replay and the live
pipeline use (as 'sockml dataset build' does), then runs models/train.py: data gates, grouped
cross-validation by run and by pattern (never random rows), hyperparameters and thresholds chosen on
the training runs only, final models exported to <out-dir>/<name>.onnx with a model card beside each,
and a cross-validation report (models/cv-report.md) beside the persistence baseline. Then, unless
--no-nested-report, the honest estimate: the same procedure by nested cross-validation, everything chosen
inside each outer fold (models/nested-cv-report.md; the cards carry its outer-fold numbers).

Without recordings it trains on the runs listed in models/training-runs.txt. Needs Python with the
packages pinned in models/requirements.txt (bash scripts/setup-python.sh installs them in .venv).`;

  static examples = [
    { description: 'Rebuild the bundled models from the fixtures', command: '<%= config.bin %> train' },
    { description: 'Fast check into a scratch directory (no hyperparameter grid, no nested CV)', command: '<%= config.bin %> train --out-dir /tmp/models --quick --no-nested-report' },
    { description: 'Thresholds for precision 0.7 instead of best F1, measured by nested CV', command: '<%= config.bin %> train --out-dir /tmp/models --threshold-rule precision:0.7 --nested-report' },
  ];

  static strict = false;
  static args = { recordings: Args.string({ description: 'training recordings (CSV files or directories) [default: models/training-runs.txt]' }) };

  static flags = {
    'out-dir': Flags.string({ description: 'where the ONNX models, cards and reports go', default: join(REPO_ROOT, 'models') }),
    'feature-set': Flags.string({ description: 'feature set id (seed-v1: trend-v2 classifies better in nested CV but makes the closed loop worse, see models/README.md)', options: FEATURE_SET_IDS, default: TRAINING_FEATURE_SET }),
    slo: Flags.string({ description: 'p95 SLO in ms', default: '35.68' }),
    lookahead: Flags.integer({ description: 'label horizon k in polls', default: 2, min: 1 }),
    python: Flags.string({ description: 'Python interpreter [default: .venv/bin/python, else python3]' }),
    quick: Flags.boolean({ description: 'skip the hyperparameter search (starting points only)' }),
    'threshold-rule': Flags.string({
      description:
        "what each model's threshold optimises on its pooled leave-one-run-out out-of-fold probabilities: f1 (the bundled models' rule), precision:P (the highest recall at precision ≥ P) or recall:R (the highest precision at recall ≥ R)",
      default: 'f1',
    }),
    calibrate: Flags.boolean({
      description:
        "also fit Platt calibration per model and the stacked ensemble on the leave-one-run-out out-of-fold probabilities, into the cards: 'weighted' then averages calibrated probabilities against the ensemble's own threshold, and '--weights stacked' uses the learned weights",
    }),
    'nested-report': Flags.boolean({
      description:
        "measure the whole procedure by nested cross-validation (outer folds by run and by pattern; hyperparameters, thresholds and weights chosen inside each) into <out-dir>/nested-cv-report.md and .json, and the cards' evaluation.nested: most of the run's 5 minutes on 2 cores. --no-nested-report skips it (cards then lack those numbers)",
      default: true,
      allowNo: true,
    }),
    'save-native': Flags.boolean({ description: 'also keep the fitted Python models in <out-dir>/native/ (the benchmark compares with them)' }),
    seed: Flags.integer({ description: 'random seed', default: 42 }),
    'poll-interval': pollIntervalFlag,
    'allow-holdout': Flags.boolean({ description: 'train on recordings listed in models/holdout-runs.txt too (they are held out for evaluation)' }),
  };

  async run() {
    const { argv, flags } = await this.parse(Train);
    const rule = flags['threshold-rule'];
    // The same rule as models/train.py's parse_threshold_rule: f1, or precision:/recall: and a number in (0, 1).
    const target = /^(?:precision|recall):(.+)$/.exec(rule)?.[1];
    const ruleOk = rule === 'f1' || (target !== undefined && target.trim() !== '' && Number(target) > 0 && Number(target) < 1);
    if (!ruleOk) this.error(`--threshold-rule must be f1, precision:P or recall:R with 0 < P, R < 1, got '${rule}'`, { exit: EXIT.badInput });
    const python = flags.python ?? defaultPython();
    const problem = checkTrainerPython(python);
    if (problem) this.error(problem, { exit: EXIT.environment });

    const sloMs = Number(flags.slo);
    if (!(sloMs > 0)) this.error(`--slo must be a positive number of ms, got '${flags.slo}'`, { exit: EXIT.badInput });
    const inputs = argv.length > 0 ? (argv as string[]) : await pathList(join(REPO_ROOT, 'models', 'training-runs.txt'));
    const files = await expandRecordings(inputs);
    if (!flags['allow-holdout']) {
      const holdout = new Set((await pathList(join(REPO_ROOT, 'models', 'holdout-runs.txt'))).map((p) => resolve(p)));
      const used = files.filter((f) => holdout.has(resolve(f)));
      if (used.length > 0) {
        throw new InputError(`${used.map((f) => relative(process.cwd(), f)).join(', ')}: held out for evaluation (models/holdout-runs.txt); training on them would make every held-out number meaningless. Pass --allow-holdout to do it anyway.`);
      }
    }
    const set = featureSet(flags['feature-set']);
    const label = { metric: 'p95_latency_ms' as const, sloMs, lookahead: flags.lookahead };

    const scratch = await mkdtemp(join(tmpdir(), 'sockml-train-'));
    try {
      const matrix = join(scratch, 'train.csv');
      const stats: DatasetStats = { rows: 0, labelled: 0, positives: 0, unlabelled: 0, imputedInputs: 0 };
      const out = createWriteStream(matrix);
      out.write(trainingHeader(set.names) + '\n');
      for await (const row of buildDataset(openRecordings(files, { root: REPO_ROOT }, newReadStats()), set, label, stats, durationFlag('poll-interval', flags['poll-interval']))) {
        if (!out.write(formatTrainingRow(row) + '\n')) await once(out, 'drain');
      }
      out.end();
      await once(out, 'finish');
      this.log(`training matrix: ${stats.labelled} labelled rows (${stats.positives} positive) from ${files.length} recordings, feature set ${set.id}`);

      // Paths in the cards are relative to the repository, so cards do not depend on where it is cloned.
      const sources = files.flatMap((f) => ['--source', relative(REPO_ROOT, resolve(f))]);
      const code = await runPython(
        python,
        [
          join(REPO_ROOT, 'models', 'train.py'),
          '--matrix', matrix,
          '--feature-set', set.id,
          '--slo', String(sloMs),
          '--lookahead', String(flags.lookahead),
          '--out-dir', resolve(flags['out-dir']),
          '--seed', String(flags.seed),
          ...sources,
          '--threshold-rule', rule,
          ...(flags.quick ? ['--quick'] : []),
          ...(flags.calibrate ? ['--calibrate'] : []),
          ...(flags['nested-report'] ? ['--nested-report'] : []),
          ...(flags['save-native'] ? ['--save-native'] : []),
        ],
        REPO_ROOT,
      );
      if (code !== 0) this.error(`models/train.py exited with code ${code}`, { exit: code });
    } finally {
      await rm(scratch, { recursive: true, force: true });
    }
  }
}

/** The paths listed in a models/*.txt file (one per line, relative to the repository, # comments). */
async function pathList(listPath: string): Promise<string[]> {
  const text = await readFile(listPath, 'utf8');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => join(REPO_ROOT, l));
}
