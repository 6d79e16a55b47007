import { appendFile } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import {
  formatDecisionMessage,
  IdempotentActuator,
  loadModelDirectory,
  parseVoteMessage,
  ScalingController,
  SchemaError,
  STRATEGY_NAMES,
  TOPICS,
  deadLetterTopic,
  voteStrategy,
  type Actuator,
  type EnsembleVerdict,
  type ScalingDecision,
} from '@sockml/core';
import { HttpActuator } from '../actuators/http.js';
import { KubernetesActuator } from '../actuators/kubernetes.js';
import { LogActuator } from '../actuators/log.js';
import { SockmlCommand } from '../lib/base-command.js';
import { policyFromFlags, policyFlags } from '../lib/policy-flags.js';
import { durationFlag } from '../lib/flags.js';
import { decisionBlock } from '../lib/decision-block.js';
import { defaultModelsDir } from '../lib/paths.js';
import { ensureTopics, kafkaClient, OffsetCommitter, parseBrokers, sendInChunks, sendToDeadLetter, stopOnSignal } from '../live/kafka.js';
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
--actuator-url, kubernetes reads the scale subresource), asked once before its first decision; the
policy's cooldowns are measured in snapshot time (the polls' timestamps), as replay measures them, so
shorten them together with collect's --interval when compressing an experiment (experiment run does).`;

  static examples = [
    '<%= config.bin %> scale --kafka 127.0.0.1:9092',
    '<%= config.bin %> scale --kafka 127.0.0.1:9092 --strategy weighted --window 5s --actuator http --actuator-url http://127.0.0.1:8080/admin/replicas',
  ];

  static flags = {
    kafka: Flags.string({ description: 'Kafka bootstrap servers host:port[,…]', env: 'SOCKML_KAFKA', required: true }),
    strategy: Flags.string({ description: 'how votes combine', options: [...STRATEGY_NAMES], default: 'majority' }),
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
      description: "where a service's replica count starts: 'actuator' asks the target before the service's first decision (the log actuator has none: then --min-replicas); 'min' always starts at --min-replicas",
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
    const weights = Object.fromEntries(models.filter((m) => m.card.weight !== undefined).map((m) => [m.name, m.card.weight!]));
    const expected = flags['expected-models']?.split(',').map((s) => s.trim()).filter(Boolean) ?? models.map((m) => m.name);
    await Promise.all(models.map((m) => m.close())); // the scaler needs the cards, not the sessions
    const policy = policyFromFlags(flags);
    const controller = new ScalingController({ strategy: voteStrategy(flags.strategy, weights), expectedModels: expected, windowMs, quorum: flags.quorum }, policy);
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
    // replicas than there are. Asked once per service; a target that cannot say leaves the minimum.
    const asked = new Set<string>();
    const seed = async (service: string) => {
      asked.add(service);
      if (controller.knows(service)) return;
      try {
        const n = await actuator.currentReplicas(service);
        if (n !== null && controller.seed(service, n)) this.log(`scale: ${service} starts from ${controller.replicas(service)} replicas (${actuator.name} target)`);
      } catch (e) {
        this.warn(`could not read ${service}'s replicas from the ${actuator.name} target (${(e as Error).message}); starting from ${controller.replicas(service)}`);
      }
    };

    let deadLetters = 0;
    // Decisions taken but not yet published and applied. The controller counts their votes as decided,
    // so a redelivered batch would not take them again: they wait here and go out first next time.
    let unsent: { verdict: EnsembleVerdict; decision: ScalingDecision }[] = [];
    const emit = async (taken: { verdict: EnsembleVerdict; decision: ScalingDecision }[]) => {
      const queue = unsent.concat(taken);
      unsent = [];
      if (queue.length === 0) return;
      const done: string[] = [];
      let i = 0;
      try {
        // A decision retried after a failed apply may be published twice; its decision_id tells.
        await sendInChunks(producer, TOPICS.decisions, queue.map(({ decision }) => ({ key: decision.service, value: JSON.stringify(formatDecisionMessage(decision)) })));
        for (; i < queue.length; i++) {
          const { verdict, decision } = queue[i];
          await actuator.apply(decision);
          if (!flags.quiet || decision.decision !== 'NO_ACTION') this.log(decisionBlock(verdict, decision));
          done.push(JSON.stringify(formatDecisionMessage(decision)) + '\n');
        }
      } catch (e) {
        unsent = queue.slice(i);
        throw e;
      } finally {
        if (flags.out && done.length > 0) await appendFile(flags.out, done.join(''));
      }
    };

    // Windows close on a timer as well as on votes, so a silent voter cannot hold a decision back.
    let ticking = Promise.resolve();
    const timer = setInterval(() => {
      ticking = ticking
        .then(() => emit(controller.onTick(Date.now())))
        .catch((e) => {
          this.warn(`decision at window close failed: ${(e as Error).message}`);
        });
    }, Math.max(50, Math.min(1000, windowMs / 4)));

    const trace = new HopTrace('scale');
    await consumer.subscribe({ topic: TOPICS.votes, fromBeginning: flags['from-beginning'] });
    await consumer.run({
      // Offsets are committed by `committer` once the decisions are out, off the path of the next fetch.
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch, resolveOffset, heartbeat, commitOffsetsIfNecessary }) => {
        const received = Date.now();
        await ticking;
        // Decisions of one batch go out in one produce request, and offsets move only after they are out.
        const taken: { verdict: EnsembleVerdict; decision: ScalingDecision }[] = [];
        for (const m of batch.messages) {
          const where = `${batch.topic}[${batch.partition}]@${m.offset}`;
          let vote;
          try {
            if (!m.value) throw new SchemaError('message has no value', where);
            let json: unknown;
            try {
              json = JSON.parse(m.value.toString('utf8'));
            } catch {
              throw new SchemaError('message is not JSON', where);
            }
            vote = parseVoteMessage(json, where);
          } catch (e) {
            if (!(e instanceof SchemaError)) throw e;
            await sendToDeadLetter(producer, batch.topic, { key: m.key, value: m.value }, e.message);
            deadLetters++;
            this.warn(`dead-lettered ${e.message}`);
            continue;
          }
          trace.mark(`${vote.snapshotId}|${vote.service}`, received, { model: vote.model });
          if (flags['initial-replicas'] === 'actuator' && !asked.has(vote.service)) await seed(vote.service);
          const t = controller.onVote(vote, Date.now());
          if (t) taken.push(t);
        }
        await emit(taken);
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
      await ticking;
      await committer.stop();
    });
    trace.flush();
    await actuator.close();
    const s = controller.stats;
    this.log(`scale: ${s.decided} decisions (${s.degraded} degraded), ${s.duplicates} duplicate and ${s.late} late votes, ${deadLetters} dead-lettered, ${actuator.duplicates} redelivered decisions not re-applied`);
    this.exit(0); // kafkajs may hold retry timers after a broker outage; the work is done and committed
  }
}
