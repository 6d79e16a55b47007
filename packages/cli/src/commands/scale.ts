import { appendFile } from 'node:fs/promises';
import { Flags } from '@oclif/core';
import {
  type SockmlConfig,
  DEFAULT_HYBRID_POLICY,
  DEFAULT_SEED_RETRY,
  formatDecisionMessage,
  IdempotentActuator,
  LiveScaler,
  loadModelDirectory,
  parseVoteMessage,
  ScalingController,
  SchemaError,
  TOPICS,
  deadLetterTopic,
  type Actuator,
  type Vote,
} from '@sockml/core';
import { HttpActuator } from '../actuators/http.js';
// Types only: the Kubernetes actuators are imported where they are made. The Kubernetes client takes ~0.5 s
// to load, and oclif (with no manifest) loads every command's module to start any command.
import type { KubernetesActuator } from '../actuators/kubernetes.js';
import type { KubernetesHpaFloorActuator } from '../actuators/kubernetes-hpa-floor.js';
import { LogActuator } from '../actuators/log.js';
import { EnvironmentError, InputError, SockmlCommand } from '../lib/base-command.js';
import { configFlag, deploymentsFromConfig, explicitFlags, policiesFromConfig, readConfigFile } from '../lib/config-file.js';
import { checkOutputPath } from '../lib/output-file.js';
import { ALONE_POLICY_FLAGS, aloneWarning, policyFlags } from '../lib/policy-flags.js';
import { connectTimeoutFlag, durationFlag, strategyFlag, strategyFromFlags, weightsFlag } from '../lib/flags.js';
import { decisionBlock } from '../lib/decision-block.js';
import { defaultModelsDir } from '../lib/paths.js';
import { ensureTopics, kafkaClient, LIVE_CONSUMER_RUN, OffsetCommitter, parseBrokers, partitionCount, sendInChunks, sendToDeadLetter, stopOnSignal, waitForBrokers } from '../live/kafka.js';
import { HopTrace } from '../live/trace.js';
import { kafkaConnectionFlags, kafkaSettingsFromFlags } from '../live/kafka-connection.js';
import { ConsumerHealth } from '../ops/consumer-health.js';
import type { Logger } from '../ops/logger.js';
import { loggerFromFlags, opsFlags, unhealthyAfterMs } from '../ops/ops-flags.js';
import { allHealthy, newMetricsRegistry, startOpsServer } from '../ops/ops-server.js';
import { ScaleMetrics } from '../ops/scale-metrics.js';

export default class Scale extends SockmlCommand {
  static summary = 'Aggregate model votes per service, decide, publish to `scaling-decisions` and actuate.';

