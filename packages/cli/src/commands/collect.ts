import { Flags } from '@oclif/core';
import { buildCollectQueries, CPU_SOURCES, FEATURE_SET_IDS, featureSet, PollSchedule, RetryPolicy, TOPICS, type CpuSource, type LabelDefinition } from '@sockml/core';
import { runCollectLoop, type PollEvent } from '../collect/collect-loop.js';
import { CsvSampleSink } from '../collect/csv-sample-sink.js';
import { KafkaSampleSink } from '../collect/kafka-sample-sink.js';
import { TeeSampleSink } from '../collect/tee-sample-sink.js';
import { featureSetOfModels } from '../lib/model-cards.js';
import { defaultModelsDir } from '../lib/paths.js';
import { ensureTopics, kafkaClient, parseBrokers } from '../live/kafka.js';
import { HttpPrometheusClient, PrometheusQueryError, withoutCredentials } from '../collect/prometheus-client.js';
import { prometheusConnectionFlags, prometheusConnectionFromFlags } from '../collect/prometheus-connection.js';
import { EXIT, InputError, SockmlCommand } from '../lib/base-command.js';
import { durationFlag } from '../lib/flags.js';
import { configFlag, explicitFlags, readConfigFile, slosFromConfig } from '../lib/config-file.js';
import { kafkaConnectionFlags, kafkaSettingsFromFlags } from '../live/kafka-connection.js';
import { CollectMetrics } from '../ops/collect-metrics.js';
import { loggerFromFlags, opsFlags, unhealthyAfterMs } from '../ops/ops-flags.js';
import { allHealthy, newMetricsRegistry, startOpsServer } from '../ops/ops-server.js';
import { checkOutputPath } from '../lib/output-file.js';

export default class Collect extends SockmlCommand {
  static summary = 'Poll Prometheus for per-service Sock Shop metrics and write them as a metrics CSV.';

  static description = `Every --interval (on a grid aligned to the interval: :00 and :30 for 30 s), collect asks
Prometheus for each service's request rate, 5xx share, p50/p95/p99 latency (histogram_quantile over
the buckets summed per service), CPU % and resident memory, evaluated at the poll's time. A service is
named by the series' service label, else its job (cart → carts, frontend → front-end), else the
Kubernetes name label, else the instance. Missing series are empty cells, never 0; a service without
requests has empty latencies.

A failed query is retried with exponential backoff until 80 % of the interval has passed; then the
poll is missing: no row is written for it, it is counted in the summary, and deltas and labels do not
reach across it. Each completed poll is fsynced before the next one. With --slo, sla_violated holds
the future-only label (p95 > --slo in any of the next --lookahead polls; --config can give each service
its own slo, and defaults.slo the others'); rows are written once their
label is known, and the rows still waiting sit in <out>.pending until then (appended unlabelled when
collect stops). If collect is killed before that, \`sockml collect recover <out>\` merges the journal
into the file; collect refuses to overwrite a file whose journal is still there. The file reads with
\`sockml replay\`. Ctrl-C stops cleanly.

Serves Prometheus metrics on /metrics (polls by outcome — completed or missing —, query retries, missing
values, poll duration, feature vectors published, process metrics) and a probe on /healthz (--host,
--port): 503 while starting, once the loop ended, or when no poll finished (completed or missing) for
--unhealthy-after. --log-format json writes one JSON object per log line on stderr, a record per poll.

One collect writes a file at a time: <out>.lock holds its pid, and another collect on the same --out is
refused while that process lives (the lock of one that died is taken over). The file is created by the
first completed poll: a collect that never completes one leaves an earlier file as it was.

Exit codes: 0 success (also when stopped by Ctrl-C/SIGTERM), 2 bad input (a flag, a query Prometheus
rejects, an --out that cannot be written or that another collect is writing), 4 Prometheus never answered.`;

  static examples = [
    { description: 'Record 30 minutes of 30 s polls with future-only labels', command: '<%= config.bin %> collect --prometheus http://localhost:9090 --duration 30m --out metrics.csv --slo 35.68' },
    { description: 'Later Sock Shop builds (http_request_duration_seconds), CPU from cAdvisor', command: '<%= config.bin %> collect --prometheus http://prometheus:9090 --metric http_request_duration_seconds --cpu-source cadvisor --out m.csv' },
  ];

  static enableJsonFlag = true;

