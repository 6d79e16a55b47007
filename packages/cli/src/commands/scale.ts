import { appendFile } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import {
  DEFAULT_SEED_RETRY,
  formatDecisionMessage,
  IdempotentActuator,
  LiveScaler,
  loadModelDirectory,
  parseVoteMessage,
  ScalingController,
  SchemaError,
  STRATEGY_NAMES,
  TOPICS,
  deadLetterTopic,
  type Actuator,
  type Vote,
} from '@sockml/core';
import { HttpActuator } from '../actuators/http.js';
import { KubernetesActuator } from '../actuators/kubernetes.js';
import { LogActuator } from '../actuators/log.js';
import { SockmlCommand } from '../lib/base-command.js';
import { policyFromFlags, policyFlags } from '../lib/policy-flags.js';
import { durationFlag, strategyFromFlags, weightsFlag } from '../lib/flags.js';
import { decisionBlock } from '../lib/decision-block.js';
import { defaultModelsDir } from '../lib/paths.js';
import { ensureTopics, kafkaClient, LIVE_CONSUMER_RUN, OffsetCommitter, parseBrokers, sendInChunks, sendToDeadLetter, stopOnSignal } from '../live/kafka.js';
import { HopTrace } from '../live/trace.js';

export default class Scale extends SockmlCommand {
  static summary = 'Aggregate model votes per service, decide, publish to `scaling-decisions` and actuate.';

  static description = `Consumes model-votes in a consumer group (votes are keyed by service, so several scaler instances
share services). A decision for (service, snapshot) is taken as soon as every expected model voted, or
when --window closes with at least --quorum votes (then marked degraded). Decisions go through the same
ScalingPolicy as replay, timed by the snapshot's poll time, are printed, published with a decision id,
and applied by the actuator: log (shadow mode, default), http, or kubernetes (the Deployment's scale
subresource, in-cluster or from the kubeconfig). A redelivered decision is never applied twice.
Malformed votes go to model-votes.dlq and are counted.

Each service's replica count starts from what the target runs (--initial-replicas actuator: http GETs
--actuator-url, kubernetes reads the scale subresource), read at its first vote; that service's decisions
wait for the read (the services' reads run together, and no further votes are fetched until they are
over; an http read gives up after 5 s). A target running more than --max-replicas or fewer
than --min-replicas is brought to that bound by the service's first decision (a SCALE_DOWN to the max or
a SCALE_UP to the min, cooldowns notwithstanding), as an HPA would; the policy then counts from there.
A failed read (target unreachable) is logged and retried on a later vote of the service, up to 5 reads
spaced 1, 2, 4, 8 s apart at least; meanwhile, and if all fail, the policy counts from --min-replicas,
and a read that succeeds late replaces that count. The policy's cooldowns are measured in snapshot time
(the polls' timestamps), as replay measures them, so shorten them together with collect's --interval
when compressing an experiment (experiment run does).`;

  static examples = [
    '<%= config.bin %> scale --kafka 127.0.0.1:9092',
    '<%= config.bin %> scale --kafka 127.0.0.1:9092 --strategy weighted --window 5s --actuator http --actuator-url http://127.0.0.1:8080/admin/replicas',
  ];

  static flags = {
    kafka: Flags.string({ description: 'Kafka bootstrap servers host:port[,…]', env: 'SOCKML_KAFKA', required: true }),
    strategy: Flags.string({ description: 'how votes combine', options: [...STRATEGY_NAMES], default: 'majority' }),
    weights: weightsFlag,
    models: Flags.string({ description: 'model directory: the expected voters and their card weights [default: ./models or the bundled models]' }),
    'expected-models': Flags.string({ description: 'comma-separated voter names [default: every model in --models]' }),
    window: Flags.string({ description: 'how long a (service, snapshot) waits for missing votes', default: '5s' }),
    quorum: Flags.integer({ description: 'votes needed at window close [default: a majority of the expected models]', min: 1 }),
    actuator: Flags.string({ description: 'what applies decisions: log (shadow mode), http, kubernetes', options: ['log', 'http', 'kubernetes'], default: 'log' }),
    namespace: Flags.string({ description: 'for --actuator kubernetes: the namespace of the Deployments (named as the services)', default: 'sock-shop' }),
    'actuator-url': Flags.string({ description: 'for --actuator http: where to POST {service, replicas, decision_id}' }),
    group: Flags.string({ description: 'consumer group', default: 'sockml-scale' }),
    out: Flags.string({ description: 'also append every decision as a JSON line to this file' }),
    'from-beginning': Flags.boolean({ description: 'a new group starts at the oldest vote (default: the newest)', default: false }),
    'initial-replicas': Flags.string({
      description:
        "where a service's replica count starts: 'actuator' asks the target before the service's first decision, retrying a failed read, and brings a count outside --min/--max-replicas to the bound (the log actuator has no target: then --min-replicas); 'min' always starts at --min-replicas",
      options: ['actuator', 'min'],
      default: 'actuator',
    }),
    quiet: Flags.boolean({ description: 'print only SCALE UP / SCALE DOWN decisions' }),
    ...policyFlags,
  };

