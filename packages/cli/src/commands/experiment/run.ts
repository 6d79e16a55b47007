import { existsSync } from 'node:fs';
import { mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Flags } from '@oclif/core';
import { CPU_SOURCES, DEFAULT_HPA_FLOOR_PCT, floorHpaOptionsByService, DEFAULT_RATE_WINDOW_POLLS, interleaveConditions, LOAD_PATTERN_NAMES, loadPattern, RUN_CONDITIONS, runFileName, SOCKSHOP_SERVICES, traceDurationMs, traceLoadPattern, type CpuSource, type LoadPattern, type RunCondition } from '@sockml/core';
import { HttpActuator } from '../../actuators/http.js';
import { EnvironmentError, InputError, SockmlCommand } from '../../lib/base-command.js';
import { durationFlag, strategyFlag } from '../../lib/flags.js';
import { writeFileAtomic } from '../../lib/output-file.js';
import { configFlag, configFromSpecs, explicitFlags, readConfigFile, sockShopRunConfig } from '../../lib/config-file.js';
import { aloneWarning, compressPolicy, compressSpecs, floorExceptions, policyArgs, policyFlags } from '../../lib/policy-flags.js';
import { defaultModelsDir } from '../../lib/paths.js';
import { parseBrokers } from '../../live/kafka.js';
import { FloorGateway } from '../../experiments/run/floor-gateway.js';
import { pipelineModels, startProactivePipeline } from '../../experiments/run/proactive-pipeline.js';
import { preparePipelineTopics, scrapesTooSparse, waitForPrometheusScrape } from '../../experiments/run/preflight.js';
import type { ExperimentTarget } from '../../experiments/run/experiment-target.js';
import { PrometheusTarget } from '../../experiments/run/prometheus-target.js';
import { runExperiment } from '../../experiments/run/run-experiment.js';
import { SimTarget } from '../../experiments/run/sim-target.js';
import { readTraceFlag, traceFlag } from '../../load/trace-flag.js';

const DEFAULT_DURATION = '10m';
const DEFAULT_PEAK_RPS = 150;
const TARGET_HELP = "'sim' (the emulator, started in this process) or a real Sock Shop's front-end URL";

export default class ExperimentRun extends SockmlCommand {
  static summary = 'Run autoscaling experiments (proactive sockml, reactive HPA, static) on the Sock Shop emulator or a real Sock Shop, and record snapshot JSONL.';

