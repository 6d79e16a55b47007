import { appendFile, writeFile } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import type { Batch } from 'kafkajs';
import client from 'prom-client';
import {
  cardPathFor,
  featureSet,
  formatVoteLogRow,
  formatVoteMessage,
  ModelRunner,
  ModelServer,
  readModelCard,
  TOPICS,
  deadLetterTopic,
  TurnBatches,
  VOTE_LOG_HEADER,
} from '@sockml/core';
import { InputError, SockmlCommand } from '../lib/base-command.js';
import { connectTimeoutFlag, durationFlag } from '../lib/flags.js';
import { checkOutputPath } from '../lib/output-file.js';
import { ensureTopics, kafkaClient, LIVE_CONSUMER_RUN, OffsetCommitter, parseBrokers, sendInChunks, sendToDeadLetter, stopOnSignal, waitForBrokers } from '../live/kafka.js';
import { HopTrace } from '../live/trace.js';
import { kafkaConnectionFlags, kafkaSettingsFromFlags } from '../live/kafka-connection.js';
import { ConsumerHealth } from '../ops/consumer-health.js';
import { loggerFromFlags, opsFlags, unhealthyAfterMs } from '../ops/ops-flags.js';
import { allHealthy, newMetricsRegistry, startOpsServer } from '../ops/ops-server.js';

export default class ServeModel extends SockmlCommand {
  static summary = 'Serve one ONNX model: consume `metrics`, publish votes to `model-votes`.';

  static description = `Joins a consumer group on the metrics topic, scores the feature vectors of each fetch with the model
(all its partitions in one onnxruntime run), and publishes one vote per (service, snapshot), keyed by
service, in one request per fetch. Malformed messages go to metrics.dlq with the reason in a header and
are counted; processing goes on. Serves Prometheus metrics on /metrics (votes, dead letters, inference
time, consumer lag, process metrics) and a probe on /healthz (--host, --port; loopback by default,
0.0.0.0 in a container): 503 while starting, when the consumer crashed for good, or when it has not
completed a fetch for --unhealthy-after. Run one process per model; several processes of the same model
share partitions through the group.

Exit codes: 0 stopped by Ctrl-C/SIGTERM, 2 bad input (a flag, --predictions-log, a --port in use),
3 a model or card problem, 4 Kafka did not answer within --connect-timeout.`;

  static examples = ['<%= config.bin %> serve-model --model models/xgboost.onnx --kafka 127.0.0.1:9092 --port 9464'];

  static flags = {
    model: Flags.string({ description: 'the model: <name>.onnx with <name>.card.json beside it', required: true }),
    kafka: Flags.string({ description: 'Kafka bootstrap servers host:port[,…]', env: 'SOCKML_KAFKA', required: true }),
    group: Flags.string({ description: 'consumer group [default: sockml-serve-<model name>]' }),
    'predictions-log': Flags.string({ description: 'append every vote to this CSV file' }),
    'from-beginning': Flags.boolean({ description: 'a new group starts at the oldest message (default: the newest)', default: false }),
    ...opsFlags,
    ...kafkaConnectionFlags,
    'connect-timeout': connectTimeoutFlag,
  };

  async run() {
    const { flags } = await this.parse(ServeModel);
    const log = loggerFromFlags('serve-model', flags, (line) => this.log(line));
    const brokers = parseBrokers(flags.kafka);
    const kafkaSettings = kafkaSettingsFromFlags(flags, log);
    const healthLimitMs = unhealthyAfterMs(flags['unhealthy-after'], 60_000);
    const connectTimeoutMs = durationFlag('connect-timeout', flags['connect-timeout']);
    if (flags['predictions-log']) checkOutputPath(flags['predictions-log'], { flag: '--predictions-log' });
    const card = await readModelCard(cardPathFor(flags.model));
    const set = featureSet(card.featureSet);
    const model = await ModelRunner.load(flags.model, set, { intraOpThreads: 1 });
    const server = new ModelServer(model, set);

    const registry = newMetricsRegistry();
    const labels = { model: model.name };
    const votesTotal = new client.Counter({ name: 'sockml_votes_total', help: 'Votes published', labelNames: ['model', 'prediction'], registers: [registry] });
    const deadLetters = new client.Counter({ name: 'sockml_dead_letters_total', help: 'Malformed metrics messages sent to the dead-letter topic', labelNames: ['model'], registers: [registry] });
    const errors = new client.Counter({ name: 'sockml_errors_total', help: 'Batches that failed and will be redelivered', labelNames: ['model'], registers: [registry] });
    const inference = new client.Histogram({ name: 'sockml_inference_seconds', help: 'Inference time per fetch (its partition batches scored together)', labelNames: ['model'], buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5], registers: [registry] });
    const kafka = kafkaClient(brokers, `sockml-serve-${model.name}`, kafkaSettings);
    // Idempotent: a send retried across a broker hiccup is written once.
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const consumer = kafka.consumer({ groupId: flags.group ?? `sockml-serve-${model.name}` });
    const health = new ConsumerHealth(consumer, healthLimitMs, registry);
    const ops = await startOpsServer({ host: flags.host, port: flags.port, registry, health: allHealthy({ consumer: health.check }) });