  static flags = {
    prometheus: Flags.string({ description: 'Prometheus base URL, e.g. http://localhost:9090', required: true }),
    interval: Flags.string({ description: 'poll interval', default: '30s' }),
    duration: Flags.string({ description: 'stop after this long (whole intervals) [default: until Ctrl-C]' }),
    out: Flags.string({ description: 'development mode: the metrics CSV to write (replaced by the first completed poll; refused while another collect writes it, or an unfinished run left <out>.pending)' }),
    kafka: Flags.string({ description: 'production mode: publish feature vectors to the `metrics` topic of these brokers (host:port[,…])', env: 'SOCKML_KAFKA' }),
    'feature-set': Flags.string({ description: 'with --kafka: the feature set to publish [default: the one the models in --models use]', options: FEATURE_SET_IDS }),
    models: Flags.string({ description: 'with --kafka: model directory whose cards name the feature set [default: ./models or the bundled models]' }),
    slo: Flags.string({ description: 'p95 SLO in ms: fill sla_violated with future-only labels' }),
    lookahead: Flags.integer({ description: 'label horizon k: polls t+1..t+k (with --slo)', default: 2, min: 1 }),
    metric: Flags.string({ description: 'request-latency histogram base name (later Sock Shop source: http_request_duration_seconds)', default: 'request_duration_seconds' }),
    'cpu-source': Flags.string({ description: "'process': process_cpu_seconds_total; 'cadvisor': container_cpu_usage_seconds_total", options: [...CPU_SOURCES], default: 'process' }),
    'rate-window': Flags.string({ description: 'rate() window of the queries', default: '1m' }),
    service: Flags.string({ description: 'collect only this service (repeatable)', multiple: true }),
    timeout: Flags.string({ description: 'timeout of one query attempt (also cut at the poll deadline)', default: '10s' }),
    progress: Flags.boolean({ description: 'show progress on stderr [default: when stderr is a terminal]', allowNo: true }),
    ...configFlag,
    ...prometheusConnectionFlags,
    ...opsFlags,
    ...kafkaConnectionFlags,
  };

