import kafkajs, { type Consumer, type Producer } from 'kafkajs';
import { deadLetterTopic, RetryPolicy } from '@sockml/core';
import { sleepUntil } from '../collect/poller.js';
import { EnvironmentError, InputError } from '../lib/base-command.js';
import type { KafkaSettings } from './kafka-connection.js';

const { Kafka, logLevel } = kafkajs;

/** `host:port[,host:port…]` → broker list, validated once. */
export function parseBrokers(flag: string): string[] {
  const brokers = flag
    .split(',')
    .map((b) => b.trim())
    .filter(Boolean);
  if (brokers.length === 0 || brokers.some((b) => !/^[^:\s]+:\d+$/.test(b))) {
    throw new InputError(`--kafka must be host:port[,host:port…], got '${flag}'`);
  }
  return brokers;
}

/**
 * Waits until the brokers answer (a metadata request), for at most timeoutMs, before a command starts
 * its real clients. Each attempt is a client that neither retries nor logs; between attempts, capped
 * exponential backoff. A broker that never answers is an EnvironmentError (exit 4) of one line naming
 * the brokers, the timeout and the last error, instead of kafkajs's own retries (about two minutes,
 * with a stack trace each) and a hang.
 */
export async function waitForBrokers(brokers: string[], timeoutMs: number, settings: KafkaSettings = {}): Promise<void> {
  const until = Date.now() + timeoutMs;
  let last = '';
  for (let attempt = 1; ; attempt++) {
    const admin = new Kafka({
      clientId: 'sockml-probe',
      brokers,
      ssl: settings.ssl,
      sasl: settings.sasl,
      logLevel: logLevel.NOTHING,
      retry: { retries: 0 },
      connectionTimeout: Math.max(100, Math.min(3000, until - Date.now())),
      requestTimeout: Math.max(100, Math.min(5000, until - Date.now())),
    }).admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      return;
    } catch (e) {
      const err = e as Error & { cause?: Error };
      last = (err.cause?.message ?? err.message).split('\n')[0];
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    const now = Date.now();
    if (now >= until) throw new EnvironmentError(`Kafka at ${brokers.join(',')} did not answer within ${timeoutMs / 1000} s (--connect-timeout): ${last}`);
    // 200 ms, doubling to 2 s; the last attempt is made at the deadline.
    await sleepUntil(Math.min(until, now + Math.min(2000, 200 * 2 ** (attempt - 1))));
  }
}

/** A kafkajs client; `settings` carry TLS, SASL and the logger kafkajs logs through (kafka-connection.ts). */
export function kafkaClient(brokers: string[], clientId: string, settings: KafkaSettings = {}) {
  const { ssl, sasl, logger } = settings;
  // kafkajs retries with backoff; a restarted broker is reconnected to rather than treated as fatal.
  return new Kafka({
    clientId,
    brokers,
    ssl,
    sasl,
    logLevel: logger?.kafkaLogLevel() ?? logLevel.ERROR,
    ...(logger ? { logCreator: logger.kafkaLogCreator() } : {}),
    retry: { retries: 30, initialRetryTime: 200, maxRetryTime: 5000 },
  });
}

/**
 * Sends a malformed message to `<topic>.dlq` unchanged, with why and where in headers, so nothing is
 * lost and the bad input can be inspected or replayed.
 */
export async function sendToDeadLetter(producer: Producer, topic: string, message: { key: Buffer | null; value: Buffer | null }, reason: string) {
  await producer.send({
    topic: deadLetterTopic(topic),
    messages: [{ key: message.key, value: message.value, headers: { 'sockml-error': reason, 'sockml-source-topic': topic } }],
  });
}

/**
 * Resolves on SIGINT/SIGTERM after disconnecting the clients (leaving the consumer group cleanly), or
 * after `graceMs` if a disconnect hangs (kafkajs can, after its broker restarted). Offsets are committed
 * only after a batch's output is out (OffsetCommitter), so stopping without a clean disconnect loses
 * nothing: the group redelivers what was not committed. A second signal stops at once.
 */
