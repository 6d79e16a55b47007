import { Args, Flags } from '@oclif/core';
import { analyzeExperiments, PARTIAL_RUN_REASON } from '@sockml/core';
import { InputError, SockmlCommand } from '../../lib/base-command.js';
import { readExperimentFiles, selectExperimentFiles } from '../../experiments/files.js';
import { renderHtmlReport } from '../../experiments/html-report.js';
import { analysisJson, renderAnalysis } from '../../experiments/render.js';
import { checkOutputPath, writeFileAtomic } from '../../lib/output-file.js';

export default class ExperimentAnalyze extends SockmlCommand {
  static summary = 'Compare proactive (ML), reactive (HPA) and static experiment runs: SLO violations, latency, replicas, significance.';

  static description = `Reads snapshot JSONL files (one poll per line, as in the bundled fixtures/seed-experiments or as written by
\`experiment run\`); directories are searched for *.jsonl. Every <condition>_<pattern>_run<id>.jsonl is
used, for the conditions proactive, reactive and static, except diag_*, the no-load smoke test and
the <run>.partial.jsonl of an interrupted \`experiment run\` (skipped files are listed with the reason;
a partial run also with a warning on stderr), and 'settle' polls are dropped. replicas -1 and p95_ms 0.0
are missing data, never numbers. Each condition is reported per pattern and per service; a condition
without runs is left out of the tables and charts (null in --json), never filled in.

Global and per-pattern numbers follow the prototype: a (run, service) cell's violation rate is the share
of its polls with p95 > --slo, a condition's rate the mean over its cells. Significance is reported two
ways: Mann–Whitney U over cells (the prototype's, which overstates it) and over runs (one value per run,
the honest one), with a seeded bootstrap 95 % interval of the difference resampling runs. The main
comparison is proactive − reactive (global.mannWhitney and global.bootstrap in --json, the same per
pattern). When there are static runs, proactive − static and reactive − static get the same tests
(global.comparisons["proactive-vs-static"], ["reactive-vs-static"]); a pair with a condition missing
has null tests and a reason.

Replica-seconds weight each poll by the time to the run's next poll (timestamps are wall-clock, so
5 s time-compressed polls count 5 s). The last poll counts the run's median gap; a gap over 3 × the
median (a stalled recorder) counts as the median, and a run with a single poll as 30 s; both are
reported as warnings (durationWarnings in --json).

Exit codes: 0 success, 2 bad input (a malformed line is reported as file:line: reason, no usable files,
bad flag, a --report that cannot be written or is one of the inputs).`;

  static examples = [
    { description: 'Analyze the bundled seed experiments', command: '<%= config.bin %> experiment analyze fixtures/seed-experiments' },
    { description: 'Machine-readable output (violation rates in percent)', command: '<%= config.bin %> experiment analyze fixtures/seed-experiments --json' },
    { description: 'A self-contained HTML report with charts', command: '<%= config.bin %> experiment analyze fixtures/seed-experiments --report report.html' },
  ];

  static strict = false;
  static enableJsonFlag = true;
  static args = { inputs: Args.string({ description: 'snapshot .jsonl files or directories of them', required: true }) };

  static flags = {
    slo: Flags.string({ description: 'p95 SLO in ms (a poll violates when p95 > this)', default: '35.68' }),
    report: Flags.string({ description: 'also write a self-contained HTML report (charts and tables) to this file (never one of the inputs)' }),
    seed: Flags.integer({ description: 'seed of the bootstrap resampling (results are reproducible for a seed)', default: 20260413 }),
    resamples: Flags.integer({ description: 'bootstrap resamples', default: 10_000, min: 100 }),
    'warmup-polls': Flags.integer({
      description: "leave out each run's first N polls (interval_idx < N), as `lab --warmup`: runs that start cold add the same violations to every condition until a controller's replicas are ready",
      default: 0,
      min: 0,
    }),
  };

  async run() {
    const { argv, flags } = await this.parse(ExperimentAnalyze);
    const sloMs = Number(flags.slo);
    if (!(sloMs > 0)) throw new InputError(`--slo must be a positive number of ms, got '${flags.slo}'`);
    const files = await selectExperimentFiles(argv as string[]);
    // An interrupted run is never silently left out: it is named on stderr (and in --json, files.skipped).
    for (const s of files.skipped.filter((f) => f.reason === PARTIAL_RUN_REASON)) process.stderr.write(`sockml experiment analyze: warning: skipped ${s.file}: ${s.reason}\n`);
    const inputs = [...files.used, ...files.skipped.map((s) => s.file)];
    if (flags.report) checkOutputPath(flags.report, { flag: '--report', inputs });
    const warmup = flags['warmup-polls'];
    const snapshots = (await readExperimentFiles(files.used)).filter((s) => s.intervalIdx >= warmup);
    if (snapshots.length === 0) throw new InputError(`--warmup-polls ${warmup} leaves no polls to analyze`);
    const analysis = analyzeExperiments(snapshots, { sloMs, bootstrapSeed: flags.seed, bootstrapResamples: flags.resamples });
    this.log(renderAnalysis(analysis, files));
    if (flags.report) {
      await writeFileAtomic(flags.report, renderHtmlReport(analysis, files), { flag: '--report', inputs });
      this.log(`report written to ${flags.report}`);
    }
    return { ...analysisJson(analysis, files), ...(warmup > 0 ? { warmupPolls: warmup } : {}) };
  }
}
