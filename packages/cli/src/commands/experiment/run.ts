import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Flags } from '@oclif/core';
import { DEFAULT_POLICY, interleaveConditions, loadPattern, PATTERN_NAMES, RUN_CONDITIONS, runFileName, SOCKSHOP_SERVICES, STRATEGY_NAMES, type PatternName, type RunCondition } from '@sockml/core';
import { EnvironmentError, InputError, SockmlCommand } from '../../lib/base-command.js';
import { durationFlag } from '../../lib/flags.js';
import { defaultModelsDir } from '../../lib/paths.js';
import { parseBrokers } from '../../live/kafka.js';
import { pipelineModels, startProactivePipeline } from '../../experiments/run/proactive-pipeline.js';
import { preparePipelineTopics, waitForPrometheusScrape } from '../../experiments/run/preflight.js';
import { runSimExperiment } from '../../experiments/run/sim-experiment.js';
import { startSimTarget } from '../../experiments/run/sim-target.js';

export default class ExperimentRun extends SockmlCommand {
  static summary = 'Run autoscaling experiments (proactive sockml, reactive HPA, static) on the Sock Shop emulator and record snapshot JSONL.';

  static description = `Each run resets the replicas (POST /admin/replicas), puts the load pattern on the front-end (builtin
engine, open model) and polls the target's /metrics every --interval into one snapshot line: per service the
ready replicas, the p95 of the requests that ended in the interval (from request_duration_seconds' buckets,
so as coarse as they are; 0.0 when there were none), CPU as % of the ready replicas' request, and
slo_violated (p95 > --slo); plus the load generator's offered and achieved rate and errors ("load").
Files are named <condition>_<pattern>_run<NN>.jsonl, the schema of ../shared/data/seed-experiments, so
\`sockml experiment analyze\` reads them (all three conditions; replica-seconds from the snapshots' own
timestamps, so compressed runs count wall-clock seconds).

Conditions:
  static     no scaling.
  reactive   the HPA algorithm (CPU target --hpa-target %, 15 s sync, default autoscaling/v2 behaviour) for
             every service, applied through POST /admin/replicas.
  proactive  sockml itself, each piece the real command in its own process: collect --kafka polls
             --prometheus every --interval → serve-model for every model in --models → scale --strategy
             --actuator http, which POSTs to the emulator's /admin/replicas. Needs a Kafka broker (--kafka)
             and a Prometheus (--prometheus) that scrapes the emulator on 127.0.0.1:--sim-port every 1–5 s
             (docs/EXPERIMENTS.md has the scrape job). Each run gets fresh consumer groups and a fresh scaler;
             each process's log, collect's polls (metrics.csv, for sockml replay) and the scaler's decisions
             (decisions.ndjson) are kept in <out>/<run>.d/.
With several conditions and --repeat, the order is counterbalanced: A B, B A, A B … (each condition holds
each position equally often, so a drift over the session cancels out).

--time-scale k compresses the experiment: --duration, --interval, the HPA's sync period and windows, the
policy's cooldowns and the emulator's 20 s replica start-up all take 1/k of the wall-clock time; collect's
rate window is two polls (1 m for 30 s polls, as recorded). Request rates and latencies are real. The
models were trained on 30 s polls of real Sock Shop: compressed runs feed them the same kind of features
over shorter windows, which is an approximation to keep in mind when reading proactive results.

Exit codes: 0 success, 1 failure during a run, 2 bad input (flag, existing output file), 4 Kafka or
Prometheus unusable (proactive).`;

  static examples = [
    { description: 'Reactive and static, twice each, 10-minute step runs compressed 5×', command: '<%= config.bin %> experiment run --pattern step --condition reactive,static --repeat 2 --time-scale 5 --out runs/' },
    {
      description: 'All three conditions; Prometheus scrapes 127.0.0.1:8089 every second, Kafka on 9092',
      command: '<%= config.bin %> experiment run --pattern step --condition proactive,reactive,static --time-scale 3 --sim-port 8089 --prometheus http://127.0.0.1:9090 --kafka 127.0.0.1:9092 --out runs/',
    },
  ];

  static enableJsonFlag = true;