  async run() {
    const { flags, metadata } = await this.parse(Collect);
    const intervalMs = durationFlag('interval', flags.interval);
    const durationMs = flags.duration === undefined ? undefined : durationFlag('duration', flags.duration);
    const rateWindowMs = durationFlag('rate-window', flags['rate-window']);
    const requestTimeoutMs = durationFlag('timeout', flags.timeout);
    const log = loggerFromFlags('collect', flags, (line) => this.log(line));
    const healthLimitMs = unhealthyAfterMs(flags['unhealthy-after'], Math.max(60_000, 3 * intervalMs));
    if (!flags.out && !flags.kafka) throw new InputError('collect needs somewhere to put the polls: --out metrics.csv (development) and/or --kafka host:port (production)');
    let label: LabelDefinition | undefined;
    let flagSlo: number | undefined;
    if (flags.slo !== undefined) {
      flagSlo = Number(flags.slo);
      if (!(flagSlo > 0)) throw new InputError(`--slo must be a positive number of ms, got '${flags.slo}'`);
    }
    const config = flags.config === undefined ? undefined : await readConfigFile(flags.config);
    const slos = slosFromConfig(config, flagSlo, explicitFlags(metadata, flags), flags.config);
    if (slos.sloMs !== undefined) label = { metric: 'p95_latency_ms', sloMs: slos.sloMs, lookahead: flags.lookahead };
    let queries;
    let client;
    try {
      queries = buildCollectQueries({ metric: flags.metric, cpuSource: flags['cpu-source'] as CpuSource, rateWindowMs });
      client = new HttpPrometheusClient(flags.prometheus, prometheusConnectionFromFlags(flags));
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError((e as Error).message);
    }

    let csv: CsvSampleSink | undefined;
    if (flags.out) {
      checkOutputPath(flags.out, { flag: '--out' });
      // Refuses a file another collect is writing, or one whose journal awaits `collect recover`.
      csv = new CsvSampleSink(flags.out, { label, sloMsByService: slos.byService });
    }
    const registry = newMetricsRegistry();
    let kafka: KafkaSampleSink | undefined;
    const metrics = new CollectMetrics(registry, healthLimitMs, flags.kafka ? () => kafka?.published ?? 0 : undefined);
    const ops = await startOpsServer({ host: flags.host, port: flags.port, registry, health: allHealthy({ polls: metrics.check }) }).catch((e) => {
      throw new InputError(`--host/--port: cannot listen on ${flags.host}:${flags.port} (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
    });
    log.info(`collect: /metrics and /healthz on ${flags.host}:${ops.port}`, { port: ops.port });
    log.info(`collect: a poll every ${intervalMs / 1000} s, rates over the last ${rateWindowMs / 1000} s`, { intervalMs, rateWindowMs });
    if (flags.kafka) {
      const { kafka: kafkaFlag } = flags;
      const connect = async () => {
        const brokers = parseBrokers(kafkaFlag);
        const kafkaSettings = kafkaSettingsFromFlags(flags, log);
        const set = featureSet(flags['feature-set'] ?? (await featureSetOfModels(flags.models ?? defaultModelsDir())));
        await ensureTopics(brokers, [TOPICS.metrics], kafkaSettings);
        const producer = kafkaClient(brokers, 'sockml-collect', kafkaSettings).producer({ idempotent: true, maxInFlightRequests: 1 });
        await producer.connect();
        return new KafkaSampleSink(producer, set, `live@${new Date().toISOString()}`, intervalMs, TOPICS.metrics, (reason) => log.warn(`not published: ${reason}`));
      };
      try {
        kafka = await ops.orClose(connect());
      } catch (e) {
        await csv?.close(); // releases the file's lock; nothing was written to it
        throw e;
      }
    }
    const sink = new TeeSampleSink([csv, kafka].filter((s): s is CsvSampleSink | KafkaSampleSink => s !== undefined));

    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);

    const showProgress = flags.progress ?? Boolean(process.stderr.isTTY);
    const schedule = PollSchedule.aligned(Date.now(), intervalMs, durationMs);
    const total = Number.isFinite(schedule.slots) ? `/${schedule.slots}` : '';
    let missingPolls = 0;
    const progress = (e: PollEvent) => {
      if (e.kind === 'missing') missingPolls++;
      const when = new Date(e.kind === 'completed' ? e.poll.timeMs : e.slot.timeMs).toISOString().slice(11, 19);
      const what =
        e.kind === 'waiting'
          ? `waiting for poll ${e.slot.slot + 1}${total} at ${when}`
          : e.kind === 'completed'
            ? `poll ${e.poll.slot + 1}${total} at ${when}: ${e.poll.samples.length} services`
            : `poll ${e.slot.slot + 1}${total} at ${when}: missing (${e.reason})`;
      process.stderr.write(`\r\u001b[2Kcollect: ${what}${missingPolls ? `, ${missingPolls} missing` : ''}`);
    };

    const onPoll = (e: PollEvent) => {
      metrics.onPoll(e);
      if (showProgress) progress(e);
      if (log.format === 'json' && e.kind !== 'waiting') {
        if (e.kind === 'completed') log.debug('poll completed', { slot: e.poll.slot, time: e.poll.timestamp, services: e.poll.samples.length, missingValues: e.poll.missing.length, attempts: e.attempts });
        else log.warn('poll missing', { slot: e.slot.slot, time: new Date(e.slot.timeMs).toISOString(), reason: e.reason, attempts: e.attempts });
      }
    };

    let summary;
    metrics.started();
    try {
      summary = await runCollectLoop({ client, queries, schedule, retry: new RetryPolicy(), requestTimeoutMs, sink, services: flags.service, signal: stop.signal, onPoll });
      metrics.stopped(summary.stoppedBy === 'signal' ? 'stopped by a signal' : 'the schedule (--duration) ran out');
    } catch (e) {
      metrics.stopped((e as Error).message);
      if (e instanceof PrometheusQueryError) throw new InputError(`Prometheus rejected a query: ${e.message}`);
      throw e;
    } finally {
      await ops.close();
      await sink.close();
      if (showProgress) process.stderr.write('\n');
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }

    if (summary.polls > 0 && summary.completedPolls === 0) {
      // The summary still goes out (with --json, scripts see the missing polls); the exit code says why.
      const why = `Prometheus at ${withoutCredentials(flags.prometheus)} never answered: ${summary.missingPolls} missing polls, last error: ${summary.lastError}`;
      if (log.format === 'json') log.error(why, { missingPolls: summary.missingPolls });
      else process.stderr.write(`sockml collect: ${why}\n`);
      process.exitCode = EXIT.environment;
    }
    const result = {
      ...summary,
      rows: csv?.rowsWritten ?? 0,
      published: kafka?.published ?? 0,
      labels: label && csv ? { ...csv.labelled, gapUnlabelled: csv.gapUnlabelled, sloMs: label.sloMs, ...(Object.keys(slos.byService).length ? { sloMsByService: slos.byService } : {}), lookahead: label.lookahead } : null,
      out: flags.out ?? null,
      featureSet: kafka?.featureSet.id ?? null,
      intervalMs,
    };
    this.log(
      `collect: ${summary.polls} polls (${summary.completedPolls} completed, ${summary.missingPolls} missing), ${summary.services.length} services` +
        (csv ? (summary.completedPolls > 0 ? `, ${result.rows} rows → ${flags.out}` : `, ${flags.out} not written (no poll completed)`) : '') +
        (kafka ? `, ${result.published} feature vectors (${kafka.featureSet.id}) → Kafka 'metrics'` : '') +
        (summary.stoppedBy === 'signal' ? ' (stopped)' : ''),
    );
    if (result.labels && csv) this.log(`labels (p95 > ${label!.sloMs} ms within ${label!.lookahead} polls): ${csv.labelled.positive} violating, ${csv.labelled.negative} not, ${csv.labelled.unlabelled} unlabelled`);
    const missing = Object.entries(summary.missingSeries);
    if (missing.length > 0) this.log(`missing values: ${missing.map(([m, n]) => `${m} ${n}`).join(', ')}`);
    return result;
  }
}
