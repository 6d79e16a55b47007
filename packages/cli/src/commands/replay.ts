import { Args, Flags } from '@oclif/core';
import { InputError, SockmlCommand } from '../lib/base-command.js';
import {
  decisionLogHeader,
  formatDecisionLogRow,
  loadModelDirectory,
  replay,
} from '@sockml/core';
import { defaultModelsDir } from '../lib/paths.js';
import { trainingFileDigests } from '../lib/model-cards.js';
import { configFlag, configSloWarning, explicitFlags, policiesFromConfig, readConfigFile, refuseServiceAttribution } from '../lib/config-file.js';
import { policyFlags } from '../lib/policy-flags.js';
import { durationFlag, pollIntervalFlag, strategyFlag, strategyFromFlags, weightsFlag } from '../lib/flags.js';
import { AtomicOutput, checkOutputPath } from '../lib/output-file.js';
import { expandRecordings, newReadStats, openRecordings } from '../lib/recordings.js';
import { renderReplayReport, replayJson } from '../lib/report.js';

export default class Replay extends SockmlCommand {
  static summary = 'Replay recorded metrics through features, models, voting and the scaling policy, offline.';

  static description = `Each CSV is one run of 30 s polls (the columns of the bundled recordings in fixtures/); directories are
searched for *.csv. Every row goes through the same code as the live pipeline: FeatureExtractor → the
ONNX models in --models → VoteAggregator (--strategy) → ScalingPolicy. Predictions are scored against
future-only labels recomputed from p95 (label(t) = p95 > --slo in any of polls t+1..t+--lookahead),
beside the persistence baseline "violating now ⇒ violating soon". The CSV's own sla_violated column is
ignored unless --labels column is given. The scaling policy (min/max replicas, cooldowns, scale-down
rule) takes the same flags as \`sockml scale\`, and --config the same per-service file (each service's
bounds and policy settings), so a live run's decisions can be reproduced offline from its polls.

Models predict the label their cards name (p95 > SLO within k polls). Replay refuses an --slo or
--lookahead that differs from any card's, since the scores would judge the models against a label they
were not trained for; --allow-label-mismatch scores them anyway (with a warning), e.g. for the laptop
recordings' 9.86 ms SLO.

Exit codes: 0 success, 2 bad input (unreadable or malformed CSV, bad flag, --slo/--lookahead not the
models' without --allow-label-mismatch, an --out that cannot be written or is an input), 3 model problem.`;

  static examples = [
    { description: 'Replay the bundled GKE recordings with the bundled models', command: '<%= config.bin %> replay fixtures/sockshop-gke/runs' },
    { description: 'Unanimous voting, machine-readable output', command: '<%= config.bin %> replay fixtures/sockshop-gke/runs/step --strategy unanimous --json' },
    {
      description: 'The laptop recordings use a 9.86 ms SLO, not the models’ own; score them anyway and write every decision to a CSV',
      command: '<%= config.bin %> replay fixtures/sockshop-local/ramp-1h.csv --slo 9.86 --allow-label-mismatch --out decisions.csv',
    },
  ];

  static strict = false;
  static enableJsonFlag = true;
  static args = { recordings: Args.string({ description: 'metrics CSV files or directories of them', required: true }) };

  static flags = {
    strategy: strategyFlag(),
    weights: weightsFlag,
    models: Flags.string({ description: 'directory of <name>.onnx models with <name>.card.json cards [default: ./models or the bundled models]' }),
    model: Flags.string({ description: 'use only these models of --models (repeatable)', multiple: true }),
    slo: Flags.string({ description: 'p95 SLO in ms for labels and the persistence baseline', default: '35.68' }),
    lookahead: Flags.integer({ description: 'label horizon k: polls t+1..t+k', default: 2, min: 1 }),
    'allow-label-mismatch': Flags.boolean({
      description: "score the models even if --slo/--lookahead differ from the label their cards were trained for (otherwise refused, exit code 2)",
    }),
    labels: Flags.string({ description: "'future': recompute future-only labels from p95; 'column': trust the CSV's sla_violated", options: ['future', 'column'], default: 'future' }),
    out: Flags.string({ description: 'write one CSV row per (snapshot, service): features, each model’s probability and vote, the decision, the label (in place only if the replay succeeds; never one of the inputs)' }),
    'skip-invalid': Flags.boolean({ description: 'skip malformed rows (counted in the report) instead of stopping at the first' }),
    progress: Flags.boolean({ description: 'show progress on stderr [default: when stderr is a terminal]', allowNo: true }),
    'poll-interval': pollIntervalFlag,
    ...policyFlags,
    ...configFlag,
    'initial-replicas': Flags.integer({
      description: "policy: the replicas each service ran when its recording began [default: --min-replicas]; a lab run's metrics CSV starts at 1",
      min: 0,
    }),
    'worker-threads': Flags.boolean({
      description: 'run each model in its own worker thread, overlapping inference with reading (--no-worker-threads: all in this thread)',
      default: true,
      allowNo: true,
    }),
  };