  static flags = {
    pattern: Flags.string({ description: 'load pattern', options: [...PATTERN_NAMES], required: true }),
    condition: Flags.string({ description: `conditions, comma-separated: ${RUN_CONDITIONS.join(', ')}`, required: true }),
    repeat: Flags.integer({ description: 'runs per condition', default: 1, min: 1 }),
    target: Flags.string({ description: 'what to run on', options: ['sim'], default: 'sim' }),
    duration: Flags.string({ description: 'length of each run, in experiment time', default: '10m' }),
    interval: Flags.string({ description: 'snapshot interval, in experiment time', default: '30s' }),
    'time-scale': Flags.string({ description: 'experiment time runs this many times faster than the wall clock', default: '1' }),
    'peak-rps': Flags.integer({ description: 'the pattern’s highest request rate (front-end: 150 rps per replica)', default: 150, min: 1 }),
    slo: Flags.string({ description: 'p95 SLO in ms for slo_violated', default: '35.68' }),
    'hpa-target': Flags.integer({ description: 'reactive: target CPU utilisation, % of the request', default: 70, min: 1 }),
    'max-replicas': Flags.integer({ description: 'reactive and proactive: most replicas per service (the HPA\'s maxReplicas, the policy\'s max)', default: 10, min: 1 }),
    settle: Flags.string({ description: 'wait after the replica reset before the load, in experiment time', default: '20s' }),
    'max-in-flight': Flags.integer({ description: 'open model: most requests in flight at once', default: 2000, min: 1 }),
    seed: Flags.integer({ description: 'seed of the journey picker (plus the run id)', default: 1 }),
    out: Flags.string({ description: 'directory for the snapshot files', default: 'experiment-runs' }),
    'sim-port': Flags.integer({ description: 'port of the emulator on 127.0.0.1 (0: any free port; proactive needs the one Prometheus scrapes)', default: 0, min: 0, max: 65535 }),
    kafka: Flags.string({ description: 'proactive: Kafka bootstrap servers host:port[,…]', env: 'SOCKML_KAFKA' }),
    prometheus: Flags.string({ description: 'proactive: Prometheus base URL; it must scrape 127.0.0.1:--sim-port' }),
    models: Flags.string({ description: 'proactive: model directory, one serve-model per model [default: ./models or the bundled models]' }),
    strategy: Flags.string({ description: 'proactive: how the votes combine', options: [...STRATEGY_NAMES], default: 'majority' }),
    'scale-up-cooldown': Flags.string({ description: 'proactive: policy cooldown after any scaling action before a scale-up, in experiment time', default: `${DEFAULT_POLICY.scaleUpCooldownMs / 1000}s` }),
    'scale-down-cooldown': Flags.string({ description: 'proactive: policy cooldown after any scaling action before a scale-down, in experiment time', default: `${DEFAULT_POLICY.scaleDownCooldownMs / 1000}s` }),
  };

