#!/usr/bin/env node
// The Kafka hand-off alone, without the pipeline: one producer, one consumer, a local broker
// (scripts/kafka.sh, steady-state JVM flags as bench/live-bench.mjs), in one Node process. Each "poll" is
// one produce request of --keys keyed messages (7 services by default) spread over --partitions
// partitions, as `collect` and the bench publish them; its latency runs from just before `send()` to the
// consumer's receipt of the last of its messages (performance.now(), one process, one clock). Client
// variants run interleaved, round by round (A B A B …), each round on its own topic and group, so they
// meet the same broker and machine state; a first, uncounted round warms the broker up.
//
//   node bench/kafka-probe.mjs [--variants default,nodelay] [--rounds 4] [--polls 200] [--every-ms 20]
//                              [--keys 7] [--partitions 3] [--relay] [--port P]
//
// --relay adds a second hop as serve-model does it: the consumer produces one message per received
// message to a second topic (idempotent producer, one request in flight, one request per partition
// batch) and a second consumer receives them; the latency is then poll sent → last relayed message in.
// --port uses an already running broker on 127.0.0.1:P instead of starting one.
import net from 'node:net';
import kafkajs from 'kafkajs';
import { TurnBatches } from '@sockml/core';
import { startKafkaBroker } from '../packages/cli/dist/testing/kafka-broker.js';

const { Kafka, logLevel, Partitioners } = kafkajs;
const argv = process.argv.slice(2);
const opt = (name, def) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : def);
const VARIANTS = opt('--variants', 'default,nodelay').split(',');
const ROUNDS = Number(opt('--rounds', 4));
const POLLS = Number(opt('--polls', 200));
const EVERY = Number(opt('--every-ms', 20));
const KEYS = Number(opt('--keys', 7));
const PARTITIONS = Number(opt('--partitions', 3));
const RELAY = argv.includes('--relay');
const PORT = opt('--port', undefined);

/** Plain TCP to the broker with Nagle's algorithm off (kafkajs's own factory leaves it on). */
const noDelaySockets = ({ host, port, onConnect }) => net.connect({ host, port, noDelay: true, keepAlive: true, keepAliveInitialDelay: 60_000 }, onConnect);

/** Client, producer and consumer settings per variant; anything not named is kafkajs's default. */
const variants = {
  default: {},
  nodelay: { client: { socketFactory: noDelaySockets } },
  // The consumer's long poll: 100 ms instead of kafkajs's 5 s (minBytes stays 1: a fetch returns as soon
  // as anything arrives, either way).
  'maxwait-100': { consumer: { maxWaitTimeInMs: 100 } },
  // --relay only: the relay's partition batches of one fetch run concurrently and their messages go out
  // in one produce request (TurnBatches, as serve-model), instead of one request per partition batch,
  // each after the previous one's round trip.
  'per-fetch': { run: { partitionsConsumedConcurrently: PARTITIONS }, perFetch: true },
};
for (const v of VARIANTS) if (!variants[v]) throw new Error(`unknown variant '${v}' (known: ${Object.keys(variants).join(', ')})`);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const pct = (xs, q) => xs.slice().sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const round1 = (x) => Math.round(x * 10) / 10;

process.env.SOCKML_KAFKA_JVM_FLAGS ??= '-XX:+UseG1GC';
const broker = PORT ? { brokers: [`127.0.0.1:${PORT}`], stop: async () => {} } : await startKafkaBroker();
const admin = new Kafka({ brokers: broker.brokers, logLevel: logLevel.NOTHING }).admin();
await admin.connect();

async function consumerOn(kafka, v, topic, group, onMessage, run = {}) {
  const consumer = kafka.consumer({ groupId: group, ...v.consumer });
  let joined;
  const isJoined = new Promise((r) => (joined = r));
  consumer.on(consumer.events.GROUP_JOIN, () => joined());
  await consumer.connect();
  await consumer.subscribe({ topic, fromBeginning: false });
  await consumer.run({ autoCommit: false, ...run, eachBatch: async ({ batch }) => onMessage(batch) });
  await isJoined;
  return consumer;
}