  static description = `Each run resets every service to one replica, puts the load pattern on the front-end (builtin engine,
open model) and takes one snapshot every --interval: per service the ready replicas, the p95 of the
requests that ended in the interval (from request_duration_seconds' buckets, so as coarse as they are;
0.0 when there were none), CPU as % of the ready replicas' request, and slo_violated (p95 > --slo); plus
the load generator's offered and achieved rate and errors ("load"). Files are named
<condition>_<pattern>_run<NN>.jsonl, the schema of fixtures/seed-experiments, so \`sockml experiment
analyze\` reads them (all three conditions; replica-seconds from the snapshots' own timestamps, so
compressed runs count wall-clock seconds).

Target sim (default): the emulator, in this process on 127.0.0.1:--sim-port. Snapshots come from its
/metrics; replicas are set through its POST /admin/replicas.

Target URL: a real Sock Shop: the load goes to the front-end at URL; snapshots come from --prometheus
(which must scrape Sock Shop's services and kube-state-metrics: replicas and CPU requests; --metric and
--cpu-source say which series); replicas are reset and scaled through --actuator: kubernetes (the
Deployments' scale subresource in --namespace) or http (POST {service, replicas} to --actuator-url).
Before the first run, Prometheus is asked what it has: no request series for the front-end, or fewer
than two samples per poll interval, is exit 4 with the fix.

Condition static: no scaling.

Condition reactive: --reactive builtin (default): the HPA algorithm (CPU target --hpa-target %, 15 s
sync, default autoscaling/v2 behaviour) for every service, run by sockml and applied through the
target's replica setter. --reactive cluster (URL targets): the cluster's own HorizontalPodAutoscalers
scale; sockml only records (scaling actions are the Deployments' changes of asked-for replicas between
snapshots). sockml neither creates nor deletes HPAs: run cluster-reactive runs in their own invocation,
with the HPAs in place, and static and proactive runs without them.

Condition proactive: sockml itself, each piece the real command in its own process: collect --kafka
polls --prometheus every --interval → serve-model for every model in --models → scale --strategy, which
scales the target (sim: the emulator's /admin/replicas; URL: --actuator). Needs a Kafka broker (--kafka)
and a Prometheus (--prometheus); on sim, Prometheus must scrape the emulator on 127.0.0.1:--sim-port
every 1–5 s (docs/EXPERIMENTS.md has the scrape job). Each run gets fresh consumer groups and a fresh
scaler; each process's log, collect's polls (metrics.csv, for sockml replay) and the scaler's decisions
(decisions.ndjson) are kept in <out>/<run>.d/. On sim, by default, the configuration chosen in the lab
(docs/POLICIES.md): the HPA algorithm at --hpa-floor ${DEFAULT_HPA_FLOOR_PCT} % runs too (${floorExceptions()}),
and the emulator runs the larger of its count and sockml's, as a cluster does when sockml raises an
HPA's minReplicas (on a cluster: scale --actuator kubernetes-hpa-floor); collect rates over one
--interval (--rate-window); the hybrid policy's defaults. --hpa-floor 0 runs sockml alone, as on a URL
target, where experiment run cannot start an HPA: give it the settings chosen for that (docs/POLICIES.md,
"sockml alone").

--config FILE is scale's per-service file (docs/OPERATIONS.md), as lab reads it: each service's policy
settings and replica bounds for sockml (its scaler gets them as a file, durations divided by --time-scale,
kept as <run>.d/scale-config.json for \`sockml replay --config\`), the bounds for every HPA of the run
too, and on sim each service's hpa-floor (its target for the HPA under sockml). Flags given on the command
line win over the file, except --hpa-floor: a service's own hpa-floor wins over it for that service.

With several conditions and --repeat, the order is counterbalanced: A B, B A, A B … (each condition holds
each position equally often, so a drift over the session cancels out).

Load: --pattern constant|ramp|step|spike|mixed is a built-in shape over --duration, peaking at --peak-rps.
--pattern trace --trace FILE plays a rate curve instead: a CSV with the header t_seconds,rps, or a metrics
recording whose front-end request_rate_rps is the curve (e.g. fixtures/sockshop-gke/runs/step/run_3.csv).
Without --duration a trace run lasts the trace's own length (in experiment time, like --duration: whole
intervals, so up to one interval of its end is left out); a shorter --duration plays its beginning, a longer
one stretches its time axis. Without --peak-rps the trace's own rates are offered (not the built-in
shapes' 150 rps); with it, the rates are scaled so the highest one played is the peak. Run files are named
<condition>_trace_run<NN>.jsonl; --json says which file was played (name, sha256) and how it was scaled.

--time-scale k compresses the experiment: --duration, --interval, the HPA's sync period and windows, the
policy's cooldowns and the emulator's 20 s replica start-up all take 1/k of the wall-clock time, and so
does collect's rate window (--rate-window, by default ${DEFAULT_RATE_WINDOW_POLLS === 1 ? 'one poll' : `${DEFAULT_RATE_WINDOW_POLLS} polls`}). Request rates and
latencies are real. The models were trained on 30 s polls of real Sock Shop rated over 1 m: compressed
runs feed them the same kind of features over shorter windows, which is an approximation to keep in mind
when reading proactive results. Each interval also holds only 1/k of the requests, so its p95 is a noisier
estimate: a service whose p95 sits just under the SLO violates more often than it would uncompressed
(experiments/2026-12-07-compression). \`sockml lab --time-scale k\` plays the same compression in virtual
time, for a like-for-like comparison. A real cluster's pods start at their own pace: use --time-scale 1
there.

Ctrl-C (SIGINT) or SIGTERM stops the experiment: the run in progress keeps what it recorded as
<condition>_<pattern>_run<NN>.partial.jsonl, which \`experiment analyze\` skips with a warning (a run
that saw only part of the load pattern is not comparable), and no further run starts.

Exit codes: 0 success (also when stopped by a signal), 1 unexpected failure during a run (a process it
started died, the target stopped answering; otherwise a bug: please report it), 2 bad input (flag,
existing output file, an --out that cannot be created or written), 4 Kafka or Prometheus unusable.`;

