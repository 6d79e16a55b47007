import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { Flags } from '@oclif/core';
import { DEFAULT_HPA_FLOOR_PCT, SOCKSHOP_SERVICES, loadModelDirectory, DEFAULT_POLL_INTERVAL_MS, DEFAULT_RATE_WINDOW_POLLS, LOAD_PATTERN_NAMES, loadPattern, parseSnapshotJsonl, RUN_CONDITIONS, runFileName, summarizeLab, traceDurationMs, traceLoadPattern, type LabSummary, type LoadPattern, type RunCondition } from '@sockml/core';
import { InputError, SockmlCommand } from '../lib/base-command.js';
import { durationFlag, strategyFlag, strategyFromFlags, weightsFlag } from '../lib/flags.js';
import { writeFileAtomic } from '../lib/output-file.js';
import { defaultModelsDir } from '../lib/paths.js';
import { configFlag, explicitFlags, readConfigFile, sockShopRunConfig } from '../lib/config-file.js';
import { ALONE_POLICY_FLAGS, aloneWarning, compressSpecs, floorExceptions, policyFlags } from '../lib/policy-flags.js';
import type { LabJob, LabJobResult } from '../lab/lab-job.js';
import { runLabJobs } from '../lab/lab-pool.js';
import { patternLabel, readTraceFlag, traceFlag } from '../load/trace-flag.js';

const DEFAULT_DURATION = '10m';
const DEFAULT_PEAK_RPS = 150;

export default class Lab extends SockmlCommand {
  static summary = 'Run the closed loop (proactive sockml, reactive HPA, static) on the Sock Shop emulator in virtual time: an hour in about a second.';

  static description = `A deterministic discrete-event simulation of \`sockml experiment run\` on the emulator: the calibrated
Sock Shop emulator serves the load pattern's arrivals (the same arrival schedule and journey picks as
the load generator), and simulated time jumps from event to event — no wall clock, no sockets, no Kafka.
Time constants are real: snapshots every --interval (30 s), collect's polls every --poll-interval (30 s)
over a rate window of one poll (--rate-window), replicas ready 20 s after a scale-up, the HPA's 15 s sync
and 300 s scale-down stabilisation. --time-scale k divides every one of them (and --duration) by k, as
\`experiment run --time-scale k\` does, with rates and latencies unchanged: each interval then holds 1/k of
the requests, so its p95 is noisier. Use it to compare the lab with a compressed real-time run.

Condition static: no scaling.

Condition reactive: the HPA v2 algorithm for every service at --hpa-target % CPU (default autoscaling/v2
behaviour).

Condition proactive: sockml's decision path as the live pipeline runs it: collect's sample per service
(the same rules as collect applies to Prometheus's answers: rates over the window, histogram_quantile of
the buckets, missing series as missing) → FeatureExtractor → every model in --models → --strategy →
--policy → replicas. Decisions act at their poll's time (the live pipeline's 20–50 ms and Prometheus's
scrape lag are not modelled). By default it is the configuration chosen in the lab (docs/POLICIES.md):
an HPA at --hpa-floor ${DEFAULT_HPA_FLOOR_PCT} % (${floorExceptions()}) keeps running and each service gets
the larger of its count and sockml's (sockml raising the HPA's minReplicas), collect rates over one
poll, and the hybrid policy's defaults;
--hpa-floor 0 runs sockml alone. sockml's decisions are the ones replay takes from metrics.csv either
way. --config FILE is scale's per-service file (docs/OPERATIONS.md): each service's policy settings and
replica bounds for sockml, and its bounds for every HPA of the run (reactive and the floor), as each
Deployment's HPA has its own, and its own floor target (hpa-floor); replay that run's metrics.csv with the
same --config.

Load: --pattern constant|ramp|step|spike|mixed is a built-in shape over --duration, peaking at
--peak-rps. --pattern trace --trace FILE plays a rate curve instead (a t_seconds,rps CSV, or a metrics
recording whose front-end request rate is the shape): its own length and rates unless --duration cuts or
stretches it and --peak-rps rescales it (see \`sockml loadtest --help\`).

Each run is seeded with --seed + its run id (arrivals' journey picks and the emulator's latency draws), so
runs with the same id in different conditions see the same requests: a paired comparison. The same flags
write the same files, byte for byte. Runs go to worker threads (--threads).

Files, as \`experiment run\` writes them (so \`sockml experiment analyze DIR\` reads them):
  <out>/<condition>_<pattern>_runNN.jsonl    one snapshot per interval
  <out>/proactive_<pattern>_runNN.d/         metrics.csv (collect's labelled polls, for \`sockml replay\`)
                                             and decisions.ndjson (the scaler's decisions)
  <out>/lab.json                             the options and the summary printed below
Existing files are never overwritten. The summary gives, per condition, violating (service, interval)
snapshots (p95 > --slo) and replica-seconds per run, and each condition against the reactive and static
ones: the ratio of the means, Mann–Whitney U over runs and a paired Wilcoxon signed-rank test by run id.

Exit codes: 0 success, 1 unexpected failure (a run failed: a bug, please report it), 2 bad input (flag,
existing output), 3 model problem.`;