export function stopOnSignal(clients: (Consumer | Producer)[], onStop?: () => Promise<void> | void, graceMs = 5000): Promise<void> {
  return new Promise((resolve) => {
    let stopping = false;
    const stop = async () => {
      if (stopping) return resolve();
      stopping = true;
      await onStop?.();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.allSettled(clients.map((c) => c.disconnect())),
        new Promise((r) => (timer = setTimeout(r, graceMs))),
      ]);
      clearTimeout(timer);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

/** Messages per produce request: well under the broker's default 1 MB request limit for sockml's JSON. */
const SEND_CHUNK = 1000;

/** Sends `messages` in order, in requests small enough for the broker's message size limit. */
export async function sendInChunks(producer: Producer, topic: string, messages: { key: string; value: string }[]) {
  for (let i = 0; i < messages.length; i += SEND_CHUNK) await producer.send({ topic, messages: messages.slice(i, i + SEND_CHUNK) });
}

/** Partitions of the topics sockml creates: one service's messages always share one (the key). */
const PARTITIONS = 3;

/**
 * How the live consumers (`serve-model`, `scale`) run. Offsets are committed by OffsetCommitter once a
 * batch's output is out, off the path of the next fetch. Every partition batch of a fetch is handed to
 * `eachBatch` at once, in the same turn of the event loop, and the commands handle them together
 * (TurnBatches): one inference and one produce request per fetch rather than one per partition, each
 * waiting for the previous one's round trip (bench/kafka-probe.mjs --relay, docs/BENCHMARKS.md). kafkajs
 * still never has two batches of one partition in flight, so a service's messages keep their order.
 */
export const LIVE_CONSUMER_RUN = { autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: PARTITIONS } as const;

/**
 * Creates the topics a command reads or writes if they do not exist yet (a consumer subscribing to a
 * missing topic fails at start-up; a fresh broker has none). Existing topics are left as they are.
 */
export async function ensureTopics(brokers: string[], topics: string[], settings: KafkaSettings = {}): Promise<void> {
  const admin = kafkaClient(brokers, 'sockml-admin', settings).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    const missing = topics.filter((t) => !existing.has(t));
    if (missing.length === 0) return;
    try {
      await admin.createTopics({ topics: missing.map((topic) => ({ topic, numPartitions: PARTITIONS })) });
    } catch (e) {
      // Created by a concurrent command, or created but the answer came back retriable: checked below.
      const type = (e as { type?: string }).type;
      if (!isRetriable(e) && type !== 'TOPIC_ALREADY_EXISTS') throw e;
    }
    // Usable = every partition has a leader the broker serves offsets for. kafkajs's waitForLeaders
    // gives up on the broker's "does not host this topic-partition", which a KRaft broker answers for a
    // moment after creating a topic; a ListOffsets then may still hear "not the leader".
    for (const topic of missing) await whileRetriable(() => admin.fetchTopicOffsets(topic));
  } finally {
    await admin.disconnect();
  }
}

/** How many partitions `topic` has (it exists: see ensureTopics). */
export async function partitionCount(brokers: string[], topic: string, settings: KafkaSettings = {}): Promise<number> {
  const admin = kafkaClient(brokers, 'sockml-admin', settings).admin();
  await admin.connect();
  try {
    const { topics } = await whileRetriable(() => admin.fetchTopicMetadata({ topics: [topic] }));
    return topics[0]?.partitions.length ?? 0;
  } finally {
    await admin.disconnect();
  }
}

const isRetriable = (e: unknown) => (e as { retriable?: boolean } | null)?.retriable === true;

/**
 * Runs fn until it does not fail with a retriable Kafka error (a topic's leadership still settling), for
 * at most timeoutMs; any other error, or the last retriable one, is thrown.
 */
export async function whileRetriable<T>(fn: () => Promise<T>, timeoutMs = 15_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (let retry = 1; ; retry++) {
    try {
      return await fn();
    } catch (e) {
      const at = isRetriable(e) ? SETTLING_RETRY.retryAt(retry, Date.now(), until) : null;
      if (at === null) throw e;
      await sleepUntil(at);
    }
  }
}

/** 50 ms, doubling to at most 1 s (collect's RetryPolicy, with the deadline as the only bound). */
const SETTLING_RETRY = new RetryPolicy({ initialDelayMs: 50, maxDelayMs: 1000, minAttemptMs: 1 });

/** A batch's own commit function (kafkajs `EachBatchPayload.commitOffsetsIfNecessary` with offsets). */
type CommitFn = (offsets: { topics: { topic: string; partitions: { partition: number; offset: string }[] }[] }) => Promise<void>;

/**
 * Commits a consumer's offsets in the background, after the output of the messages before them is out,
 * so the next fetch does not wait for an OffsetCommit round trip after every batch (kafkajs's
 * autoCommit awaits one per partition batch, on the latency path of every message behind it). Use with
 * `autoCommit: false`. Offsets noted while a commit is in flight are coalesced into the next request,
 * per partition, so commits never go backwards. At-least-once as before: a crash before a commit lands
 * redelivers those messages, which every consumer here already tolerates (idempotent votes and
 * decisions). Once `stop()` was called, `done()` waits for the commit, so the batch kafkajs finishes
 * while stopping is committed before the consumer leaves its group.
 */
export class OffsetCommitter {
  private readonly next = new Map<string, { topic: string; partition: number; offset: string }>();
  private running: Promise<void> | undefined;
  private commit: CommitFn | undefined;
  private stopping = false;

  constructor(private readonly onError: (e: Error) => void) {}

  /**
   * Output for `topic[partition]` up to and including `lastOffset` is out: commit past it, with the
   * batch's `commitOffsetsIfNecessary` (which, unlike `consumer.commitOffsets`, still works while
   * kafkajs stops the consumer). Resolves at once, or when committed once stopping.
   */
  done(commit: CommitFn, topic: string, partition: number, lastOffset: string): Promise<void> {
    this.commit = commit;
    this.next.set(`${topic}\u0000${partition}`, { topic, partition, offset: (BigInt(lastOffset) + 1n).toString() });
    this.start();
    return this.stopping ? this.flush() : Promise.resolve();
  }

  /** From now on `done()` waits for its commit; resolves once everything noted so far is committed. */
  stop(): Promise<void> {
    this.stopping = true;
    return this.flush();
  }

  /** Resolves once everything noted so far is committed (or failed and reported). */
  async flush(): Promise<void> {
    while (this.running) await this.running;
  }

  private start(): void {
    if (this.running || this.next.size === 0) return;
    this.running = this.drain().finally(() => {
      this.running = undefined;
      this.start(); // offsets noted after the loop's last check
    });
  }

  private async drain(): Promise<void> {
    // Starts after the caller's synchronous work, so offsets noted in the same tick share a request.
    await Promise.resolve();
    while (this.next.size > 0) {
      const byTopic = new Map<string, { partition: number; offset: string }[]>();
      for (const { topic, partition, offset } of this.next.values()) byTopic.set(topic, [...(byTopic.get(topic) ?? []), { partition, offset }]);
      this.next.clear();
      try {
        await this.commit!({ topics: [...byTopic].map(([topic, partitions]) => ({ topic, partitions })) });
      } catch (e) {
        this.onError(e as Error);
      }
    }
  }
}