  async run() {
    const { argv, flags, metadata } = await this.parse(Replay);
    const sloMs = Number(flags.slo);
    if (!(sloMs > 0)) throw new InputError(`--slo must be a positive number of ms, got '${flags.slo}'`);
    // --config: the policy per service, read as `scale --config` reads it, so a scaler's file replays as it ran.
    const config = flags.config === undefined ? undefined : await readConfigFile(flags.config);
    const { shared: policy, perService: policies } = await policiesFromConfig(config, flags, explicitFlags(metadata, flags), flags.config, { sloMs });
    refuseServiceAttribution({ shared: policy, perService: policies }, flags.config);
    const sloWarning = configSloWarning(config, flags.config, sloMs, 'replay labels');
    if (sloWarning) this.warn(sloWarning);
    const pollIntervalMs = durationFlag('poll-interval', flags['poll-interval']);
    const files = await expandRecordings(argv as string[]);
    if (flags.out) checkOutputPath(flags.out, { flag: '--out', inputs: files });
    const { featureSet, models } = await loadModelDirectory(flags.models ?? defaultModelsDir(), { only: flags.model, workerThreads: flags['worker-threads'] });
    let strategy;
    try {
      strategy = strategyFromFlags(flags, models.map((m) => m.card), sloMs); // regime's hot polls: over the SLO the run is scored against
    } catch (e) {
      await Promise.all(models.map((m) => m.close()));
      throw e;
    }

    // Models predict the label they were trained for. Scoring them against another label silently makes
    // their metrics meaningless, so it is refused unless asked for (e.g. the laptop recordings' 9.86 ms SLO).
    const mismatched = models.filter((m) => m.card.label.sloMs !== sloMs || m.card.label.lookahead !== flags.lookahead);
    const warnings = mismatched.map(
      (m) => `model '${m.name}' was trained for p95 > ${m.card.label.sloMs} ms within ${m.card.label.lookahead} polls; scoring against --slo ${sloMs} --lookahead ${flags.lookahead}`,
    );
    if (mismatched.length > 0 && !flags['allow-label-mismatch']) {
      await Promise.all(models.map((m) => m.close()));
      const trained = [...new Set(mismatched.map((m) => `p95 > ${m.card.label.sloMs} ms within ${m.card.label.lookahead} polls`))].join(' / ');
      throw new InputError(
        `--slo ${sloMs} --lookahead ${flags.lookahead} is not the label model${mismatched.length > 1 ? 's' : ''} ${mismatched.map((m) => `'${m.name}'`).join(', ')} ` +
          `${mismatched.length > 1 ? 'were' : 'was'} trained for (${trained}); pass --allow-label-mismatch to score them against it anyway`,
      );
    }
    for (const w of warnings) this.warn(w);
    // Recordings the models were trained on, told by their bytes as they stream past (whatever their name).
    const trained = trainingFileDigests(models.map((m) => m.card));
    const digests = new Map<string, string>();
    const readStats = newReadStats();
    const showProgress = flags.progress ?? Boolean(process.stderr.isTTY);
    let lastProgress = 0;
    const started = performance.now();
    let out: AtomicOutput | undefined;
    if (flags.out) {
      try {
        out = AtomicOutput.open(flags.out, { flag: '--out', inputs: files });
      } catch (e) {
        await Promise.all(models.map((m) => m.close()));
        throw e;
      }
      out.write(decisionLogHeader(featureSet.names, models.map((m) => m.name)) + '\n');
    }

    let report;
    let ok = false;
    try {
      report = await replay(openRecordings(files, { skipInvalid: flags['skip-invalid'], onDigest: trained.size > 0 ? (f, h) => digests.set(f, h) : undefined }, readStats), {
        featureSet,
        models,
        strategy,
        policy,
        policies,
        initialReplicas: flags['initial-replicas'],
        pollIntervalMs,
        label: { metric: 'p95_latency_ms', sloMs, lookahead: flags.lookahead },
        labelSource: flags.labels as 'future' | 'column',
        onRow: out ? (row) => out!.write(formatDecisionLogRow(row) + '\n') : undefined,
        onProgress: showProgress
          ? (rows) => {
              const now = performance.now();
              if (now - lastProgress < 250) return;
              lastProgress = now;
              const rate = rows / ((now - started) / 1000);
              process.stderr.write(`\rreplay: ${rows.toLocaleString('en')} rows, ${Math.round(rate).toLocaleString('en')} rows/s`);
            }
          : undefined,
      });
      ok = true;
    } finally {
      if (showProgress) process.stderr.write('\n');
      await Promise.all(models.map((m) => m.close()));
      // The decisions appear under --out only when the replay succeeded; the earlier file stays otherwise.
      if (out) await (ok ? out.commit() : out.abort());
    }

    const inSample = files.filter((f) => trained.has(digests.get(f) ?? ''));
    if (inSample.length > 0) {
      const w =
        `${inSample.length} of ${files.length} recording(s) (${inSample[0]}${inSample.length > 1 ? ` and ${inSample.length - 1} more` : ''}) are the models' training data ` +
        `(the cards list their bytes), so these scores are in-sample; models/holdout-runs.txt lists runs the models never saw`;
      warnings.push(w);
      this.warn(w);
    }
    this.log(renderReplayReport(report, { files: files.length, invalidRows: readStats.invalid }));
    if (readStats.invalid > 0) this.log(`skipped rows, e.g. ${readStats.invalidExamples.join('; ')}`);
    if (flags.out) this.log(`decisions written to ${flags.out}`);
    return { ...replayJson(report, { files, invalidRows: readStats.invalid, invalidExamples: readStats.invalidExamples }), warnings };
  }
}
