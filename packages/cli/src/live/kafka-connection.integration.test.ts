/**
 * Production connections to a real Kafka broker (scripts/kafka.sh), configured at test time as a
 * production cluster is: a SASL_PLAINTEXT listener with PLAIN, SCRAM-SHA-256 and SCRAM-SHA-512 users, an
 * SSL listener whose certificate is made here with Java's keytool (self-signed for 127.0.0.1, so the
 * client must be given it with --kafka-ca), and SASL_SSL. One broker for the whole file.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatVoteMessage, type Vote } from '@sockml/core';
import kafkajs from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnSockml } from '../lib/sockml-child.js';
import { REPO, sockml } from '../test-support.js';
import { startKafkaBroker, type KafkaBroker } from '../testing/kafka-broker.js';
import { freePort } from '../testing/ports.js';

const PASSWORD = 'alice-secret';
const JAAS_PLAIN = `org.apache.kafka.common.security.plain.PlainLoginModule required user_alice="${PASSWORD}";`;
const JAAS_SCRAM = 'org.apache.kafka.common.security.scram.ScramLoginModule required;';

let dir: string;
let broker: KafkaBroker;
let caFile: string;
let recording: string;
const ROWS = 6;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sockml-kafka-tls-'));
  const keystore = join(dir, 'broker.p12');
  caFile = join(dir, 'ca.pem');
  // The broker's key and self-signed certificate for 127.0.0.1; the PEM of that certificate is the CA the clients trust.
  execFileSync('keytool', ['-genkeypair', '-alias', 'broker', '-keyalg', 'RSA', '-keysize', '2048', '-validity', '2', '-dname', 'CN=127.0.0.1', '-ext', 'SAN=ip:127.0.0.1,dns:localhost', '-keystore', keystore, '-storetype', 'PKCS12', '-storepass', 'changeit', '-keypass', 'changeit'], { stdio: 'pipe' });
  execFileSync('keytool', ['-exportcert', '-rfc', '-alias', 'broker', '-keystore', keystore, '-storepass', 'changeit', '-file', caFile], { stdio: 'pipe' });
  const config = [
    'sasl.enabled.mechanisms=PLAIN,SCRAM-SHA-256,SCRAM-SHA-512',
    ...['sasl', 'sasltls'].flatMap((l) => [
      `listener.name.${l}.plain.sasl.jaas.config=${JAAS_PLAIN}`,
      `listener.name.${l}.scram-sha-256.sasl.jaas.config=${JAAS_SCRAM}`,
      `listener.name.${l}.scram-sha-512.sasl.jaas.config=${JAAS_SCRAM}`,
    ]),
    `ssl.keystore.location=${keystore}`,
    'ssl.keystore.type=PKCS12',
    'ssl.keystore.password=changeit',
    'ssl.key.password=changeit',
  ].join('\n');
  broker = await startKafkaBroker({
    listeners: [
      { name: 'SASL', protocol: 'SASL_PLAINTEXT' },
      { name: 'TLS', protocol: 'SSL' },
      { name: 'SASLTLS', protocol: 'SASL_SSL' },
    ],
    config,
    scram: [`SCRAM-SHA-256=[name=alice,password=${PASSWORD}]`, `SCRAM-SHA-512=[name=alice,password=${PASSWORD}]`],
  });
  recording = join(dir, 'tiny.csv');
  writeFileSync(recording, readFileSync(join(REPO, 'fixtures/sockshop-gke/runs/step/run_3.csv'), 'utf8').split('\n').slice(0, ROWS + 1).join('\n') + '\n');
});

afterAll(async () => {
  await broker?.stop();
});

/** Messages in `topic`, read over the broker's PLAINTEXT listener. */
async function messagesIn(topic: string): Promise<number> {
  const admin = new kafkajs.Kafka({ brokers: broker.brokers, logLevel: kafkajs.logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).reduce((n, p) => n + Number(p.high), 0);
  } finally {
    await admin.disconnect();
  }
}

const address = (listener: string) => `127.0.0.1:${broker.listenerPorts[listener]}`;