    if (flags['predictions-log']) await ops.orClose(writeFile(flags['predictions-log'], VOTE_LOG_HEADER + '\n', { flag: 'a' }));
    // A broker that does not answer is one line and exit 4 after --connect-timeout, not kafkajs's retries.
    await ops.orClose(waitForBrokers(brokers, connectTimeoutMs, kafkaSettings)).catch(async (e) => {
      await model.close();
      throw e;
    });
    await ops.orClose(ensureTopics(brokers, [TOPICS.metrics, TOPICS.votes, deadLetterTopic(TOPICS.metrics)], kafkaSettings));
    const committer = new OffsetCommitter((e) => log.warn(`offset commit failed (the messages may be redelivered): ${e.message}`));
    await ops.orClose(Promise.all([producer.connect(), consumer.connect()]));
    const trace = new HopTrace(`serve-model:${model.name}`);
    await ops.orClose(consumer.subscribe({ topic: TOPICS.metrics, fromBeginning: flags['from-beginning'] }));
    // The partition batches of one fetch are scored together and their votes sent in one request.
    const fetches = new TurnBatches<{ batch: Batch; received: number }>(async (group) => {
      const messages = group.flatMap(({ batch }) => batch.messages.map((m) => ({ m, topic: batch.topic, where: `${batch.topic}[${batch.partition}]@${m.offset}` })));
      const raw = messages.map(({ m, where }) => ({ value: m.value, where }));
      const started = performance.now();
      let result;
      try {
        result = await server.handle(raw);
      } catch (e) {
        errors.inc(labels);
        throw e; // kafkajs redelivers the batches
      }
      inference.observe(labels, (performance.now() - started) / 1000);
      if (trace.enabled) {
        // The batches of a group reached eachBatch in the same turn of the event loop: one time for all.
        const received = Math.min(...group.map((g) => g.received));
        const scored = Date.now();
        for (const v of result.votes) trace.mark(`${v.snapshotId}|${v.service}`, received, { scored });
      }
      if (result.votes.length > 0) {
        await sendInChunks(producer, TOPICS.votes, result.votes.map((v) => ({ key: v.service, value: JSON.stringify(formatVoteMessage(v)) })));
      }
      for (const r of result.rejected) {
        const { m, topic } = messages[raw.findIndex((x) => x === r.message)];
        await sendToDeadLetter(producer, topic, { key: m.key, value: m.value }, r.reason);
        deadLetters.inc(labels);
        log.warn(`dead-lettered ${r.reason}`);
      }
      for (const v of result.votes) votesTotal.inc({ ...labels, prediction: String(v.prediction) });
      if (flags['predictions-log'] && result.votes.length > 0) await appendFile(flags['predictions-log'], result.votes.map((v) => formatVoteLogRow(v) + '\n').join(''));
    });
    await ops.orClose(consumer.run({
      ...LIVE_CONSUMER_RUN,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
        await fetches.add({ batch, received: Date.now() });
        resolveOffset(batch.messages[batch.messages.length - 1].offset);
        await committer.done(commitOffsetsIfNecessary, batch.topic, batch.partition, batch.messages[batch.messages.length - 1].offset);
        health.observeBatch(batch);
        await heartbeat();
      },
    }));
    health.started();
    log.info(`serve-model ${model.name} (${model.version}, ${set.id}, threshold ${model.threshold}) on ${brokers.join(',')}; /metrics and /healthz on ${flags.host}:${ops.port}`, { model: model.name, port: ops.port });
    await stopOnSignal([consumer, producer], () => committer.stop());
    trace.flush();
    await ops.close();
    await model.close();
    this.exit(0); // kafkajs may hold retry timers after a broker outage; the work is done and committed
  }
}