  static description = `Consumes model-votes in a consumer group (votes are keyed by service, so several scaler instances
share services). A decision for (service, snapshot) is taken as soon as every expected model voted, or
when --window closes with at least --quorum votes (then marked degraded). Decisions go through the same
ScalingPolicy as replay, timed by the snapshot's poll time, are printed, published with a decision id,
and applied by the actuator: log (shadow mode, default), http, or kubernetes (the Deployment's scale
subresource, in-cluster or from the kubeconfig; a write that loses a race with another writer is read
again and retried, a Deployment that no longer exists is logged and skipped, and each change is
recorded as an Event on the Deployment, SuccessfulRescale as the HPA writes it, FailedRescale when the
write failed), or kubernetes-hpa-floor (the HPA stays: a decision sets the minReplicas of the
HorizontalPodAutoscaler that scales the service's Deployment, clamped to [1, its maxReplicas], and the
HPA controller brings the Deployment to at least that, so each service runs the larger of the HPA's
count and sockml's; a 409 is read again and retried, a Deployment without an HPA is logged and its
decision not applied, and each change is an Event on the HPA, SockmlFloor). A redelivered decision is
never applied twice.
Malformed votes go to model-votes.dlq and are counted.

The default policy (hybrid, docs/POLICIES.md) carries the settings chosen in the lab with an HPA under
sockml: a base target of 130 % CPU, which leaves the headroom to the HPA. On a cluster that is
--actuator kubernetes-hpa-floor; for sockml alone (--actuator kubernetes) set what was chosen for that:
${ALONE_POLICY_FLAGS.split(' --policy-set ').join('\n--policy-set ')}.

With callee attribution (hybrid's attributionMinUtilization, ${DEFAULT_HYBRID_POLICY.attributionMinUtilization} by default, and
midTierAttributionMinUtilization, ${DEFAULT_HYBRID_POLICY.midTierAttributionMinUtilization} by default; 0 turns each off) the policy
decides whole polls, as replay does: a (service, snapshot)'s verdict waits until every service of its
poll has one (the services of the polls decided so far; the first poll waits --window), or --window has
passed since the poll's first verdict, and then the poll's services are decided together, oldest poll first.
It needs every service's votes in one scaler: run one scale process per consumer group (scale warns
when the group gave it only some of model-votes's partitions).

Each service's replica count starts from what the target runs (--initial-replicas actuator: http GETs
--actuator-url, kubernetes reads the Deployment's scale subresource, kubernetes-hpa-floor the HPA's
minReplicas: sockml's own count, what runs above it being the HPA's), read at its first vote; that
service's decisions wait for the read (the services' reads run together, and no further votes are
fetched until they are over; an http read gives up after 5 s). A target running more than --max-replicas
or fewer than --min-replicas is brought to that bound by the service's first decision (a SCALE_DOWN to
the max or a SCALE_UP to the min, cooldowns notwithstanding), as an HPA would; the policy then counts
from there. A failed read (target unreachable) is logged and retried on a later vote of the service, up
to 5 reads spaced 1, 2, 4, 8 s apart at least; meanwhile, and if all fail, the policy counts from
--min-replicas, and a read that succeeds late replaces that count. The policy's cooldowns are measured
in snapshot time (the polls' timestamps), as replay measures them, so shorten them together with
collect's --interval when compressing an experiment (experiment run does).

Serves Prometheus metrics on /metrics (decisions by kind, degraded decisions, actuation failures, dead
letters, duplicate and late votes, consumer lag, poll→decision latency, process metrics) and a probe on
/healthz (--host, --port): 503 while starting, when the consumer crashed for good, or when it has not
completed a fetch for --unhealthy-after. --log-format json writes one JSON object per log line.

--config sockml.yaml sets min/max replicas, the policy and the Deployment per service (docs/OPERATIONS.md);
flags given on the command line override it. With --actuator kubernetes, scale lists the namespace's
HorizontalPodAutoscalers at start and before acting (cached for a minute) and does not act on a
Deployment an HPA also scales, unless --allow-hpa-conflict: two autoscalers on one Deployment undo
each other. With --actuator kubernetes-hpa-floor, scale lists them at start (and names each) to find
the HPA whose minReplicas a decision sets.

Flags, --models, --expected-models, --quorum, the actuator's settings and --out are checked before the
first connection to Kafka; a broker that has not answered within --connect-timeout ends the command.

Exit codes: 0 stopped by Ctrl-C/SIGTERM, 2 bad input (a flag, --expected-models not in --models, --quorum
above the voters, --out), 3 a model or card problem, 4 Kafka did not answer within --connect-timeout (or
the Kubernetes client cannot be set up, or may not list the namespace's HorizontalPodAutoscalers).`;

  static examples = [
    '<%= config.bin %> scale --kafka 127.0.0.1:9092',
    '<%= config.bin %> scale --kafka 127.0.0.1:9092 --strategy weighted --window 5s --actuator http --actuator-url http://127.0.0.1:8080/admin/replicas',
  ];

  static flags = {
    kafka: Flags.string({ description: 'Kafka bootstrap servers host:port[,…]', env: 'SOCKML_KAFKA', required: true }),
    strategy: strategyFlag(),
    weights: weightsFlag,
    models: Flags.string({ description: 'model directory: the expected voters and their card weights [default: ./models or the bundled models]' }),
    'expected-models': Flags.string({ description: 'comma-separated voter names [default: every model in --models]' }),
    window: Flags.string({ description: 'how long a (service, snapshot) waits for missing votes', default: '5s' }),
    quorum: Flags.integer({ description: 'votes needed at window close [default: a majority of the expected models]', min: 1 }),
    actuator: Flags.string({
      description: "what applies decisions: log (shadow mode), http, kubernetes (the Deployment's scale), kubernetes-hpa-floor (the minReplicas of the Deployment's HPA, which stays)",
      options: ['log', 'http', 'kubernetes', 'kubernetes-hpa-floor'],
      default: 'log',
    }),
    namespace: Flags.string({ description: 'for --actuator kubernetes or kubernetes-hpa-floor: the namespace of the Deployments (named as the services) and their HPAs', default: 'sock-shop' }),
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
    'allow-hpa-conflict': Flags.boolean({ description: 'for --actuator kubernetes: act on Deployments that a HorizontalPodAutoscaler also scales (by default such decisions are not applied)', default: false }),
    ...configFlag,
    'connect-timeout': connectTimeoutFlag,
    ...policyFlags,
    ...opsFlags,
    ...kafkaConnectionFlags,
  };