  static examples = [
    { description: 'Reactive and static, twice each, 10-minute step runs compressed 5×', command: '<%= config.bin %> experiment run --pattern step --condition reactive,static --repeat 2 --time-scale 5 --out runs/' },
    {
      description: 'A GKE recording’s front-end load (its own length and rates) on the emulator, compressed 5×',
      command: '<%= config.bin %> experiment run --pattern trace --trace fixtures/sockshop-gke/runs/step/run_3.csv --condition reactive,static --time-scale 5 --out runs/',
    },
    {
      description: 'All three conditions; Prometheus scrapes 127.0.0.1:8089 every second, Kafka on 9092',
      command: '<%= config.bin %> experiment run --pattern step --condition proactive,reactive,static --time-scale 3 --sim-port 8089 --prometheus http://127.0.0.1:9090 --kafka 127.0.0.1:9092 --out runs/',
    },
    {
      description: "Each service's policy, replica bounds and floor target from a config file (docs/OPERATIONS.md), against the HPA",
      command: '<%= config.bin %> experiment run --pattern step --condition proactive,reactive --repeat 5 --time-scale 5 --sim-port 8089 --prometheus http://127.0.0.1:9090 --kafka 127.0.0.1:9092 --config sockml.yaml --out runs/',
    },
    {
      description: 'A real Sock Shop on Kubernetes: proactive against static, three times each, at real time',
      command:
        '<%= config.bin %> experiment run --target http://front-end.sock-shop --pattern step --condition proactive,static --repeat 3 --prometheus http://prometheus.monitoring:9090 --actuator kubernetes --namespace sock-shop --cpu-source cadvisor --kafka kafka:9092 --out runs/',
    },
    {
      description: 'The same cluster with its own HPAs in place: the reactive baseline, recorded only',
      command: '<%= config.bin %> experiment run --target http://front-end.sock-shop --pattern step --condition reactive --reactive cluster --repeat 3 --prometheus http://prometheus.monitoring:9090 --actuator kubernetes --namespace sock-shop --out runs/',
    },
  ];

  static enableJsonFlag = true;