  static examples = [
    { description: 'All three conditions on the step pattern, 20 runs each, an hour at 200 rps peak', command: '<%= config.bin %> lab --pattern step --condition proactive,reactive,static --repeat 20 --duration 1h --peak-rps 200 --out lab/step' },
    { description: 'The hybrid policy against the HPA, as JSON', command: '<%= config.bin %> lab --pattern ramp --condition proactive,reactive --repeat 10 --policy hybrid --json' },
    { description: 'A GKE recording as the load, scaled to 200 rps at its peak', command: '<%= config.bin %> lab --pattern trace --trace fixtures/sockshop-gke/runs/step/run_1.csv --peak-rps 200 --condition proactive,reactive --repeat 20' },
    { description: 'Also counted after a 90 s warm-up, as the policy was chosen (every run starts cold)', command: '<%= config.bin %> lab --pattern step --condition proactive,reactive --repeat 20 --warmup 90s' },
    { description: "sockml alone, without the HPA under it, with the settings chosen for that before the floor (docs/POLICIES.md)", command: '<%= config.bin %> lab --pattern step --condition proactive,reactive --repeat 20 --hpa-floor 0 --rate-window 1m ' + ALONE_POLICY_FLAGS },
    { description: 'A tuned HPA: target 50 % CPU', command: '<%= config.bin %> lab --pattern spike --condition reactive --hpa-target 50 --repeat 20 --out lab/spike-hpa50' },
  ];

  static enableJsonFlag = true;