/** One variant, one round: returns the latency of every poll, ms. */
async function measure(name, round) {
  const v = variants[name];
  const kafka = new Kafka({ clientId: `probe-${name}`, brokers: broker.brokers, logLevel: logLevel.NOTHING, ...v.client });
  const topic = `probe-${round}-${name}`;
  const relayTopic = `${topic}-relay`;
  await admin.createTopics({ topics: [topic, relayTopic].map((t) => ({ topic: t, numPartitions: PARTITIONS })), waitForLeaders: true });
  const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, ...v.producer });
  await producer.connect();
  const sentAt = new Map(); // poll → performance.now() before send
  const remaining = new Map(); // poll → messages not yet received (at the end of the path)
  const latencies = [];
  const arrive = (poll) => {
    if (Number(poll) < 0) return; // the first 20 polls warm the path up
    const left = remaining.get(poll) - 1;
    remaining.set(poll, left);
    if (left === 0) latencies.push(performance.now() - sentAt.get(poll));
  };
  const clients = [producer];
  let relayProducer;
  if (RELAY) {
    relayProducer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, ...v.producer });
    await relayProducer.connect();
    clients.push(relayProducer);
    clients.push(await consumerOn(kafka, v, relayTopic, `${topic}-g2`, (batch) => batch.messages.forEach((m) => arrive(String(m.value)))));
  }
  // per-fetch: messages handed over in the same turn of the event loop share one produce request.
  const together = new TurnBatches((groups) => relayProducer.send({ topic: relayTopic, messages: groups.flat() }));
  const relay = (messages) => (v.perFetch ? together.add(messages) : relayProducer.send({ topic: relayTopic, messages }));
  clients.push(
    await consumerOn(
      kafka,
      v,
      topic,
      `${topic}-g1`,
      async (batch) => {
        if (!RELAY) return batch.messages.forEach((m) => arrive(String(m.value)));
        await relay(batch.messages.map((m) => ({ key: m.key, value: m.value })));
      },
      v.run,
    ),
  );
  await sleep(500);
  for (let poll = -20; poll < POLLS; poll++) {
    const id = String(poll);
    remaining.set(id, KEYS);
    sentAt.set(id, performance.now());
    await producer.send({ topic, messages: Array.from({ length: KEYS }, (_, k) => ({ key: `service-${k}`, value: id })) });
    await sleep(EVERY);
  }
  const until = Date.now() + 10_000;
  while (latencies.length < POLLS && Date.now() < until) await sleep(20);
  await Promise.all(clients.map((c) => c.disconnect()));
  await admin.deleteTopics({ topics: [topic, relayTopic] }).catch(() => {});
  return latencies;
}

const runs = [];
try {
  // Round 0 warms the broker's JIT up and is not counted; later rounds alternate the order (A B, B A, …).
  for (let round = 0; round <= ROUNDS; round++) {
    for (const name of round % 2 === 0 ? VARIANTS : VARIANTS.slice().reverse()) {
      const [load1] = (await import('node:os')).loadavg();
      const xs = await measure(name, round);
      const row = { round, variant: name, polls: xs.length, p50: round1(pct(xs, 0.5)), p90: round1(pct(xs, 0.9)), p99: round1(pct(xs, 0.99)), max: round1(Math.max(...xs)), load1: round1(load1) };
      if (round > 0) runs.push(row);
      console.error(JSON.stringify(row));
    }
  }
} finally {
  await admin.disconnect();
  await broker.stop();
}
const median = (xs) => pct(xs, 0.5);
const summary = VARIANTS.map((variant) => {
  const mine = runs.filter((r) => r.variant === variant);
  return { variant, runs: mine.length, p50: median(mine.map((r) => r.p50)), p99: median(mine.map((r) => r.p99)), p99Range: [Math.min(...mine.map((r) => r.p99)), Math.max(...mine.map((r) => r.p99))] };
});
console.log(JSON.stringify({ settings: { polls: POLLS, everyMs: EVERY, keys: KEYS, partitions: PARTITIONS, relay: RELAY }, runs, summary }, null, 2));
process.exit(0);