  async run() {
    const { flags, metadata } = await this.parse(Scale);
    const log = loggerFromFlags('scale', flags, (line) => this.log(line));
    // Everything is checked before the first connection: a typo is one line (exit 2 or 3), not a hang.
    const brokers = parseBrokers(flags.kafka);
    const kafkaSettings = kafkaSettingsFromFlags(flags, log);
    const healthLimitMs = unhealthyAfterMs(flags['unhealthy-after'], 60_000);
    const windowMs = durationFlag('window', flags.window);
    const connectTimeoutMs = durationFlag('connect-timeout', flags['connect-timeout']);
    const modelsDir = flags.models ?? defaultModelsDir();
    const { models } = await loadModelDirectory(modelsDir);
    await Promise.all(models.map((m) => m.close())); // the scaler needs the cards, not the sessions
    const config = flags.config === undefined ? undefined : await readConfigFile(flags.config);
    const expected = expectedVoters(flags['expected-models'], models.map((m) => m.name), modelsDir);
    // Of the expected voters' cards only: a strategy that needs a model's votes (regime's calm model, the
    // stacked weights' members) must be refused here if that model's votes will be ignored as unexpected.
    const strategy = strategyFromFlags(flags, models.filter((m) => expected.includes(m.name)).map((m) => m.card));
    if (flags.quorum !== undefined && flags.quorum > expected.length) {
      throw new InputError(`--quorum: must be from 1 to ${expected.length} (the expected voters: ${expected.join(', ')}), got ${flags.quorum}`);
    }
    const policies = await policiesFromConfig(config, flags, explicitFlags(metadata, flags), flags.config);
    if (flags.actuator === 'kubernetes') {
      // Writing the Deployments' scale, sockml runs alone: the default base target assumes an HPA under it.
      const alone = [policies.shared, ...Object.values(policies.perService)].map((p) => aloneWarning(p, '--actuator kubernetes')).find(Boolean);
      if (alone) this.warn(alone);
    }
    let controller: ScalingController;
    try {
      controller = new ScalingController({ strategy, expectedModels: expected, windowMs, quorum: flags.quorum }, policies.shared, {}, policies.perService);
    } catch (e) {
      throw new InputError((e as Error).message);
    }
    if (flags.out) checkOutputPath(flags.out, { flag: '--out' });
    const registry = newMetricsRegistry();
    const metrics = new ScaleMetrics(registry, () => controller.stats);
    const inner = await this.actuatorFromFlags(flags, config, log);
    const actuator = new IdempotentActuator(metrics.meter(inner));

    const kafka = kafkaClient(brokers, 'sockml-scale', kafkaSettings);
    // Idempotent: a send retried across a broker hiccup is written once.
    const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 });
    const consumer = kafka.consumer({ groupId: flags.group });
    const health = new ConsumerHealth(consumer, healthLimitMs, registry);
    const ops = await startOpsServer({ host: flags.host, port: flags.port, registry, health: allHealthy({ consumer: health.check }) });
    // /metrics answers (and /healthz says "starting") while the broker is awaited; one that never answers is
    // one line and exit 4 after --connect-timeout, not kafkajs's retries.
    await ops.orClose(waitForBrokers(brokers, connectTimeoutMs, kafkaSettings));
    await ops.orClose(ensureTopics(brokers, [TOPICS.votes, TOPICS.decisions, deadLetterTopic(TOPICS.votes)], kafkaSettings));
    const committer = new OffsetCommitter((e) => log.warn(`offset commit failed (the votes may be redelivered): ${e.message}`));
    await ops.orClose(Promise.all([producer.connect(), consumer.connect()]));

    // The policy starts each service from what the target runs, not from its minimum: after a restart
    // of the scaler, or on a cluster scaled by hand, a scale-up from the minimum would ask for fewer
    // replicas than there are. LiveScaler reads it before the service's first decision, retries a failed
    // read, and keeps each service's decisions in order behind it.
    let warnedUnobserved = false;
    const scaler = new LiveScaler(controller, {
      actuator,
      seed: flags['initial-replicas'] === 'actuator' ? DEFAULT_SEED_RETRY : false,
      publish: (taken) => sendInChunks(producer, TOPICS.decisions, taken.map(({ decision }) => ({ key: decision.service, value: JSON.stringify(formatDecisionMessage(decision)) }))),
      applied: async (taken) => {
        metrics.decided(taken, Date.now());
        if (!warnedUnobserved && controller.stats.withoutObservation > 0) {
          warnedUnobserved = true;
          log.warn(
            `decisions taken on votes without the poll's measurements ('observed': a serve-model or producer older than it): the policy cannot size from CPU${strategy.name === 'regime' ? ', and --strategy regime raises no alarm on them' : ''}`,
          );
        }
        for (const { verdict, decision } of taken) {
          if (flags.quiet && decision.decision === 'NO_ACTION') continue;
          const votes = verdict.votes.map((v) => ({ model: v.model, prediction: v.prediction, confidence: v.confidence }));
          log.log('info', 'decision', { ...formatDecisionMessage(decision), reason: decision.reason, votes }, decisionBlock(verdict, decision));
        }
        if (flags.out) await appendFile(flags.out, taken.map(({ decision }) => JSON.stringify(formatDecisionMessage(decision)) + '\n').join(''));
      },
      log: (line) => log.info(line),
      warn: (line) => log.warn(line),
    });

    let deadLetters = 0;
    // Windows close on a timer as well as on votes, so a silent voter cannot hold a decision back.
    const timer = setInterval(() => {
      scaler.onTick(Date.now()).catch((e) => log.warn(`decision at window close failed: ${(e as Error).message}`));
    }, Math.max(50, Math.min(1000, windowMs / 4)));

    if (controller.attributes) {
      // Attribution needs each poll whole, so one scaler must get every service's votes: with several in a
      // group, each sees some services and their polls go incomplete (decided after --window, unattributed).
      const partitions = await ops.orClose(partitionCount(brokers, TOPICS.votes, kafkaSettings));
      consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        const mine = payload.memberAssignment[TOPICS.votes]?.length ?? 0;
        if (mine < partitions) {
          log.warn(`callee attribution needs every service's votes in one scaler, but group ${flags.group} gave this one ${mine} of ${TOPICS.votes}'s ${partitions} partitions: run a single scale process per group`);
        }
      });
    }
    const trace = new HopTrace('scale');
    await ops.orClose(consumer.subscribe({ topic: TOPICS.votes, fromBeginning: flags['from-beginning'] }));
    await ops.orClose(consumer.run({
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
            metrics.deadLettered();
            log.warn(`dead-lettered ${e.message}`, { topic: batch.topic, partition: batch.partition, offset: m.offset });
          }
        }
        for (const vote of votes) trace.mark(`${vote.snapshotId}|${vote.service}`, received, { model: vote.model });
        // Resolves once the decisions these votes completed are published and applied.
        await scaler.onVotes(votes, Date.now());
        if (batch.messages.length > 0) {
          resolveOffset(batch.messages[batch.messages.length - 1].offset);
          await committer.done(commitOffsetsIfNecessary, batch.topic, batch.partition, batch.messages[batch.messages.length - 1].offset);
        }
        health.observeBatch(batch);
        await heartbeat();
      },
    }));
    health.started();
    log.info(`scale: ${flags.strategy} voting over ${expected.join(', ')}, window ${flags.window}, actuator ${actuator.name}, on ${brokers.join(',')}; /metrics and /healthz on ${flags.host}:${ops.port}`, {
      port: ops.port,
    });
    await stopOnSignal([consumer, producer], async () => {
      clearInterval(timer);
      await scaler.drain();
      await committer.stop();
    });
    trace.flush();
    await actuator.close();
    await ops.close();
    const s = controller.stats;
    const p = controller.pollStats;
    const polls = p ? `; callee attribution on ${p.complete + p.timedOut} polls (${p.timedOut} released after --window without every service, the first poll always; ${p.late} late verdicts decided alone)` : '';
    log.info(`scale: ${s.decided} decisions (${s.degraded} degraded), ${s.duplicates} duplicate and ${s.late} late votes, ${deadLetters} dead-lettered, ${actuator.duplicates} redelivered decisions not re-applied${polls}`);
    this.exit(0); // kafkajs may hold retry timers after a broker outage; the work is done and committed
  }

  /**
   * The actuator the flags ask for: a bad flag is exit 2, a Kubernetes client that cannot be set up (or
   * cannot list the namespace's HPAs) exit 4. With --actuator kubernetes and no --allow-hpa-conflict, the
   * HPAs are listed before anything is consumed: a scaler that cannot tell whether an HPA owns a
   * Deployment must not start.
   */
  private async actuatorFromFlags(
    flags: { actuator: string; 'actuator-url'?: string; namespace: string; 'allow-hpa-conflict': boolean },
    config: SockmlConfig | undefined,
    log: Logger,
  ): Promise<Actuator> {
    if (flags.actuator === 'http') {
      if (!flags['actuator-url']) throw new InputError('--actuator http needs --actuator-url');
      try {
        return new HttpActuator(flags['actuator-url']);
      } catch (e) {
        throw new InputError((e as Error).message);
      }
    }
    if (flags.actuator === 'kubernetes-hpa-floor') return this.hpaFloorActuator(flags, config, log);
    if (flags.actuator === 'kubernetes') {
      const { KubernetesActuator } = await import('../actuators/kubernetes.js');
      let k: KubernetesActuator;
      try {
        k = new KubernetesActuator({
          namespace: flags.namespace,
          deploymentFor: deploymentsFromConfig(config),
          hpaConflict: flags['allow-hpa-conflict'] ? 'allow' : 'refuse',
          onRefused: (detail) => log.warn(detail),
          onEventFailed: (detail) => log.warn(detail),
        });
      } catch (e) {
        if (e instanceof InputError) throw e;
        throw new EnvironmentError(`--actuator kubernetes: ${(e as Error).message}`);
      }
      if (!flags['allow-hpa-conflict']) {
        const targets = await k.hpaTargets(true).catch((e) => {
          throw new EnvironmentError((e as Error).message);
        });
        for (const t of targets) log.warn(`HorizontalPodAutoscaler ${t.hpa} scales ${flags.namespace}/${t.deployment}: scale will not act on it (--allow-hpa-conflict to act anyway)`, { hpa: t.hpa, deployment: t.deployment });
      }
      return k;
    }
    return new LogActuator((line) => log.info(line));
  }

  /**
   * --actuator kubernetes-hpa-floor: the HPAs are listed before anything is consumed, so a scaler that may
   * not read them (RBAC) stops at once (exit 4) instead of failing every decision, and the log says
   * which Deployments have one (a decision for one without is not applied).
   */
  private async hpaFloorActuator(flags: { namespace: string; 'allow-hpa-conflict': boolean }, config: SockmlConfig | undefined, log: Logger): Promise<Actuator> {
    // The floor works with the HPA, so there is no conflict to allow; saying so beats ignoring the flag.
    if (flags['allow-hpa-conflict']) throw new InputError('--allow-hpa-conflict is for --actuator kubernetes; --actuator kubernetes-hpa-floor works through the HPA');
    const { KubernetesHpaFloorActuator } = await import('../actuators/kubernetes-hpa-floor.js');
    let k: KubernetesHpaFloorActuator;
    try {
      k = new KubernetesHpaFloorActuator({ namespace: flags.namespace, deploymentFor: deploymentsFromConfig(config), onRefused: (detail) => log.warn(detail), onEventFailed: (detail) => log.warn(detail) });
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new EnvironmentError(`--actuator kubernetes-hpa-floor: ${(e as Error).message}`);
    }
    const targets = await k.hpaTargets(true).catch((e) => {
      throw new EnvironmentError((e as Error).message);
    });
    for (const t of targets) log.info(`HorizontalPodAutoscaler ${t.hpa} scales ${flags.namespace}/${t.deployment}: scale sets its minReplicas`, { hpa: t.hpa, deployment: t.deployment });
    if (targets.length === 0) log.warn(`no HorizontalPodAutoscaler in ${flags.namespace} scales a Deployment: --actuator kubernetes-hpa-floor will apply no decision until one does`);
    return k;
  }
}

/** --expected-models: voter names, each a model of --models (whose card gives its weight); default all of them. */
function expectedVoters(flag: string | undefined, available: string[], modelsDir: string): string[] {
  if (flag === undefined) return available;
  const names = flag.split(',').map((s) => s.trim()).filter(Boolean);
  if (names.length === 0) throw new InputError(`--expected-models: name at least one model (found: ${available.join(', ')})`);
  const unknown = names.filter((n) => !available.includes(n));
  if (unknown.length > 0) throw new InputError(`--expected-models: no model ${unknown.map((n) => `'${n}'`).join(', ')} in ${modelsDir} (found: ${available.join(', ')})`);
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice) throw new InputError(`--expected-models: '${twice}' is named twice`);
  return names;
}
