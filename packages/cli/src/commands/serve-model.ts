import { createServer, type Server } from 'node:http';
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

export default class ServeModel extends SockmlCommand {
  static summary = 'Serve one ONNX model: consume `metrics`, publish votes to `model-votes`.';

  static description = `Joins a consumer group on the metrics topic, scores the feature vectors of each fetch with the model
(all its partitions in one onnxruntime run), and publishes one vote per (service, snapshot), keyed by
service, in one request per fetch. Malformed messages go to metrics.dlq with the reason in a header and are counted; processing
goes on. Serves Prometheus metrics on /metrics and a liveness probe on /healthz (--host, --port; loopback
by default, 0.0.0.0 in a container). Run one
process per model; several processes of the same model share partitions through the group.

Exit codes: 0 stopped by Ctrl-C/SIGTERM, 2 bad input (a flag, --predictions-log, a --port in use),
3 a model or card problem, 4 Kafka did not answer within --connect-timeout.`;

  static examples = ['<%= config.bin %> serve-model --model models/xgboost.onnx --kafka 127.0.0.1:9092 --port 9464'];

  static flags = {
    model: Flags.string({ description: 'the model: <name>.onnx with <name>.card.json beside it', required: true }),
    kafka: Flags.string({ description: 'Kafka bootstrap servers host:port[,…]', env: 'SOCKML_KAFKA', required: true }),
    group: Flags.string({ description: 'consumer group [default: sockml-serve-<model name>]' }),
    port: Flags.integer({ description: 'HTTP port for /metrics and /healthz (0: any free port; printed)', default: 0, min: 0, max: 65535 }),
    host: Flags.string({ description: 'address /metrics and /healthz listen on; in a container, 0.0.0.0, so the kubelet and Prometheus reach them', default: '127.0.0.1' }),
    'predictions-log': Flags.string({ description: 'append every vote to this CSV file' }),
    'from-beginning': Flags.boolean({ description: 'a new group starts at the oldest message (default: the newest)', default: false }),
    'connect-timeout': connectTimeoutFlag,
  };

  async run() {
    const { flags } = await this.parse(ServeModel);
    const brokers = parseBrokers(flags.kafka);
    const connectTimeoutMs = durationFlag('connect-timeout', flags['connect-timeout']);
    if (flags['predictions-log']) checkOutputPath(flags['predictions-log'], { flag: '--predictions-log' });
    const card = await readModelCard(cardPathFor(flags.model));
    const set = featureSet(card.featureSet);
    const model = await ModelRunner.load(flags.model, set, { intraOpThreads: 1 });
    const server = new ModelServer(model, set);

    const registry = new client.Registry();
    const labels = { model: model.name };
    const votesTotal = new client.Counter({ name: 'sockml_votes_total', help: 'Votes published', labelNames: ['model', 'prediction'], registers: [registry] });
    const deadLetters = new client.Counter({ name: 'sockml_dead_letters_total', help: 'Malformed metrics messages sent to the dead-letter topic', labelNames: ['model'], registers: [registry] });
    const errors = new client.Counter({ name: 'sockml_errors_total', help: 'Batches that failed and will be redelivered', labelNames: ['model'], registers: [registry] });
    const inference = new client.Histogram({ name: 'sockml_inference_seconds', help: 'Inference time per fetch (its partition batches scored together)', labelNames: ['model'], buckets: [0.0005, 0.001, 0.005, 0.01, 0.05, 0.1, 0.5], registers: [registry] });
    let healthy = false;
    const http = await listen(flags.host, flags.port, async (path) => {
      if (path === '/metrics') return { status: 200, type: registry.contentType, body: await registry.metrics() };
      if (path === '/healthz') return healthy ? { status: 200, type: 'text/plain', body: 'ok\n' } : { status: 503, type: 'text/plain', body: 'starting\n' };
      return { status: 404, type: 'text/plain', body: 'not found\n' };
    });

    if (flags['predictions-log']) await writeFile(flags['predictions-log'], VOTE_LOG_HEADER + '\n', { flag: 'a' });
    try {
      await waitForBrokers(brokers, connectTimeoutMs);
    } catch (e) {
      http.close();
      await model.close();
      throw e;
    }
    await ensureTopics(brokers, [TOPICS.metrics, TOPICS.votes, deadLetterTopic(TOPICS.metrics)]);
    const kafka = kafkaClient(brokers, `sockml-serve-${model.name}`);
    // Idempotent: a send retried across a broker hiccup is written once.
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const consumer = kafka.consumer({ groupId: flags.group ?? `sockml-serve-${model.name}` });
    const committer = new OffsetCommitter((e) => this.warn(`offset commit failed (the messages may be redelivered): ${e.message}`));
    await Promise.all([producer.connect(), consumer.connect()]);
    const trace = new HopTrace(`serve-model:${model.name}`);
    await consumer.subscribe({ topic: TOPICS.metrics, fromBeginning: flags['from-beginning'] });
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
        this.warn(`dead-lettered ${r.reason}`);
      }
      for (const v of result.votes) votesTotal.inc({ ...labels, prediction: String(v.prediction) });
      if (flags['predictions-log'] && result.votes.length > 0) await appendFile(flags['predictions-log'], result.votes.map((v) => formatVoteLogRow(v) + '\n').join(''));
    });
    await consumer.run({
      ...LIVE_CONSUMER_RUN,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
        await fetches.add({ batch, received: Date.now() });
        resolveOffset(batch.messages[batch.messages.length - 1].offset);
        await committer.done(commitOffsetsIfNecessary, batch.topic, batch.partition, batch.messages[batch.messages.length - 1].offset);
        await heartbeat();
      },
    });
    healthy = true;
    this.log(`serve-model ${model.name} (${model.version}, ${set.id}, threshold ${model.threshold}) on ${brokers.join(',')}; /metrics and /healthz on ${flags.host}:${(http.address() as { port: number }).port}`);
    await stopOnSignal([consumer, producer], () => committer.stop());
    trace.flush();
    http.close();
    await model.close();
    this.exit(0); // kafkajs may hold retry timers after a broker outage; the work is done and committed
  }
}

type Handler = (path: string) => Promise<{ status: number; type: string; body: string }>;

function listen(host: string, port: number, handler: Handler): Promise<Server> {
  const server = createServer((req, res) => {
    handler((req.url ?? '/').split('?')[0]).then(
      (r) => res.writeHead(r.status, { 'content-type': r.type }).end(r.body),
      (e) => res.writeHead(500).end(String(e)),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => reject(new InputError(`--host ${host} --port ${port}: cannot listen (${e.code ?? e.message})`)));
    server.listen(port, host, () => resolve(server));
  });
}