  static flags = {
    pattern: Flags.string({ description: 'load pattern', options: [...LOAD_PATTERN_NAMES], required: true }),
    trace: traceFlag,
    condition: Flags.string({ description: `conditions, comma-separated: ${RUN_CONDITIONS.join(', ')}`, required: true }),
    repeat: Flags.integer({ description: 'runs per condition', default: 1, min: 1 }),
    target: Flags.string({ description: TARGET_HELP, default: 'sim' }),
    duration: Flags.string({ description: `length of each run, in experiment time [default: ${DEFAULT_DURATION}; with --pattern trace, the trace's own length]` }),
    interval: Flags.string({ description: 'snapshot interval, in experiment time', default: '30s' }),
    'time-scale': Flags.string({ description: 'experiment time runs this many times faster than the wall clock', default: '1' }),
    'peak-rps': Flags.integer({ description: `the pattern’s highest request rate (emulator front-end: 150 rps per replica) [default: ${DEFAULT_PEAK_RPS}; with --pattern trace, the trace's own rates]`, min: 1 }),
    slo: Flags.string({ description: 'p95 SLO in ms for slo_violated', default: '35.68' }),
    'hpa-target': Flags.integer({ description: 'reactive: target CPU utilisation, % of the request', default: 70, min: 1 }),
    'hpa-floor': Flags.integer({
      description: `proactive, --target sim: an HPA at this target CPU % runs beside sockml and the emulator runs the larger count (sockml raising the HPA's minReplicas; on a cluster: scale --actuator kubernetes-hpa-floor); 0: sockml alone [default: ${DEFAULT_HPA_FLOOR_PCT} on sim, ${floorExceptions()}; given, every service at it; 0 elsewhere]`,
      min: 0,
    }),
    'rate-window': Flags.string({ description: `proactive: rate() window of collect's queries, in experiment time [default: ${DEFAULT_RATE_WINDOW_POLLS === 1 ? 'one --interval' : `${DEFAULT_RATE_WINDOW_POLLS} × --interval`}]` }),
    reactive: Flags.string({ description: "reactive: who scales — 'builtin' (sockml's HPA controller) or 'cluster' (the cluster's own HPAs; URL targets)", options: ['builtin', 'cluster'], default: 'builtin' }),
    settle: Flags.string({ description: 'wait after the replica reset before the load, in experiment time', default: '20s' }),
    'max-in-flight': Flags.integer({ description: 'open model: most requests in flight at once', default: 2000, min: 1 }),
    seed: Flags.integer({ description: 'seed of the journey picker (plus the run id)', default: 1 }),
    out: Flags.string({ description: 'directory for the snapshot files', default: 'experiment-runs' }),
    'sim-port': Flags.integer({ description: 'sim: port of the emulator on 127.0.0.1 (0: any free port; proactive needs the one Prometheus scrapes)', default: 0, min: 0, max: 65535 }),
    prometheus: Flags.string({ description: 'Prometheus base URL: URL targets (snapshots), and proactive (collect); on sim it must scrape 127.0.0.1:--sim-port' }),
    actuator: Flags.string({ description: 'URL targets: what sets replicas — kubernetes (scale subresource) or http (POST {service, replicas})', options: ['kubernetes', 'http'] }),
    'actuator-url': Flags.string({ description: 'URL targets, --actuator http: where to POST {service, replicas}; GET answers the replicas by service' }),
    namespace: Flags.string({ description: 'URL targets, --actuator kubernetes: the namespace of the Deployments (named as the services)', default: 'sock-shop' }),
    metric: Flags.string({ description: 'URL targets: request-latency histogram base name (later Sock Shop source: http_request_duration_seconds)', default: 'request_duration_seconds' }),
    'cpu-source': Flags.string({ description: "URL targets: 'process' (process_cpu_seconds_total) or 'cadvisor' (container_cpu_usage_seconds_total)", options: [...CPU_SOURCES], default: 'process' }),
    kafka: Flags.string({ description: 'proactive: Kafka bootstrap servers host:port[,…]', env: 'SOCKML_KAFKA' }),
    models: Flags.string({ description: 'proactive: model directory, one serve-model per model [default: ./models or the bundled models]' }),
    strategy: strategyFlag(true),
    // The policy's flags, as replay and scale take them; --max-replicas is also the HPA's maxReplicas, and
    // the policy's durations are in experiment time (divided by --time-scale for the scaler).
    ...policyFlags,
    ...configFlag,
  };