  async run() {
    const { flags } = await this.parse(Scale);
    const brokers = parseBrokers(flags.kafka);
    const windowMs = durationFlag('window', flags.window);
    const { models } = await loadModelDirectory(flags.models ?? defaultModelsDir());
    const cards = models.map((m) => m.card);
    const expected = flags['expected-models']?.split(',').map((s) => s.trim()).filter(Boolean) ?? models.map((m) => m.name);
    await Promise.all(models.map((m) => m.close())); // the scaler needs the cards, not the sessions
    const policy = policyFromFlags(flags);
    const controller = new ScalingController({ strategy: strategyFromFlags(flags, cards), expectedModels: expected, windowMs, quorum: flags.quorum }, policy);
    const inner: Actuator =
      flags.actuator === 'http'
        ? new HttpActuator(flags['actuator-url'] ?? this.error('--actuator http needs --actuator-url', { exit: 2 }))
        : flags.actuator === 'kubernetes'
          ? new KubernetesActuator({ namespace: flags.namespace })
          : new LogActuator((line) => this.log(line));
    const actuator = new IdempotentActuator(inner);

    await ensureTopics(brokers, [TOPICS.votes, TOPICS.decisions, deadLetterTopic(TOPICS.votes)]);
    const kafka = kafkaClient(brokers, 'sockml-scale');
    // Idempotent: a send retried across a broker hiccup is written once.
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const consumer = kafka.consumer({ groupId: flags.group });
    const committer = new OffsetCommitter((e) => this.warn(`offset commit failed (the votes may be redelivered): ${e.message}`));
    await Promise.all([producer.connect(), consumer.connect()]);

    // The policy starts each service from what the target runs, not from its minimum: after a restart
    // of the scaler, or on a cluster scaled by hand, a scale-up from the minimum would ask for fewer
    // replicas than there are. LiveScaler reads it before the service's first decision, retries a failed
    // read, and keeps each service's decisions in order behind it.
    const scaler = new LiveScaler(controller, {
      actuator,
      seed: flags['initial-replicas'] === 'actuator' ? DEFAULT_SEED_RETRY : false,
      publish: (taken) => sendInChunks(producer, TOPICS.decisions, taken.map(({ decision }) => ({ key: decision.service, value: JSON.stringify(formatDecisionMessage(decision)) }))),
      applied: async (taken) => {
        for (const { verdict, decision } of taken) if (!flags.quiet || decision.decision !== 'NO_ACTION') this.log(decisionBlock(verdict, decision));
        if (flags.out) await appendFile(flags.out, taken.map(({ decision }) => JSON.stringify(formatDecisionMessage(decision)) + '\n').join(''));
      },
      log: (line) => this.log(line),
      warn: (line) => this.warn(line),
    });

    let deadLetters = 0;
    // Windows close on a timer as well as on votes, so a silent voter cannot hold a decision back.
    const timer = setInterval(() => {
      scaler.onTick(Date.now()).catch((e) => this.warn(`decision at window close failed: ${(e as Error).message}`));
    }, Math.max(50, Math.min(1000, windowMs / 4)));

    const trace = new HopTrace('scale');
    await consumer.subscribe({ topic: TOPICS.votes, fromBeginning: flags['from-beginning'] });
    await consumer.run({
      ...LIVE_CONSUMER_RUN,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
        const received = Date.now();
        const votes: Vote[] = [];
        for (const m of batch.messages) {
          const where = `${batch.topic}[${batch.partition}]@${m.offset}`;
          try {
            if (!m.value) throw new SchemaError('message has no value', where);
            let json: unknown;
            try {
              json = JSON.parse(m.value.toString('utf8'));
            } catch {
              throw new SchemaError('message is not JSON', where);
            }
            votes.push(parseVoteMessage(json, where));
          } catch (e) {
            if (!(e instanceof SchemaError)) throw e;
            await sendToDeadLetter(producer, batch.topic, { key: m.key, value: m.value }, e.message);
            deadLetters++;
            this.warn(`dead-lettered ${e.message}`);
          }
        }
        for (const vote of votes) trace.mark(`${vote.snapshotId}|${vote.service}`, received, { model: vote.model });
        // Resolves once the decisions these votes completed are published and applied.
        await scaler.onVotes(votes, Date.now());
        if (batch.messages.length > 0) {
          resolveOffset(batch.messages[batch.messages.length - 1].offset);
          await committer.done(commitOffsetsIfNecessary, batch.topic, batch.partition, batch.messages[batch.messages.length - 1].offset);
        }
        await heartbeat();
      },
    });
    this.log(`scale: ${flags.strategy} voting over ${expected.join(', ')}, window ${flags.window}, actuator ${actuator.name}, on ${brokers.join(',')}`);
    await stopOnSignal([consumer, producer], async () => {
      clearInterval(timer);
      await scaler.idle();
      await committer.stop();
    });
    trace.flush();
    await actuator.close();
    const s = controller.stats;
    this.log(`scale: ${s.decided} decisions (${s.degraded} degraded), ${s.duplicates} duplicate and ${s.late} late votes, ${deadLetters} dead-lettered, ${actuator.duplicates} redelivered decisions not re-applied`);
    this.exit(0); // kafkajs may hold retry timers after a broker outage; the work is done and committed
  }
}
