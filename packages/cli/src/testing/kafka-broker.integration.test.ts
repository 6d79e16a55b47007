// kafkajs 2.2.4 (the client the live pipeline uses) against the real Kafka broker of scripts/kafka.sh:
// admin, keyed produce, consumer groups with committed offsets, and a broker restart in the middle of a
// run. Needs Java 17 and the jars from `bash scripts/kafka.sh fetch` (scripts/test.sh runs it).
import { readFileSync } from 'node:fs';
import kafkajs from 'kafkajs';
import type { Consumer, EachMessagePayload, Producer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureTopics } from '../live/kafka.js';
import { type KafkaBroker, startKafkaBroker } from './kafka-broker.js';

const { Kafka, Partitioners, logLevel } = kafkajs;

let broker: KafkaBroker;
/** kafkajs warnings and errors, printed when an assertion fails (connection errors during a restart are expected). */
const clientLog: string[] = [];

const client = (clientId: string) =>
  new Kafka({
    clientId,
    brokers: broker.brokers,
    logLevel: logLevel.WARN,
    logCreator: () => ({ level, log }) => {
      clientLog.push(`${clientId} ${logLevel[level] ?? level} ${log.message}${log.error ? ` (${log.error})` : ''}`);
    },
    // Enough to ride out a broker restart (~5 s down): 300 ms, 600 ms, ... capped at 3 s, 12 tries.
    retry: { initialRetryTime: 300, maxRetryTime: 3_000, retries: 12 },
  });

const producerFor = (clientId: string) => client(clientId).producer({ createPartitioner: Partitioners.DefaultPartitioner });

const consumerFor = (clientId: string, groupId: string) =>
  client(clientId).consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1_000, maxWaitTimeInMs: 200 });