  static flags = {
    pattern: Flags.string({ description: 'load pattern (trace: --trace FILE)', options: [...LOAD_PATTERN_NAMES], required: true }),
    trace: traceFlag,
    condition: Flags.string({ description: `conditions, comma-separated: ${RUN_CONDITIONS.join(', ')}`, required: true }),
    repeat: Flags.integer({ description: 'runs per condition (run ids 1…N)', default: 1, min: 1 }),
    duration: Flags.string({ description: `length of each run, in simulated time, whole --intervals (a remainder is cut, with a warning) [default: ${DEFAULT_DURATION}; with --pattern trace, the trace's own length]` }),
    'peak-rps': Flags.integer({ description: `the pattern’s highest request rate (emulator front-end: 150 rps per replica) [default: ${DEFAULT_PEAK_RPS}; with --pattern trace, the trace's own rates]`, min: 1 }),
    seed: Flags.integer({ description: 'base seed: run N is seeded with seed + N', default: 1 }),
    slo: Flags.string({ description: 'p95 SLO in ms (slo_violated, the summary, the metrics CSV labels)', default: '35.68' }),
    interval: Flags.string({ description: 'snapshot interval', default: '30s' }),
    'poll-interval': Flags.string({ description: "proactive: collect's poll interval (the models were trained on 30 s polls)", default: `${DEFAULT_POLL_INTERVAL_MS / 1000}s` }),
    'rate-window': Flags.string({ description: `proactive: rate() window of collect's queries, as collect --rate-window [default: ${DEFAULT_RATE_WINDOW_POLLS === 1 ? '--poll-interval' : `${DEFAULT_RATE_WINDOW_POLLS} × --poll-interval`}]` }),
    'hpa-target': Flags.integer({ description: 'reactive: target CPU utilisation, % of the request', default: 70, min: 1 }),
    'hpa-scale-down-window': Flags.string({
      description: "every HPA of the run (reactive, and --hpa-floor's): its scale-down stabilization window, as the HPA's behavior.scaleDown.stabilizationWindowSeconds [default: 300s]",
    }),
    'hpa-floor': Flags.integer({
      description: `proactive: an HPA at this target CPU % runs beside sockml and each service gets the larger count (sockml raising the HPA's minReplicas); by default ${floorExceptions()}; given: every service at it (--config's hpa-floor sets one service's); 0: sockml alone`,
      default: DEFAULT_HPA_FLOOR_PCT,
      min: 0,
    }),
    'hpa-floor-scale-down-window': Flags.string({
      description: "proactive: --hpa-floor's HPA alone: its scale-down stabilization window (the reactive condition's HPA keeps --hpa-scale-down-window) [default: --hpa-scale-down-window]",
    }),
    'actuation-lag': Flags.string({
      description:
        "proactive: sockml's replica changes take effect this long after its poll (the HPA floor's do not), to measure what the live pipeline's lag costs: Prometheus data up to a scrape old, Kafka, the actuator [default: 0s, at the poll]",
    }),
    models: Flags.string({ description: 'proactive: model directory [default: ./models or the bundled models]' }),
    strategy: strategyFlag(true),
    weights: weightsFlag,
    lookahead: Flags.integer({ description: 'proactive: label horizon of the metrics CSV, polls (the models’)', default: 2, min: 1 }),
    ...policyFlags,
    ...configFlag,
    out: Flags.string({ description: 'directory for the run files', default: 'lab-runs' }),
    threads: Flags.integer({ description: 'worker threads running runs side by side [default: the machine’s cores]', min: 1 }),
    warmup: Flags.string({
      description:
        "also summarise without each run's first DURATION (a multiple of --interval): every run starts cold, one replica per service, and until a controller's replicas are ready every condition runs the same [default: none]",
    }),
    'time-scale': Flags.string({
      description:
        "play the loop as `experiment run --time-scale k` does: every duration (--duration, --interval, --poll-interval, --rate-window, the policy's, the HPAs' sync and windows, replica start-up, --actuation-lag) divided by k, rates and latencies unchanged, so each interval holds 1/k of the requests; to compare with a compressed real-time run",
      default: '1',
    }),
    progress: Flags.boolean({ description: 'a line per finished run on stderr [default: when stderr is a terminal]', allowNo: true }),
  };