  async run() {
    const { flags } = await this.parse(ExperimentRun);
    const timeScale = Number(flags['time-scale']);
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new InputError(`--time-scale must be a positive number, got '${flags['time-scale']}'`);
    const durationMs = durationFlag('duration', flags.duration);
    const intervalMs = durationFlag('interval', flags.interval);
    const settleMs = durationFlag('settle', flags.settle);
    if (intervalMs > durationMs) throw new InputError(`--interval (${flags.interval}) is longer than --duration (${flags.duration})`);
    const sloMs = Number(flags.slo);
    if (!(sloMs > 0)) throw new InputError(`--slo must be a positive number of ms, got '${flags.slo}'`);
    const conditions = flags.condition.split(',').map((c) => c.trim()).filter(Boolean);
    if (conditions.length === 0) throw new InputError('--condition: name at least one condition');
    for (const c of conditions) {
      if (!(RUN_CONDITIONS as readonly string[]).includes(c)) throw new InputError(`--condition: unknown condition '${c}' (one of ${RUN_CONDITIONS.join(', ')})`);
    }
    const proactive = conditions.includes('proactive');
    let brokers: string[] = [];
    const modelsDir = flags.models ?? defaultModelsDir();
    const scaleUpCooldownMs = durationFlag('scale-up-cooldown', flags['scale-up-cooldown']);
    const scaleDownCooldownMs = durationFlag('scale-down-cooldown', flags['scale-down-cooldown']);
    if (proactive) {
      const missing = [!flags.kafka && '--kafka host:port', !flags.prometheus && '--prometheus URL', flags['sim-port'] === 0 && '--sim-port N (the port Prometheus scrapes)'].filter(Boolean);
      if (missing.length > 0) throw new InputError(`--condition proactive runs sockml's live pipeline and needs ${missing.join(', ')}`);
      brokers = parseBrokers(flags.kafka!);
      try {
        await pipelineModels(modelsDir);
      } catch (e) {
        throw new InputError(`--models: ${(e as Error).message}`);
      }
    }
    let schedule;
    try {
      schedule = interleaveConditions(conditions as RunCondition[], flags.repeat);
    } catch (e) {
      throw new InputError(`--condition/--repeat: ${(e as Error).message}`);
    }
    const wallDurationMs = durationMs / timeScale;
    const wallIntervalMs = intervalMs / timeScale;
    const pattern = loadPattern(flags.pattern as PatternName, { durationMs: Math.floor(durationMs / intervalMs) * wallIntervalMs, peakRps: flags['peak-rps'] });

    const files = schedule.map((r) => join(flags.out, runFileName(r.condition, pattern.name, r.runId)));
    const clash = files.find((f) => existsSync(f));
    if (clash) throw new InputError(`${clash} exists: choose another --out (runs are never overwritten)`);
    await mkdir(flags.out, { recursive: true });

    const services = [...SOCKSHOP_SERVICES];
    if (proactive) await preparePipelineTopics(brokers);
    let server;
    try {
      ({ server } = await startSimTarget({ services, timeScale, port: flags['sim-port'] }));
    } catch (e) {
      throw new InputError(`--sim-port ${flags['sim-port']}: ${(e as Error).message}`);
    }
    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const log = (line: string) => process.stderr.write(line + '\n');
    log(`sockml experiment run: emulator on ${server.url}; ${schedule.length} run(s) of ${flags.duration} (${(wallDurationMs / 1000).toFixed(1)} s wall each), order ${schedule.map((r) => `${r.condition}#${r.runId}`).join(' ')}`);
    const runs = [];
    try {
      if (proactive) {
        const scrape = await waitForPrometheusScrape(flags.prometheus!, server.port, 30_000);
        // collect's rate window is two polls: with fewer than ~4 scrapes in it, rate() and the quantiles
        // come back empty and the models would see imputed values instead of the load.
        const every = scrape.scrapeIntervalMs;
        if (every !== null && every > wallIntervalMs / 2) {
          throw new EnvironmentError(
            `Prometheus scrapes the emulator every ${every / 1000} s, but a poll is ${wallIntervalMs / 1000} s of wall time (--interval ${flags.interval} at --time-scale ${timeScale}): ` +
              `set scrape_interval to ${Math.max(1, Math.floor(wallIntervalMs / 2000))}s or less, or lower --time-scale`,
          );
        }
        log(`Prometheus scrapes the emulator (job ${scrape.job}, ${scrape.instance}${every === null ? '' : `, every ${every / 1000} s`})`);
      }
      for (const [i, r] of schedule.entries()) {
        if (stop.signal.aborted) break;
        log(`run ${i + 1}/${schedule.length}: ${r.condition} ${pattern.name} run ${r.runId}`);
        const result = await runSimExperiment({
          targetUrl: server.url,
          services,
          condition: r.condition as RunCondition,
          runId: r.runId,
          pattern,
          intervalMs: wallIntervalMs,
          timeScale,
          sloMs,
          initialReplicas: 1,
          settleMs: settleMs / timeScale,
          hpa: { targetUtilizationPct: flags['hpa-target'], maxReplicas: flags['max-replicas'] },
          seed: flags.seed,
          maxInFlight: flags['max-in-flight'],
          startProactive: proactive
            ? async () => {
                const logDir = `${files[i]}.d`.replace(/\.jsonl\.d$/, '.d');
                await mkdir(logDir, { recursive: true });
                return startProactivePipeline({
                  kafka: brokers.join(','),
                  prometheus: flags.prometheus!,
                  actuatorUrl: new URL('/admin/replicas', server.url).toString(),
                  modelsDir,
                  strategy: flags.strategy,
                  pollIntervalMs: wallIntervalMs,
                  sloMs,
                  scaleUpCooldownMs: scaleUpCooldownMs / timeScale,
                  scaleDownCooldownMs: scaleDownCooldownMs / timeScale,
                  minReplicas: 1,
                  maxReplicas: flags['max-replicas'],
                  runTag: `${Date.now().toString(36)}-${r.condition}-${r.runId}`,
                  logDir,
                  signal: stop.signal,
                  log,
                });
              }
            : undefined,
          signal: stop.signal,
          log,
        });
        await writeFile(files[i], result.lines.map((l) => l + '\n').join(''));
        log(`  wrote ${files[i]} (${result.lines.length} snapshots, ${result.scalingActions.length} scaling actions)`);
        runs.push({ file: files[i], condition: r.condition, runId: r.runId, snapshots: result.lines.length, scalingActions: result.scalingActions, maxReplicas: result.maxReplicas });
      }
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      await server.stop();
    }
    for (const r of runs) this.log(`${r.file}: ${r.snapshots} snapshots, ${r.scalingActions.length} scaling actions, front-end up to ${r.maxReplicas['front-end']} replicas`);
    return { target: 'sim', pattern: pattern.name, duration: flags.duration, interval: flags.interval, timeScale, order: schedule.map((r) => ({ condition: r.condition, runId: r.runId })), stoppedBySignal: stop.signal.aborted, runs };
  }
}
