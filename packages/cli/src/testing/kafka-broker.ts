/**
 * A real Apache Kafka broker for tests: one KRaft node (broker + controller) on 127.0.0.1, started from
 * the jars `scripts/kafka.sh fetch` puts in `.cache/kafka/lib` (scripts/test.sh fetches them before the
 * tests; if they are missing, the first start fetches them, which needs Maven and network access).
 *
 *   const kafka = await startKafkaBroker();
 *   const client = new Kafka({ brokers: kafka.brokers });
 *   await kafka.createTopics(['metrics'], 3);
 *   await kafka.restart();          // same port, same data: clients reconnect
 *   await kafka.stop();             // in afterAll
 *
 * Each broker gets its own free ports and temp directory (server.properties, data/, kafka.log). The broker
 * is killed when this process exits, and -- through a watcher started by scripts/kafka.sh -- even when it
 * is killed outright. Set SOCKML_KAFKA_KEEP=1 to keep the directory (and its kafka.log) after stop().
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import kafkajs from 'kafkajs';
import { freePort } from './ports.js';

const { Kafka, logLevel } = kafkajs;

/** The repository root (this file is packages/cli/{src,dist}/testing/kafka-broker.{ts,js}). */
const REPO = resolve(fileURLToPath(import.meta.url), '../../../../..');
const SCRIPT = join(REPO, 'scripts/kafka.sh');

export interface KafkaBroker {
  /** Bootstrap addresses for kafkajs, e.g. ['127.0.0.1:41234']. */
  readonly brokers: string[];
  readonly port: number;
  /** The broker's directory: server.properties, data/, kafka.log, kafka.pid. */
  readonly dir: string;
  /** The broker's log (warnings and errors, plus start/stop markers). */
  readonly logFile: string;
  /** Stops the broker for good (graceful, then SIGKILL after 15 s) and removes its directory. */
  stop(): Promise<void>;
  /**
   * Stops the broker and starts it again on the same port and data directory; topics, messages and
   * committed offsets survive. `hard: true` kills it with SIGKILL instead of a graceful shutdown (a
   * crash); `downtimeMs` keeps it down that long before starting it again.
   */
  restart(options?: { hard?: boolean; downtimeMs?: number }): Promise<void>;
  /** The port of each extra listener (`listeners` option), by name. */
  readonly listenerPorts: Record<string, number>;
  /** Creates topics (replication factor 1) and waits for their partition leaders; existing topics are left as they are. */
  createTopics(names: string[], partitions?: number): Promise<void>;
}

export interface StartKafkaBrokerOptions {
  /** The PLAINTEXT port; a free one by default. */
  port?: number;
  /** The broker's directory; a new temp directory by default (and then removed by stop()). */
  dir?: string;
  /**
   * Extra listeners on free ports besides PLAINTEXT (which the tests' admin client and the controller
   * keep using), e.g. `{ name: 'SASL', protocol: 'SASL_PLAINTEXT' }`; their ports are in `listenerPorts`.
   */
  listeners?: { name: string; protocol: 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL' | 'PLAINTEXT' }[];
  /** server.properties lines appended after the defaults (keystores, JAAS configs, SASL mechanisms). */
  config?: string;
  /** SCRAM users created when the storage is formatted, e.g. `SCRAM-SHA-256=[name=alice,password=secret]`. */
  scram?: string[];
}

/** Brokers started by this process that are not stopped yet: killed when the process exits. */
const running = new Map<string, () => void>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const kill of running.values()) kill();
  });
}

function run(args: string[], timeoutMs: number): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile('bash', [SCRIPT, ...args], { cwd: REPO, timeout: timeoutMs, maxBuffer: 16 << 20, killSignal: 'SIGKILL' }, (error, stdout, stderr) => {
      if (error) {
        const why = error.killed ? `timed out after ${timeoutMs / 1000} s` : `exit code ${error.code}`;
        reject(new Error(`bash scripts/kafka.sh ${args.join(' ')}: ${why}\n${stderr.trim()}`));
      } else resolvePromise(stdout.trim());
    });
  });
}