describe('Kafka TLS and SASL, flags and environment (sockml publish)', () => {
  it.each([
    { name: 'SASL PLAIN', topic: 'conn-0', listener: 'SASL', args: ['--kafka-sasl-mechanism', 'plain', '--kafka-sasl-username', 'alice'], env: { SOCKML_KAFKA_SASL_PASSWORD: PASSWORD } },
    { name: 'SCRAM-SHA-256', topic: 'conn-1', listener: 'SASL', args: ['--kafka-sasl-mechanism', 'scram-sha-256', '--kafka-sasl-username', 'alice', '--kafka-sasl-password', PASSWORD], env: {} },
    { name: 'SCRAM-SHA-512 from the environment alone', topic: 'conn-2', listener: 'SASL', args: [], env: { SOCKML_KAFKA_SASL_MECHANISM: 'scram-sha-512', SOCKML_KAFKA_SASL_USERNAME: 'alice', SOCKML_KAFKA_SASL_PASSWORD: PASSWORD } },
    { name: 'TLS with the CA file', topic: 'conn-3', listener: 'TLS', args: ['--kafka-ca', '<ca>'], env: {} },
    { name: 'SCRAM-SHA-512 over TLS, CA from the environment', topic: 'conn-4', listener: 'SASLTLS', args: ['--kafka-sasl-mechanism', 'scram-sha-512', '--kafka-sasl-username', 'alice'], env: { SOCKML_KAFKA_CA: '<ca>', SOCKML_KAFKA_SASL_PASSWORD: PASSWORD } },
  ])('$name', async ({ topic, listener, args, env }) => {
    const withCa = (v: string) => (v === '<ca>' ? caFile : v);
    const r = await sockml(['publish', recording, '--kafka', address(listener), '--topic', topic, '--json', ...args.map(withCa)], {
      env: Object.fromEntries(Object.entries(env).map(([k, v]) => [k, withCa(v)])),
    });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).messages).toBe(ROWS);
    expect(await messagesIn(topic)).toBe(ROWS);
  });

  it('a wrong SCRAM password is refused by the broker: publish fails and says so', async () => {
    const r = await sockml(['publish', recording, '--kafka', address('SASL'), '--topic', 'conn-refused', '--kafka-sasl-mechanism', 'scram-sha-256', '--kafka-sasl-username', 'alice', '--kafka-sasl-password', 'wrong']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/SASL SCRAM SHA256 authentication failed|Authentication failed/i);
  });

  it.each([
    ['scale', []],
    ['serve-model', ['--model', 'models/xgboost.onnx']],
    ['collect', ['--prometheus', 'http://127.0.0.1:1', '--interval', '1s']],
  ])('%s with a wrong password ends (its /metrics server does not hold it open) and says why', async (command, args) => {
    const started = Date.now();
    const r = await sockml([command, ...args, '--kafka', address('SASL'), '--kafka-sasl-mechanism', 'scram-sha-512', '--kafka-sasl-username', 'alice', '--kafka-sasl-password', 'wrong']);
    expect(r.code, `${command} was killed after ${Date.now() - started} ms:\n${r.stderr}`).not.toBeNull();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/authentication failed/i);
  });

  it.each([
    [['--kafka-sasl-username', 'alice'], /need --kafka-sasl-mechanism/],
    [['--kafka-sasl-mechanism', 'plain', '--kafka-sasl-password', 'x'], /needs --kafka-sasl-username/],
    [['--kafka-ca', '/nonexistent/ca.pem'], /--kafka-ca: cannot read \/nonexistent\/ca\.pem \(ENOENT\)/],
  ])('bad connection flags are bad input (exit 2) before any connection: %j', async (args, message) => {
    const r = await sockml(['publish', recording, '--kafka', '127.0.0.1:1', ...args]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('the long-running commands connect the same way (scale over SASL_SSL with SCRAM-SHA-512)', () => {
  it('consumes votes and publishes decisions through the authenticated TLS listener', async () => {
    const port = await freePort();
    const scale = spawnSockml(['scale', '--kafka', address('SASLTLS'), '--from-beginning', '--window', '1s', '--policy', 'step', '--port', String(port), '--group', 'tls-scale'], {
      cwd: REPO,
      env: { SOCKML_KAFKA_CA: caFile, SOCKML_KAFKA_SASL_MECHANISM: 'scram-sha-512', SOCKML_KAFKA_SASL_USERNAME: 'alice', SOCKML_KAFKA_SASL_PASSWORD: PASSWORD },
      timeoutMs: 90_000,
    });
    try {
      await scale.waitFor(/^scale: /m, 60_000, 'stdout');
      const polled = new Date().toISOString();
      const votes = ['xgboost', 'random_forest', 'logistic_regression'].map(
        (model): Vote => ({ snapshotId: `tls@${polled}`, service: 'carts', timestamp: polled, model, modelVersion: 't', prediction: 1, violationProbability: 0.9, confidence: 0.9 }),
      );
      const producer = new kafkajs.Kafka({ brokers: broker.brokers, logLevel: kafkajs.logLevel.NOTHING }).producer();
      await producer.connect();
      await producer.send({ topic: 'model-votes', messages: votes.map((v) => ({ key: v.service, value: JSON.stringify(formatVoteMessage(v)) })) });
      await producer.disconnect();
      await scale.waitFor(/DECISION: SCALE_UP → 2 replicas/, 30_000, 'stdout');
      expect(await messagesIn('scaling-decisions')).toBe(1);
    } finally {
      await scale.stop('SIGTERM', 15_000);
    }
  });
});
