import { Args, Flags } from '@oclif/core';
import { FEATURE_SET_IDS, FeatureExtractor, featureSet, formatMetricsMessage, TOPICS } from '@sockml/core';
import { SockmlCommand } from '../lib/base-command.js';
import { connectTimeoutFlag, durationFlag, pollIntervalFlag } from '../lib/flags.js';
import { featureSetOfModels } from '../lib/model-cards.js';
import { defaultModelsDir } from '../lib/paths.js';
import { expandRecordings, newReadStats, openRecordings } from '../lib/recordings.js';
import { ensureTopics, kafkaClient, parseBrokers, sendInChunks, waitForBrokers } from '../live/kafka.js';
import { kafkaConnectionFlags, kafkaSettingsFromFlags } from '../live/kafka-connection.js';

export default class Publish extends SockmlCommand {
  static summary = 'Publish recorded metrics to the Kafka topic `metrics` as feature vectors, keyed by service.';

  static description = `Runs each recording through the FeatureExtractor (as collect does live and replay does offline)
and publishes one message per (poll, service) in the prototype-compatible form {timestamp, service,
features{...}} plus snapshot_id, run_id and feature_set. Use it to drive serve-model and scale with a
recording, e.g. to check that a live run decides as replay does. The recordings are read (and checked)
in full before the first connection.

Exit codes: 0 published, 2 bad input (a malformed recording, file:line; a bad flag), 3 a model card
problem, 4 Kafka did not answer within --connect-timeout.`;

  static examples = ['<%= config.bin %> publish fixtures/sockshop-gke/runs/step/run_3.csv --kafka 127.0.0.1:9092'];
  static strict = false;
  static enableJsonFlag = true;
  static args = { recordings: Args.string({ description: 'metrics CSV files or directories of them', required: true }) };
  static flags = {
    kafka: Flags.string({ description: 'Kafka bootstrap servers host:port[,…]', env: 'SOCKML_KAFKA', required: true }),
    'feature-set': Flags.string({ description: 'feature set [default: the one the models in --models use]', options: FEATURE_SET_IDS }),
    models: Flags.string({ description: 'model directory whose cards name the feature set [default: ./models or the bundled models]' }),
    topic: Flags.string({ description: 'topic to publish to', default: TOPICS.metrics }),
    'poll-interval': pollIntervalFlag,
    ...kafkaConnectionFlags,
    'connect-timeout': connectTimeoutFlag,
  };

  async run() {
    const { argv, flags } = await this.parse(Publish);
    const brokers = parseBrokers(flags.kafka);
    const kafkaSettings = kafkaSettingsFromFlags(flags);
    const pollIntervalMs = durationFlag('poll-interval', flags['poll-interval']);
    const set = featureSet(flags['feature-set'] ?? (await featureSetOfModels(flags.models ?? defaultModelsDir())));
    const connectTimeoutMs = durationFlag('connect-timeout', flags['connect-timeout']);
    const files = await expandRecordings(argv as string[]);
    // Every recording is read once before connecting: a malformed row is exit 2 with file:line, and
    // never a half-published recording.
    for (const run of openRecordings(files, {}, newReadStats())) for await (const _ of run.samples);
    await waitForBrokers(brokers, connectTimeoutMs, kafkaSettings);
    await ensureTopics(brokers, [flags.topic], kafkaSettings);
    const producer = kafkaClient(brokers, 'sockml-publish', kafkaSettings).producer();
    await producer.connect();
    let messages = 0;
    try {
      for (const run of openRecordings(files, {}, newReadStats())) {
        const extractor = new FeatureExtractor(set, run.runId, { pollIntervalMs });
        for await (const batch of run.samples) {
          await sendInChunks(
            producer,
            flags.topic,
            batch.map((s) => ({ key: s.service, value: JSON.stringify(formatMetricsMessage(extractor.extract(s), set.names)) })),
          );
          messages += batch.length;
        }
      }
    } finally {
      await producer.disconnect();
    }
    this.log(`published ${messages} feature vectors (${set.id}) from ${files.length} recording(s) to '${flags.topic}'`);
    return { messages, files, featureSet: set.id, topic: flags.topic };
  }
}