function readPid(dir: string): number | undefined {
  try {
    const pid = Number(readFileSync(join(dir, 'kafka.pid'), 'utf8').trim());
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Starts a single-node KRaft broker on 127.0.0.1 and resolves once it answers a metadata request. */
export async function startKafkaBroker(options: StartKafkaBrokerOptions = {}): Promise<KafkaBroker> {
  const ownDir = options.dir === undefined;
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'sockml-kafka-'));
  const logFile = join(dir, 'kafka.log');
  installExitHook();

  // Fast when the jars are there (scripts/test.sh fetches them); otherwise Maven downloads ~45 MB.
  if (!existsSync(join(REPO, '.cache/kafka/lib/.stamp'))) await run(['fetch'], 600_000);

  const killNow = () => {
    const pid = readPid(dir);
    if (pid !== undefined) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    if (ownDir && process.env.SOCKML_KAFKA_KEEP !== '1') rmSync(dir, { recursive: true, force: true });
  };
  running.set(dir, killNow);

  const listenerPorts: Record<string, number> = {};
  for (const l of options.listeners ?? []) listenerPorts[l.name] = await freePort();
  const extra: string[] = [];
  for (const l of options.listeners ?? []) extra.push('--listener', `${l.name}:${l.protocol}:${listenerPorts[l.name]}`);
  if (options.config !== undefined) {
    writeFileSync(join(dir, 'extra.properties'), options.config + '\n');
    extra.push('--config', join(dir, 'extra.properties'));
  }
  for (const spec of options.scram ?? []) extra.push('--add-scram', spec);
  const startOn = (port: number, controllerPort?: number) =>
    run(['start', '--port', String(port), '--dir', dir, '--parent-pid', String(process.pid), ...(controllerPort ? ['--controller-port', String(controllerPort)] : []), ...extra], 120_000);

  // Two free ports: PLAINTEXT (given or picked) and CONTROLLER (picked; kept by kafka.sh for restarts).
  // A port taken by someone else between picking and binding makes the broker exit: pick again.
  let port = options.port ?? 0;
  for (let attempt = 1; ; attempt++) {
    if (!options.port) port = await freePort();
    let controllerPort = await freePort();
    while (controllerPort === port) controllerPort = await freePort();
    try {
      await startOn(port, existsSync(join(dir, 'controller.port')) ? undefined : controllerPort);
      break;
    } catch (error) {
      const bindProblem = /already in use|BindException/.test(String(error));
      if (attempt >= 3 || !bindProblem) {
        running.delete(dir);
        killNow();
        throw error;
      }
      // Nothing worth keeping yet: forget the chosen ports (and, in our own temp dir, the fresh storage).
      rmSync(join(dir, 'controller.port'), { force: true });
      if (ownDir) rmSync(join(dir, 'data'), { recursive: true, force: true });
    }
  }

  const stopBroker = async () => {
    await run(['stop', '--dir', dir], 60_000);
  };

  return {
    brokers: [`127.0.0.1:${port}`],
    port,
    listenerPorts,
    dir,
    logFile,
    async stop() {
      if (!running.has(dir)) return;
      try {
        await stopBroker();
      } finally {
        running.delete(dir);
        killNow();
      }
    },
    async restart({ hard = false, downtimeMs = 0 } = {}) {
      if (!running.has(dir)) throw new Error('restart(): the broker was stopped for good');
      if (hard) {
        const pid = readPid(dir);
        if (pid !== undefined) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
      }
      await stopBroker(); // after a SIGKILL: waits until the process is gone
      if (downtimeMs > 0) await sleep(downtimeMs);
      await startOn(port);
    },
    async createTopics(names: string[], partitions = 1) {
      const admin = new Kafka({ clientId: 'sockml-test-admin', brokers: [`127.0.0.1:${port}`], logLevel: logLevel.ERROR }).admin();
      await admin.connect();
      try {
        const existing = new Set(await admin.listTopics());
        const topics = [...new Set(names)].filter((topic) => !existing.has(topic));
        if (topics.length > 0) await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: partitions, replicationFactor: 1 })), waitForLeaders: true });
      } finally {
        await admin.disconnect();
      }
    },
  };
}