  async run() {
    const { flags, metadata } = await this.parse(Lab);
    if (flags.weights !== 'f1' && flags.strategy !== 'weighted') throw new InputError(`--weights ${flags.weights} applies to --strategy weighted only, not ${flags.strategy}`);
    const trace = readTraceFlag(flags.pattern, flags.trace);
    const durationMs = flags.duration !== undefined ? durationFlag('duration', flags.duration) : trace ? traceDurationMs(trace) : durationFlag('duration', DEFAULT_DURATION);
    const timeScale = Number(flags['time-scale']);
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new InputError(`--time-scale must be a positive number, got '${flags['time-scale']}'`);
    const intervalMs = durationFlag('interval', flags.interval);
    const pollIntervalMs = durationFlag('poll-interval', flags['poll-interval']);
    for (const [flag, ms] of [['interval', intervalMs], ['poll-interval', pollIntervalMs]] as const) {
      if (ms % 1000 !== 0 || ms <= 0) throw new InputError(`--${flag} must be a whole number of seconds, got '${flags[flag]}'`);
    }
    const rateWindowMs = flags['rate-window'] === undefined ? DEFAULT_RATE_WINDOW_POLLS * pollIntervalMs : durationFlag('rate-window', flags['rate-window']);
    if (rateWindowMs % 1000 !== 0 || rateWindowMs <= 0) throw new InputError(`--rate-window must be a whole number of seconds, got '${flags['rate-window']}'`);
    // The lab's clock is the emulator's: compressed, the intervals it keeps must still be whole seconds.
    const compressed = { interval: intervalMs, ...(flags.condition.includes('proactive') ? { 'poll-interval': pollIntervalMs, 'rate-window': rateWindowMs } : {}) };
    for (const [flag, ms] of Object.entries(compressed)) {
      if ((ms / timeScale) % 1000 !== 0) throw new InputError(`--time-scale ${timeScale}: --${flag} ${ms / 1000}s would be ${+(ms / timeScale / 1000).toFixed(3)} s; the lab needs whole seconds (choose a time scale that leaves whole seconds)`);
    }
    const windowFlag = (flag: 'hpa-scale-down-window' | 'hpa-floor-scale-down-window') => {
      if (flags[flag] === undefined) return undefined;
      const ms = durationFlag(flag, flags[flag], { allowZero: true });
      if (!(ms >= 0 && ms % 1000 === 0 && ms <= 3_600_000)) throw new InputError(`--${flag} must be whole seconds from 0 to 1h, got '${flags[flag]}'`);
      return ms;
    };
    const hpaScaleDownWindowMs = windowFlag('hpa-scale-down-window');
    const hpaFloorScaleDownWindowMs = windowFlag('hpa-floor-scale-down-window');
    const actuationLagMs = flags['actuation-lag'] === undefined ? 0 : durationFlag('actuation-lag', flags['actuation-lag'], { allowZero: true });
    if (!(actuationLagMs >= 0 && actuationLagMs < pollIntervalMs)) {
      throw new InputError(`--actuation-lag must be from 0 to less than --poll-interval (${flags['poll-interval']}), got '${flags['actuation-lag']}'`);
    }
    const warmupMs = flags.warmup === undefined ? 0 : durationFlag('warmup', flags.warmup);
    if (flags.warmup !== undefined && (warmupMs <= 0 || warmupMs % intervalMs !== 0 || warmupMs >= durationMs)) {
      throw new InputError(`--warmup must be a positive multiple of --interval (${flags.interval}) shorter than the run, got '${flags.warmup}'`);
    }
    if (intervalMs > durationMs) throw new InputError(`--interval (${flags.interval}) is longer than ${flags.duration === undefined && trace ? 'the trace' : `--duration (${flags.duration ?? DEFAULT_DURATION})`}`);
    const sloMs = Number(flags.slo);
    if (!(sloMs > 0)) throw new InputError(`--slo must be a positive number of ms, got '${flags.slo}'`);
    const conditions = [...new Set(flags.condition.split(',').map((c) => c.trim()).filter(Boolean))];
    if (conditions.length === 0) throw new InputError('--condition: name at least one condition');
    for (const c of conditions) if (!(RUN_CONDITIONS as readonly string[]).includes(c)) throw new InputError(`--condition: unknown condition '${c}' (one of ${RUN_CONDITIONS.join(', ')})`);
    // --config: sockml's policy per service, as `scale --config` reads the same file, and each service's
    // replica bounds for every HPA of the run too (on a cluster each Deployment's HPA has its own).
    const config = flags.config === undefined ? undefined : await readConfigFile(flags.config);
    const explicit = explicitFlags(metadata, flags);
    // Checked here, before any run writes a file: a worker would refuse a bad file only after the first runs.
    const { specs, hpaByService, floorTargets, sloWarning } = sockShopRunConfig(config, flags, explicit, flags.config, { sloMs, services: SOCKSHOP_SERVICES, what: 'lab counts violations' });
    const policy = specs.shared;
    if (sloWarning) this.warn(sloWarning);
    /** The HPA under sockml's proactive runs; null: sockml alone (--hpa-floor 0). */
    const hpaFloorPct = conditions.includes('proactive') && flags['hpa-floor'] > 0 ? flags['hpa-floor'] : null;
    // --config's hpa-floor: a service's own floor target (its `services` entry over `defaults`), as each
    // Deployment's HPA has its own target on a cluster; with the default floor, the chosen per-service
    // targets (DEFAULT_HPA_FLOOR_PCT_BY_SERVICE) where the file sets none.
    const hpaFloorPctByService = floorTargets(hpaFloorPct, explicit.has('hpa-floor'), 'the proactive condition and --hpa-floor above 0');
    const alone = conditions.includes('proactive') && hpaFloorPct === null ? aloneWarning(policy, '--hpa-floor 0') : undefined;
    if (hpaFloorScaleDownWindowMs !== undefined && hpaFloorPct === null) throw new InputError('--hpa-floor-scale-down-window sets the HPA under sockml: it needs the proactive condition and --hpa-floor above 0');
    if (actuationLagMs > 0 && !conditions.includes('proactive')) throw new InputError('--actuation-lag delays sockml\'s changes: it needs the proactive condition');
    if (alone) this.warn(alone);
    const modelsDir = flags.models ?? defaultModelsDir();
    if (conditions.includes('proactive')) {
      // The models, their cards and --strategy/--weights are checked here, before any run writes a file:
      // a worker finding them bad would leave finished runs behind, and an --out a rerun refuses.
      const { models } = await loadModelDirectory(modelsDir, { intraOpThreads: 1 });
      try {
        strategyFromFlags(flags, models.map((m) => m.card));
      } finally {
        await Promise.all(models.map((m) => m.close()));
      }
    }
    let pattern: LoadPattern;
    try {
      // Whole intervals, as experiment run plays them: the snapshots cover the pattern exactly.
      const wholeMs = Math.floor(durationMs / intervalMs) * intervalMs;
      const patternMs = wholeMs / timeScale;
      if (wholeMs < durationMs) {
        const given = trace && flags.duration === undefined ? `the trace's ${durationMs / 1000} s` : `--duration ${flags.duration ?? DEFAULT_DURATION}`;
        this.warn(`${given} is not a whole number of --interval (${flags.interval}): each run plays the first ${wholeMs / 1000} s`);
      }
      pattern = trace ? traceLoadPattern(trace, { durationMs: patternMs, peakRps: flags['peak-rps'], timeScale }) : loadPattern(flags.pattern, { durationMs: patternMs, peakRps: flags['peak-rps'] ?? DEFAULT_PEAK_RPS });
    } catch (e) {
      throw new InputError(`--pattern: ${(e as Error).message}`);
    }

    // What the runs play, in the lab's (the emulator's) clock: experiment time divided by --time-scale.
    const wallPolicy = compressSpecs(specs, timeScale);
    const jobs: LabJob[] = [];
    for (let runId = 1; runId <= flags.repeat; runId++) {
      for (const condition of conditions as RunCondition[]) {
        jobs.push({
          index: jobs.length,
          condition,
          runId,
          pattern: { name: pattern.name, durationMs: pattern.durationMs, peakRps: pattern.peakRps, params: { ...pattern.params }, segments: [...pattern.segments] },
          seed: flags.seed,
          sloMs,
          intervalMs: intervalMs / timeScale,
          initialReplicas: 1,
          maxReplicas: flags['max-replicas'],
          hpaTargetPct: flags['hpa-target'],
          ...(condition === 'proactive' && hpaFloorPct !== null ? { hpaFloorPct } : {}),
          ...(hpaScaleDownWindowMs !== undefined ? { hpaScaleDownWindowS: hpaScaleDownWindowMs / 1000 } : {}),
          ...(condition === 'proactive' && hpaFloorPct !== null && hpaFloorScaleDownWindowMs !== undefined ? { hpaFloorScaleDownWindowS: hpaFloorScaleDownWindowMs / 1000 } : {}),
          ...(hpaByService ? { hpaByService } : {}),
          ...(condition === 'proactive' && Object.keys(hpaFloorPctByService).length > 0 ? { hpaFloorPctByService } : {}),
          ...(condition === 'proactive' && actuationLagMs > 0 ? { actuationLagMs: timeScale === 1 ? actuationLagMs : Math.round(actuationLagMs / timeScale) } : {}),
          ...(timeScale !== 1 ? { timeScale } : {}),
          proactive:
            condition === 'proactive'
              ? {
                  modelsDir,
                  strategy: flags.strategy,
                  weights: flags.weights,
                  policy: wallPolicy.shared,
                  ...(config ? { policies: wallPolicy.perService } : {}),
                  pollIntervalMs: pollIntervalMs / timeScale,
                  rateWindowMs: rateWindowMs / timeScale,
                  lookahead: flags.lookahead,
                }
              : undefined,
        });
      }
    }
    const fileOf = (j: LabJob) => join(flags.out, runFileName(j.condition, pattern.name, j.runId));
    const dirOf = (j: LabJob) => fileOf(j).replace(/\.jsonl$/, '.d');
    const outputs = [...jobs.flatMap((j) => [fileOf(j), ...(j.condition === 'proactive' ? [dirOf(j)] : [])]), join(flags.out, 'lab.json')];
    const clash = outputs.find((f) => existsSync(f));
    if (clash) throw new InputError(`${clash} exists: choose another --out (lab runs are never overwritten)`);
    try {
      await mkdir(flags.out, { recursive: true });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      throw new InputError(code === 'EEXIST' || code === 'ENOTDIR' ? `--out ${flags.out}: is not a directory (lab writes a directory of run files)` : `--out ${flags.out}: ${(e as Error).message}`);
    }

    const showProgress = flags.progress ?? Boolean(process.stderr.isTTY);
    const threads = flags.threads ?? availableParallelism();
    const started = performance.now();
    // By job, not by completion: the summary (and lab.json) must not depend on which thread finished first.
    const linesByJob: string[][] = jobs.map(() => []);
    let done = 0;
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const write = async (r: LabJobResult) => {
      const job = jobs[r.index];
      if (r.metricsCsv !== undefined) {
        await mkdir(dirOf(job));
        await writeFileAtomic(join(dirOf(job), 'metrics.csv'), r.metricsCsv, { flag: '--out' });
        await writeFileAtomic(join(dirOf(job), 'decisions.ndjson'), r.decisions!.map((d) => d + '\n').join(''), { flag: '--out' });
      }
      await writeFileAtomic(fileOf(job), r.lines.map((l) => l + '\n').join(''), { flag: '--out' });
      linesByJob[r.index] = r.lines;
      done++;
      if (showProgress) process.stderr.write(`lab: ${done}/${jobs.length} ${fileOf(job)} (${r.scalingActions.length} scaling actions, ${(r.elapsedMs / 1000).toFixed(2)} s)\n`);
    };
    try {
      await runLabJobs(jobs, threads, write, stop.signal);
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
    const elapsedMs = performance.now() - started;
    if (stop.signal.aborted) this.warn(`stopped by a signal after ${done} of ${jobs.length} runs; the finished runs are written`);

    const snapshots = parseSnapshotJsonl(linesByJob.flat().join('\n'), 'lab');
    // Replica-seconds of the lab's clock (compressed with --time-scale), as experiment analyze counts them from the files.
    const intervalSeconds = intervalMs / timeScale / 1000;
    const summary = summarizeLab(snapshots, { sloMs, intervalSeconds });
    const afterWarmup = warmupMs > 0 ? { warmupMs, summary: summarizeLab(snapshots, { sloMs, intervalSeconds, warmupIntervals: warmupMs / intervalMs }) } : undefined;
    const result = {
      pattern: { name: pattern.name, durationMs: pattern.durationMs, peakRps: pattern.peakRps, params: pattern.params },
      seed: flags.seed,
      repeat: flags.repeat,
      sloMs,
      intervalMs,
      pollIntervalMs,
      rateWindowMs,
      hpaTargetPct: flags['hpa-target'],
      hpaFloorPct,
      ...(hpaScaleDownWindowMs !== undefined ? { hpaScaleDownWindowMs } : {}),
      ...(hpaFloorPct !== null && hpaFloorScaleDownWindowMs !== undefined ? { hpaFloorScaleDownWindowMs } : {}),
      // Only when given, so that runs without it write the same lab.json as before.
      ...(conditions.includes('proactive') && actuationLagMs > 0 ? { actuationLagMs } : {}),
      // Only when given, so that runs without it write the same lab.json as before. The flags' durations here
      // (intervalMs, pollIntervalMs, rateWindowMs, actuationLagMs, warmupMs, the HPA windows, policy) are in
      // experiment time; the pattern's durationMs, simulatedSeconds, the summary's replica-seconds and the run
      // files are in the lab's clock (experiment time / timeScale); compressedPolicy is the policy as the runs
      // ran it, what `replay --poll-interval <pollIntervalMs / timeScale>` of a run's metrics.csv needs.
      ...(timeScale !== 1 ? { timeScale, compressedPolicy: conditions.includes('proactive') ? wallPolicy.shared : null } : {}),
      strategy: conditions.includes('proactive') ? flags.strategy : null,
      ...(conditions.includes('proactive') && flags.strategy === 'weighted' ? { weights: flags.weights } : {}),
      policy: conditions.includes('proactive') ? policy : null,
      // Only with --config, so that runs without it write the same lab.json as before.
      ...(hpaFloorPct !== null && Object.keys(hpaFloorPctByService).length > 0 ? { hpaFloorPctByService } : {}),
      ...(config ? { config: { file: flags.config, policies: conditions.includes('proactive') ? specs.perService : null, hpaByService } } : {}),
      models: conditions.includes('proactive') ? modelsDir : null,
      runs: done,
      stoppedBySignal: stop.signal.aborted,
      simulatedSeconds: (done * pattern.durationMs) / 1000,
      wallSeconds: elapsedMs / 1000,
      summary,
      ...(afterWarmup ? { afterWarmup } : {}),
      out: flags.out,
    };
    // Without the wall-clock numbers: the same flags write the same files, byte for byte.
    const { wallSeconds: _, out: __, ...stamp } = result;
    await writeFileAtomic(join(flags.out, 'lab.json'), JSON.stringify(stamp, null, 2) + '\n', { flag: '--out' });
    this.log(renderLabSummary(summary, result));
    if (afterWarmup) this.log(`\nwithout each run's first ${warmupMs / 1000} s (warm-up):\n` + renderLabTables(afterWarmup.summary));
    this.log(`\n${done} run(s) and lab.json written to ${flags.out}/ (read them with: sockml experiment analyze ${flags.out})`);
    return result;
  }
}

const fmt = (x: number | null | undefined, digits = 2) => (x === null || x === undefined ? '–' : x.toFixed(digits));
const p = (x: { p: number } | null) => (x ? (x.p < 0.001 ? '<0.001' : x.p.toFixed(3)) : '–');

export function renderLabSummary(s: LabSummary, o: { pattern: { name: string; durationMs: number; peakRps: number; params: Readonly<Record<string, unknown>> }; repeat: number; wallSeconds: number; simulatedSeconds: number; policy: { name: string } | null; timeScale?: number }): string {
  const k = o.timeScale ?? 1;
  const length = `${+(o.pattern.durationMs / 60_000).toFixed(2)} min${k === 1 ? '' : ` (${+((o.pattern.durationMs * k) / 60_000).toFixed(2)} min of experiment time, compressed ${k}×)`}`;
  const out = [
    `lab: ${patternLabel(o.pattern)}, ${length} at ${o.pattern.peakRps} rps peak, ${o.repeat} run(s) per condition${o.policy ? `, policy ${o.policy.name}` : ''}; ` +
      `${Math.round(o.simulatedSeconds)} s simulated in ${o.wallSeconds.toFixed(1)} s (${Math.round(o.simulatedSeconds / Math.max(o.wallSeconds, 1e-3))}× real time)`,
    '',
    renderLabTables(s),
  ];
  return out.join('\n');
}

/** The per-condition and comparison tables of a summary. */
export function renderLabTables(s: LabSummary): string {
  const out = ['condition   runs  violating snapshots/run  violation %  replica-seconds/run'];
  for (const [c, v] of Object.entries(s.conditions)) {
    out.push(`${c.padEnd(11)} ${String(v!.runs).padStart(4)}  ${fmt(v!.violatingSnapshotsPerRun).padStart(23)}  ${fmt(100 * v!.violationRate, 1).padStart(11)}  ${fmt(v!.replicaSecondsPerRun, 0).padStart(19)}`);
  }
  if (s.comparisons.length > 0) {
    out.push('', 'comparison             violations ×  replica-seconds ×  Mann–Whitney p  paired Wilcoxon p');
    for (const c of s.comparisons) {
      out.push(`${`${c.condition} vs ${c.baseline}`.padEnd(22)} ${fmt(c.violationRatio).padStart(12)}  ${fmt(c.replicaSecondsRatio).padStart(17)}  ${p(c.mannWhitney).padStart(14)}  ${p(c.wilcoxon).padStart(17)}`);
    }
  }
  return out.join('\n');
}