  async run() {
    const { flags, metadata } = await this.parse(ExperimentRun);
    const timeScale = Number(flags['time-scale']);
    if (!(timeScale > 0) || !Number.isFinite(timeScale)) throw new InputError(`--time-scale must be a positive number, got '${flags['time-scale']}'`);
    const trace = readTraceFlag(flags.pattern, flags.trace);
    const durationMs = flags.duration !== undefined ? durationFlag('duration', flags.duration) : trace ? traceDurationMs(trace) : durationFlag('duration', DEFAULT_DURATION);
    const durationText = flags.duration ?? (trace ? `${+(durationMs / 1000).toFixed(3)}s` : DEFAULT_DURATION);
    const intervalMs = durationFlag('interval', flags.interval);
    const settleMs = durationFlag('settle', flags.settle);
    if (intervalMs > durationMs) throw new InputError(`--interval (${flags.interval}) is longer than ${flags.duration === undefined && trace ? `the trace (${durationText})` : `--duration (${durationText})`}`);
    const sloMs = Number(flags.slo);
    if (!(sloMs > 0)) throw new InputError(`--slo must be a positive number of ms, got '${flags.slo}'`);
    const conditions = flags.condition.split(',').map((c) => c.trim()).filter(Boolean);
    if (conditions.length === 0) throw new InputError('--condition: name at least one condition');
    for (const c of conditions) {
      if (!(RUN_CONDITIONS as readonly string[]).includes(c)) throw new InputError(`--condition: unknown condition '${c}' (one of ${RUN_CONDITIONS.join(', ')})`);
    }
    const proactive = conditions.includes('proactive');
    const onSim = flags.target === 'sim';
    const targetUrl = onSim ? null : parseTargetUrl(flags.target);
    if (onSim) {
      const urlOnly = (['actuator', 'actuator-url'] as const).filter((f) => flags[f] !== undefined);
      if (urlOnly.length > 0) throw new InputError(`--${urlOnly[0]} is for URL targets: on the emulator, replicas are set through its own /admin/replicas`);
      if (flags.reactive === 'cluster') throw new InputError('--reactive cluster is for URL targets with their own HPAs: the emulator has none');
    } else {
      const missing = [!flags.prometheus && '--prometheus URL (snapshots come from it)', !flags.actuator && '--actuator kubernetes|http (replicas are reset through it)'].filter(Boolean);
      if (missing.length > 0) throw new InputError(`--target ${flags.target} needs ${missing.join(' and ')}`);
      if (flags.actuator === 'http' && !flags['actuator-url']) throw new InputError('--actuator http needs --actuator-url');
      if (flags['sim-port'] !== 0) throw new InputError('--sim-port is for --target sim');
      if (flags.reactive === 'cluster' && conditions.some((c) => c !== 'reactive')) {
        throw new InputError(`--reactive cluster runs with the cluster's HPAs in place, which would also scale the ${conditions.filter((c) => c !== 'reactive').join(' and ')} runs: run those in another invocation, without the HPAs`);
      }
    }
    if (flags['hpa-floor'] && !proactive) throw new InputError('--hpa-floor puts an HPA under sockml: it needs --condition proactive');
    if (flags['hpa-floor'] && !onSim) throw new InputError('--hpa-floor runs on --target sim; on a cluster keep its HPAs and run sockml scale --actuator kubernetes-hpa-floor');
    // --config: sockml's policy per service, as `scale --config` reads the same file, and each service's
    // replica bounds for every HPA of the run too (on a cluster each Deployment's HPA has its own), as lab.
    const config = flags.config === undefined ? undefined : await readConfigFile(flags.config);
    const { specs, hpaByService, floorTargets, sloWarning } = sockShopRunConfig(config, flags, explicitFlags(metadata, flags), flags.config, {
      sloMs,
      services: SOCKSHOP_SERVICES,
      what: 'experiment run records slo_violated',
    });
    const policy = specs.shared;
    // The policies as the scaler runs them, durations in wall time: handed to it (--config) and reported.
    const wallSpecs = compressSpecs(specs, timeScale);
    const renamed = Object.entries(config?.services ?? {}).find(([s, v]) => v.deployment !== undefined && v.deployment !== s);
    if (renamed) throw new InputError(`${flags.config}: services.${renamed[0]}.deployment: experiment run scales the Deployment named as its service; deployment is for scale`);
    if (sloWarning) this.warn(sloWarning);
    // The chosen configuration's floor where sockml can run one (the emulator); 0 or elsewhere: sockml alone.
    const hpaFloorPct = proactive && onSim ? (flags['hpa-floor'] ?? DEFAULT_HPA_FLOOR_PCT) || null : null;
    // With the default floor, the services with a target of their own (criterion v9, as lab runs them);
    // --hpa-floor given puts every service at it; the file's hpa-floor sets a service's own.
    const hpaFloorPctByService = floorTargets(hpaFloorPct, flags['hpa-floor'] !== undefined, 'the proactive condition, --target sim and --hpa-floor above 0');
    const rateWindowMs = flags['rate-window'] === undefined ? DEFAULT_RATE_WINDOW_POLLS * intervalMs : durationFlag('rate-window', flags['rate-window']);
    let brokers: string[] = [];
    const modelsDir = flags.models ?? defaultModelsDir();
    const alone = proactive && hpaFloorPct === null ? aloneWarning(policy, onSim ? '--hpa-floor 0' : `--target ${flags.target}`) : undefined;
    if (alone) this.warn(alone);
    if (proactive) {
      const missing = [!flags.kafka && '--kafka host:port', !flags.prometheus && '--prometheus URL', onSim && flags['sim-port'] === 0 && '--sim-port N (the port Prometheus scrapes)'].filter(Boolean);
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
    // Whole intervals of experiment time, played in wall time.
    // Whole ms (segments are whole ms), rounded up so the last interval is still inside the pattern.
    const patternMs = Math.ceil(Math.floor(durationMs / intervalMs) * wallIntervalMs);
    let pattern: LoadPattern;
    try {
      pattern = trace ? traceLoadPattern(trace, { durationMs: patternMs, peakRps: flags['peak-rps'], timeScale }) : loadPattern(flags.pattern, { durationMs: patternMs, peakRps: flags['peak-rps'] ?? DEFAULT_PEAK_RPS });
    } catch (e) {
      throw new InputError(`--pattern ${flags.pattern}: ${(e as Error).message}`);
    }

    await makeOutputDirectory(flags.out);
    const files = schedule.map((r) => join(flags.out, runFileName(r.condition, pattern.name, r.runId)));
    const clash = files.find((f) => existsSync(f));
    if (clash) throw new InputError(`${clash} exists: choose another --out (runs are never overwritten)`);

    const log = (line: string) => process.stderr.write(line + '\n');
    const services = [...SOCKSHOP_SERVICES];
    let target: ExperimentTarget;
    let actuatorArgs: string[];
    let collectArgs: string[] = [];
    let gateway: FloorGateway | undefined;
    if (onSim) {
      let sim: SimTarget;
      try {
        sim = await SimTarget.start({ services, timeScale, port: flags['sim-port'] });
      } catch (e) {
        throw new InputError(`--sim-port ${flags['sim-port']}: ${(e as Error).message}`);
      }
      target = sim;
      actuatorArgs = ['--actuator', 'http', '--actuator-url', new URL('/admin/replicas', sim.url).toString()];
      if (hpaFloorPct !== null) {
        gateway = await FloorGateway.start(sim, services);
        actuatorArgs = ['--actuator', 'http', '--actuator-url', gateway.url];
      }
    } else {
      let actuator;
      // Imported here, not at the top: the Kubernetes client takes ~0.5 s to load, and oclif (with no
      // manifest) loads every command's module to start any command, `sockml lab` included.
      const kubernetes = flags.actuator === 'http' ? undefined : await import('../../actuators/kubernetes.js');
      try {
        actuator = kubernetes ? new kubernetes.KubernetesActuator({ namespace: flags.namespace }) : new HttpActuator(flags['actuator-url']!);
      } catch (e) {
        throw new InputError((e as Error).message);
      }
      actuatorArgs = flags.actuator === 'http' ? ['--actuator', 'http', '--actuator-url', flags['actuator-url']!] : ['--actuator', 'kubernetes', '--namespace', flags.namespace];
      collectArgs = ['--metric', flags.metric, '--cpu-source', flags['cpu-source']];
      const prometheusTarget = new PrometheusTarget({
        url: targetUrl!.toString(),
        prometheus: flags.prometheus!,
        actuator,
        services,
        metric: flags.metric,
        cpuSource: flags['cpu-source'] as CpuSource,
        lagMs: 1000,
        log,
      });
      await checkPrometheusTarget(prometheusTarget, wallIntervalMs, { needCpu: conditions.includes('reactive') && flags.reactive === 'builtin', log });
      target = prometheusTarget;
    }
    if (proactive) await preparePipelineTopics(brokers);

    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    log(`sockml experiment run: ${target.description}; ${schedule.length} run(s) of ${durationText}${trace ? ` of trace ${trace.name}` : ''} (${(wallDurationMs / 1000).toFixed(1)} s wall each), order ${schedule.map((r) => `${r.condition}#${r.runId}`).join(' ')}`);
    const runs = [];
    try {
      if (proactive && target instanceof SimTarget) {
        const scrape = await waitForPrometheusScrape(flags.prometheus!, target.port, 30_000);
        const every = scrape.scrapeIntervalMs;
        const sparse = scrapesTooSparse(
          every,
          { pollMs: wallIntervalMs, windowMs: rateWindowMs / timeScale },
          `--interval ${flags.interval}, --rate-window ${flags['rate-window'] ?? `${rateWindowMs / 1000}s`}, --time-scale ${timeScale}`,
        );
        if (sparse) throw new EnvironmentError(sparse);
        log(`Prometheus scrapes the emulator (job ${scrape.job}, ${scrape.instance}${every === null ? '' : `, every ${every / 1000} s`})`);
      }
      for (const [i, r] of schedule.entries()) {
        if (stop.signal.aborted) break;
        log(`run ${i + 1}/${schedule.length}: ${r.condition} ${pattern.name} run ${r.runId}`);
        const result = await runExperiment({
          target,
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
          ...(hpaByService ? { hpaByService } : {}),
          reactiveBy: flags.reactive as 'builtin' | 'cluster',
          ...(gateway
            ? {
                hpaFloor: {
                  hpa: { targetUtilizationPct: hpaFloorPct!, maxReplicas: flags['max-replicas'] },
                  byService: floorHpaOptionsByService(hpaFloorPctByService),
                  gateway,
                },
              }
            : {}),
          seed: flags.seed,
          maxInFlight: flags['max-in-flight'],
          startProactive: proactive
            ? async () => {
                const logDir = `${files[i]}.d`.replace(/\.jsonl\.d$/, '.d');
                await mkdir(logDir, { recursive: true });
                // With --config the scaler reads the policies per service from a file (its durations in wall
                // time), kept beside the run: what replay --config needs to take the same decisions.
                let scalePolicyArgs = policyArgs(compressPolicy(policy, timeScale));
                if (config) {
                  const scaleConfig = join(logDir, 'scale-config.json');
                  await writeFileAtomic(scaleConfig, JSON.stringify(configFromSpecs(wallSpecs), null, 2) + '\n', { flag: '--out' });
                  scalePolicyArgs = ['--config', scaleConfig];
                }
                return startProactivePipeline({
                  kafka: brokers.join(','),
                  prometheus: flags.prometheus!,
                  actuatorArgs,
                  collectArgs,
                  modelsDir,
                  strategy: flags.strategy,
                  pollIntervalMs: wallIntervalMs,
                  rateWindowMs: rateWindowMs / timeScale,
                  sloMs,
                  policyArgs: scalePolicyArgs,
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
        // Stopped part-way (Ctrl-C, SIGTERM): what was recorded is kept, under a name analyze skips with a
        // warning, so an interrupted run is never compared as if it had seen the whole load pattern.
        const partial = stop.signal.aborted && result.lines.length < Math.max(1, Math.floor(pattern.durationMs / wallIntervalMs));
        const file = partial ? join(flags.out, runFileName(r.condition, pattern.name, r.runId, { partial: true })) : files[i];
        if (partial && result.lines.length === 0) {
          log(`  interrupted before its first snapshot: nothing written`);
          break;
        }
        await writeFileAtomic(file, result.lines.map((l) => l + '\n').join(''), { flag: '--out' });
        log(`  wrote ${file} (${result.lines.length} snapshots, ${result.scalingActions.length} scaling actions)${partial ? '; interrupted: a partial run, which analyze skips' : ''}`);
        runs.push({ file, condition: r.condition, runId: r.runId, partial, snapshots: result.lines.length, scalingActions: result.scalingActions, maxReplicas: result.maxReplicas });
      }
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
      await gateway?.stop();
      await target.stop();
    }
    const unanswered = target instanceof PrometheusTarget ? target.failedIntervals : 0;
    for (const r of runs) this.log(`${r.file}: ${r.snapshots} snapshots, ${r.scalingActions.length} scaling actions, front-end up to ${r.maxReplicas['front-end']} replicas${r.partial ? ' (partial: interrupted)' : ''}`);
    if (unanswered > 0) this.warn(`${unanswered} interval(s) had no answer from Prometheus and are recorded as unknown (replicas -1, p95 0.0)`);
    return {
      target: onSim ? 'sim' : targetUrl!.toString(),
      pattern: pattern.name,
      /** What was played (wall-clock ms; a trace's file, hash and scaling in params). */
      load: { name: pattern.name, peakRps: pattern.peakRps, durationMs: pattern.durationMs, params: pattern.params },
      duration: durationText,
      interval: flags.interval,
      timeScale,
      order: schedule.map((r) => ({ condition: r.condition, runId: r.runId })),
      stoppedBySignal: stop.signal.aborted,
      unansweredIntervals: unanswered,
      /** Proactive runs: the scaler's policy as it ran (durations in wall-clock time: what `replay` of a run's metrics.csv needs). */
      policy: proactive ? compressPolicy(policy, timeScale) : null,
      /** Proactive: the HPA's target under sockml (--hpa-floor; null: sockml alone), and collect's rate window in experiment time. */
      hpaFloorPct,
      ...(Object.keys(hpaFloorPctByService).length > 0 ? { hpaFloorPctByService } : {}),
      /** Only with --config: the file, the services' own policies as the scaler ran them (wall time), every HPA's bounds. */
      ...(config ? { config: { file: flags.config, policies: proactive ? wallSpecs.perService : null, hpaByService } } : {}),
      rateWindow: proactive ? (flags['rate-window'] ?? `${rateWindowMs / 1000}s`) : null,
      runs,
    };
  }
}

/** --out: an existing directory, or one created now (before any run, so a bad path costs nothing). */
async function makeOutputDirectory(dir: string): Promise<void> {
  const existing = await stat(dir).catch(() => null);
  if (existing && !existing.isDirectory()) throw new InputError(`--out ${dir}: is not a directory (runs are files in it)`);
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    throw new InputError(`--out ${dir}: cannot create the directory (${err.code ?? err.message})`);
  }
}

function parseTargetUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InputError(`--target must be ${TARGET_HELP}, got '${raw}'`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InputError(`--target must be ${TARGET_HELP}, got '${raw}'`);
  return url;
}

/**
 * Before the first run on a real Sock Shop: Prometheus must have the front-end's request series with at
 * least two samples per poll interval (else the interval's increase() is empty), waited for up to 30 s
 * (a Prometheus that just started has no history yet); one that does not answer fails at once. Missing replicas or CPU for some services is a
 * warning (their snapshots record them as unknown); the built-in reactive controller needs CPU somewhere.
 */
async function checkPrometheusTarget(target: PrometheusTarget, intervalMs: number, o: { needCpu: boolean; log: (line: string) => void }): Promise<void> {
  const until = Date.now() + 30_000;
  let why = '';
  for (;;) {
    let c;
    try {
      c = await target.check(intervalMs);
    } catch (e) {
      throw new EnvironmentError(`Prometheus cannot describe the target: ${(e as Error).message}`);
    }
    {
      if (!c.withRequests.includes('front-end')) why = `it has no request series for the front-end (services with requests: ${c.withRequests.join(', ') || 'none'}; check --metric)`;
      else if (c.samplesPerInterval === null || c.samplesPerInterval < 2) why = `it has ${c.samplesPerInterval ?? 0} sample(s) per series in one poll interval (${intervalMs / 1000} s of wall time): scrape more often, or lower --time-scale`;
      else if (o.needCpu && c.withCpu.length === 0) why = 'it has no CPU utilisation for any service (CPU counter per --cpu-source and kube_pod_container_resource_requests{resource="cpu"}), which the reactive HPA controller scales on';
      else {
        const lacking = (have: string[]) => SOCKSHOP_SERVICES.filter((s) => !have.includes(s));
        if (lacking(c.withReplicas).length > 0) o.log(`warning: Prometheus has no ready replicas (kube_deployment_status_replicas_available) for ${lacking(c.withReplicas).join(', ')}: recorded as -1`);
        if (o.needCpu && lacking(c.withCpu).length > 0) o.log(`warning: no CPU utilisation for ${lacking(c.withCpu).join(', ')}: the reactive controller leaves them as they are`);
        // The scrape that closes an interval is in Prometheus about one scrape interval later.
        target.lagMs = Math.round(Math.min(intervalMs / 2, Math.max(500, intervalMs / c.samplesPerInterval + 250)));
        o.log(`Prometheus has the target: ${c.withRequests.length} services with requests, ${c.samplesPerInterval} samples per poll interval; each snapshot is asked ${target.lagMs} ms after its interval ends`);
        return;
      }
    }
    if (Date.now() > until) throw new EnvironmentError(`Prometheus cannot describe the target: ${why}`);
    await new Promise((r) => setTimeout(r, 1000));
  }
}