/** Resolves when `done()` holds, checking every 50 ms; fails with `what` and the client log after `ms`. */
async function until(done: () => boolean, what: string, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\nkafkajs log:\n${clientLog.slice(-30).join('\n')}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const text = (m: EachMessagePayload['message']) => ({ key: m.key?.toString() ?? null, value: m.value?.toString() ?? null });

describe('a real Kafka broker (scripts/kafka.sh) with kafkajs 2.2.4', () => {
  beforeAll(async () => {
    broker = await startKafkaBroker();
  });

  afterAll(async () => {
    await broker?.stop();
  });

  it('binds PLAINTEXT to 127.0.0.1 on the chosen port, with one KRaft node', async () => {
    expect(broker.brokers).toEqual([`127.0.0.1:${broker.port}`]);
    const props = readFileSync(`${broker.dir}/server.properties`, 'utf8');
    expect(props).toMatch(new RegExp(`^listeners=PLAINTEXT://127\\.0\\.0\\.1:${broker.port},CONTROLLER://127\\.0\\.0\\.1:\\d+$`, 'm'));
    const admin = client('describe').admin();
    await admin.connect();
    try {
      const cluster = await admin.describeCluster();
      expect(cluster.brokers).toEqual([{ nodeId: 1, host: '127.0.0.1', port: broker.port }]);
    } finally {
      await admin.disconnect();
    }
  });

  it('admin creates topics with partitions (through kafkajs and through the utility)', async () => {
    const admin = client('admin').admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: 'admin-a', numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true })).toBe(true);
      await broker.createTopics(['util-a', 'util-b'], 3);
      await broker.createTopics(['util-a'], 3); // already there: no error
      const { topics } = await admin.fetchTopicMetadata({ topics: ['admin-a', 'util-a', 'util-b'] });
      expect(Object.fromEntries(topics.map((t) => [t.name, t.partitions.length]))).toEqual({ 'admin-a': 2, 'util-a': 3, 'util-b': 3 });
      expect(await admin.listTopics()).toEqual(expect.arrayContaining(['admin-a', 'util-a', 'util-b']));
    } finally {
      await admin.disconnect();
    }
  });

  it('produces keyed messages (one partition per key, in order) and a consumer group resumes after committed offsets', async () => {
    const topic = 'keyed';
    await broker.createTopics([topic], 3);
    const producer = producerFor('keyed-producer');
    await producer.connect();
    const keys = ['carts', 'orders', 'payment', 'catalogue'];
    const batch = (from: number, to: number) =>
      Array.from({ length: to - from }, (_, j) => ({ key: keys[(from + j) % keys.length], value: `m${from + j}` }));
    await producer.send({ topic, acks: -1, messages: batch(0, 40) });

    // The first member of group g1 reads 20 messages, committing each offset itself, then leaves.
    const seen1: { key: string | null; value: string | null; partition: number; offset: number }[] = [];
    const c1 = consumerFor('keyed-c1', 'g1');
    await c1.connect();
    await c1.subscribe({ topic, fromBeginning: true });
    await c1.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        if (seen1.length >= 20) return; // not committed: the next member reads it again
        seen1.push({ ...text(message), partition, offset: Number(message.offset) });
        await c1.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
      },
    });
    await until(() => seen1.length >= 20, 'the first consumer to read 20 messages');
    await c1.disconnect();

    // Each key stays on one partition, and within it the messages keep their order.
    const partitionOf = new Map<string, number>();
    for (const m of seen1) {
      expect(partitionOf.get(m.key!) ?? m.partition, `key ${m.key}`).toBe(m.partition);
      partitionOf.set(m.key!, m.partition);
    }
    for (const key of new Set(seen1.map((m) => m.key))) {
      const values = seen1.filter((m) => m.key === key).map((m) => Number(m.value!.slice(1)));
      expect(values).toEqual([...values].sort((a, b) => a - b));
    }

    const admin = client('keyed-admin').admin();
    await admin.connect();
    const [committed] = await admin.fetchOffsets({ groupId: 'g1', topics: [topic] });
    await admin.disconnect();
    const committedTotal = committed.partitions.reduce((sum, p) => sum + Math.max(0, Number(p.offset)), 0);
    expect(committedTotal).toBe(20);

    // A second member of the same group starts after the committed offsets: the other 20, then 10 new ones.
    await producer.send({ topic, acks: -1, messages: batch(40, 50) });
    const seen2: string[] = [];
    const c2 = consumerFor('keyed-c2', 'g1');
    await c2.connect();
    await c2.subscribe({ topic, fromBeginning: true });
    await c2.run({ eachMessage: async ({ message }) => void seen2.push(text(message).value!) });
    await until(() => seen2.length >= 30, 'the second consumer to read the remaining 30 messages');
    await new Promise((r) => setTimeout(r, 500)); // nothing more should arrive
    await c2.disconnect();
    await producer.disconnect();

    expect(seen2).toHaveLength(30);
    const all = new Set([...seen1.map((m) => m.value!), ...seen2]);
    expect(all.size).toBe(50);
    expect(seen2.filter((v) => seen1.some((m) => m.value === v))).toEqual([]);
  });

  it('producer and consumer ride out a broker restart without losing messages', async () => {
    const topic = 'restart';
    await broker.createTopics([topic], 2);
    let producer: Producer | undefined;
    let consumer: Consumer | undefined;
    try {
      producer = producerFor('restart-producer');
      await producer.connect();
      consumer = consumerFor('restart-consumer', 'g-restart');
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      const received = new Set<string>();
      let deliveries = 0;
      await consumer.run({
        eachMessage: async ({ message }) => {
          received.add(text(message).value!);
          deliveries++;
        },
      });

      // A steady stream of keyed sends (each awaited, acks=all) keeps going while the broker restarts.
      let sent = 0;
      let stopSending = false;
      const sending = (async () => {
        while (!stopSending) {
          const i = sent;
          await producer!.send({ topic, acks: -1, messages: [{ key: `k${i % 5}`, value: `r${i}` }] });
          sent = i + 1;
          await new Promise((r) => setTimeout(r, 20));
        }
      })();

      await until(() => received.size >= 20, 'messages before the restart');
      const t0 = Date.now();
      await broker.restart();
      const restartMs = Date.now() - t0;
      const sentAtRestart = sent;
      await until(() => sent >= sentAtRestart + 20, 'sends to succeed after the restart', 30_000);
      stopSending = true;
      await sending;
      await until(() => received.size >= sent, `all ${sent} acknowledged messages to be consumed`, 30_000);

      const missing = Array.from({ length: sent }, (_, i) => `r${i}`).filter((v) => !received.has(v));
      expect(missing).toEqual([]);
      expect(restartMs).toBeLessThan(30_000);
      // At-least-once: a commit in flight during the shutdown may make a few messages come again.
      expect(deliveries).toBeGreaterThanOrEqual(sent);
    } finally {
      await consumer?.disconnect();
      await producer?.disconnect();
    }
  });

  it('keeps the data across a hard restart (SIGKILL): a new group reads everything from the beginning', async () => {
    const topic = 'crash';
    await broker.createTopics([topic], 1);
    const producer = producerFor('crash-producer');
    await producer.connect();
    await producer.send({ topic, acks: -1, messages: Array.from({ length: 25 }, (_, i) => ({ key: 'k', value: `c${i}` })) });
    await producer.disconnect();

    await broker.restart({ hard: true });

    const got: string[] = [];
    const consumer = consumerFor('crash-consumer', 'g-crash');
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void got.push(text(message).value!) });
    await until(() => got.length >= 25, 'the 25 messages written before the crash');
    await consumer.disconnect();
    expect(got).toEqual(Array.from({ length: 25 }, (_, i) => `c${i}`));
  });

  // Right after CreateTopics, a KRaft broker answers "does not host this topic-partition" (which kafkajs's
  // waitForLeaders gives up on) and ListOffsets "not the leader" for a moment; ensureTopics returns only
  // once every new topic answers ListOffsets, so the offsets a command reads next are there.
  it('ensureTopics returns only once the new topics are usable', async () => {
    const admin = client('ensure-topics').admin();
    await admin.connect();
    try {
      for (let round = 0; round < 4; round++) {
        const topics = Array.from({ length: 5 }, (_, i) => `ensure-${Date.now()}-${round}-${i}`);
        await ensureTopics(broker.brokers, topics);
        for (const topic of topics) expect((await admin.fetchTopicOffsets(topic)).map((o) => o.high)).toEqual(['0', '0', '0']);
      }
    } finally {
      await admin.disconnect();
    }
  });
});
