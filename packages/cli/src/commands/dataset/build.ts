import { durationFlag, pollIntervalFlag, TRAINING_FEATURE_SET } from '../../lib/flags.js';
import { Args, Flags } from '@oclif/core';
import { InputError, SockmlCommand } from '../../lib/base-command.js';
import { buildDataset, describeLabel, FEATURE_SET_IDS, featureSet, formatTrainingRow, trainingHeader, type DatasetStats } from '@sockml/core';
import { AtomicOutput } from '../../lib/output-file.js';
import { expandRecordings, newReadStats, openRecordings } from '../../lib/recordings.js';

export default class DatasetBuild extends SockmlCommand {
  static description = `Build a training matrix from recorded metrics CSVs.

Runs the same FeatureExtractor and Labeler as replay and the live pipeline, so a model is trained on
exactly the inputs it will see. Each CSV is one run (state resets between files). Labels are future-only:
label(t) = 1 if p95 > SLO in any of polls t+1..t+k of the same service. Every poll is a row: the last k
polls of each series (and a poll whose lookahead holds a missing poll) have an empty label; the trainer
does not learn from or score them, but counts violation episodes over them as replay does. Columns:
features in model order, then label, run_id, pattern, service, timestamp, p95_now_ms. The matrix is
written beside -o and renamed into place once complete: a run that fails leaves an earlier file as it was.

Exit codes: 0 success, 2 bad input (a malformed or non-recording CSV, file:line; a bad flag; an -o that
cannot be written or is one of the inputs).`;

  static examples = [
    { description: "Every bundled GKE run with the bundled models' feature set and label (train reads models/training-runs.txt, not the held-out runs)", command: '<%= config.bin %> dataset build fixtures/sockshop-gke/runs -o train.csv' },
    { description: 'Another feature set and label horizon', command: '<%= config.bin %> dataset build fixtures/sockshop-gke/runs --feature-set trend-v2 --lookahead 3 -o train-v2.csv' },
  ];

  static args = { recordings: Args.string({ description: 'metrics CSV files or directories of them', required: true }) };
  static strict = false;
  static enableJsonFlag = true;

  static flags = {
    slo: Flags.string({ description: 'p95 SLO in ms', default: '35.68' }),
    lookahead: Flags.integer({ description: 'label horizon k in polls', default: 2, min: 1 }),
    'feature-set': Flags.string({ description: "feature set id (the default is train's and the bundled models')", default: TRAINING_FEATURE_SET, options: FEATURE_SET_IDS }),
    output: Flags.string({ char: 'o', description: 'output CSV path (written beside it and renamed once complete; never one of the inputs)', required: true }),
    'poll-interval': pollIntervalFlag,
    'skip-invalid': Flags.boolean({ description: 'skip malformed rows (counted) instead of failing' }),
  };

  async run() {
    const { argv, flags } = await this.parse(DatasetBuild);
    const sloMs = Number(flags.slo);
    if (!(sloMs > 0)) throw new InputError(`--slo must be a positive number of ms, got '${flags.slo}'`);
    const set = featureSet(flags['feature-set']);
    const label = { metric: 'p95_latency_ms' as const, sloMs, lookahead: flags.lookahead };
    const files = await expandRecordings(argv as string[]);
    const readStats = newReadStats();
    const stats: DatasetStats = { rows: 0, labelled: 0, positives: 0, unlabelled: 0, imputedInputs: 0 };
    const pollIntervalMs = durationFlag('poll-interval', flags['poll-interval']);
    // The matrix appears under -o only when every recording was read; the earlier file stays otherwise.
    const out = AtomicOutput.open(flags.output, { flag: '-o', inputs: files });
    try {
      out.write(trainingHeader(set.names) + '\n');
      for await (const row of buildDataset(openRecordings(files, { skipInvalid: flags['skip-invalid'] }, readStats), set, label, stats, pollIntervalMs)) {
        if (!out.write(formatTrainingRow(row) + '\n')) await out.drained();
      }
      await out.commit();
    } finally {
      await out.abort();
    }
    const result = { output: flags.output, files: files.length, featureSet: set.id, label: describeLabel(label), ...stats, invalidRows: readStats.invalid };
    this.log(`${flags.output}: ${stats.labelled} labelled rows (${stats.positives} positive) and ${stats.unlabelled} unlabelled from ${files.length} recordings, feature set ${set.id}`);
    if (readStats.invalid > 0) this.log(`skipped ${readStats.invalid} malformed rows, e.g. ${readStats.invalidExamples[0]}`);
    return result;
  }
}
