/**
 * Runs the live pipeline for integration tests: a real Kafka broker, serve-model processes, one scale
 * process, and checks against `sockml replay`. Every process is the real CLI, started as a user would.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { expect } from 'vitest';
import { spawnSockml, type SockmlChild } from '../lib/sockml-child.js';
import { REPO, sockml } from '../test-support.js';
import { startKafkaBroker, type KafkaBroker } from './kafka-broker.js';
import { freePort } from './ports.js';

export const MODELS = ['xgboost', 'random_forest', 'logistic_regression'];

export interface Pipeline {
  broker: KafkaBroker;
  /** Bootstrap servers for --kafka. */
  kafka: string;
  /** The scaler's --out file: one JSON decision per line. */
  decisionsFile: string;
  /** The --out files of the `extraScalers`, in their order. */
  extraDecisionsFiles: string[];
  /** Where each process logs (kept when a test fails). */
  logDir: string;
  /** The /metrics and /healthz port of each serve-model, by model name. */
  httpPorts: Record<string, number>;
  stop(): Promise<void>;
}

/**
 * `extraScalers`: more scale processes, each with its own arguments, consumer group and --out file, deciding
 * on the same votes (to compare policies on one live run).
 */
export async function startPipeline(options: { models?: string[]; window?: string; scaleArgs?: string[]; extraScalers?: string[][] } = {}): Promise<Pipeline> {
  const broker = await startKafkaBroker();
  await broker.createTopics(['metrics', 'model-votes', 'scaling-decisions', 'metrics.dlq', 'model-votes.dlq'], 3);
  const kafka = broker.brokers.join(',');
  const logDir = mkdtempSync(join(tmpdir(), 'sockml-pipeline-'));
  const decisionsFile = join(logDir, 'decisions.jsonl');
  const children: SockmlChild[] = [];
  const start = (args: string[]) => {
    children.push(spawnSockml(args, { cwd: REPO, logFile: join(logDir, `${args[0]}-${children.length}.log`) }));
  };
  const httpPorts: Record<string, number> = {};
  for (const m of options.models ?? MODELS) {
    httpPorts[m] = await freePort();
    start(['serve-model', '--model', `models/${m}.onnx`, '--kafka', kafka, '--from-beginning', '--port', String(httpPorts[m])]);
  }
  start(['scale', '--kafka', kafka, '--from-beginning', '--window', options.window ?? '20s', '--quiet', '--out', decisionsFile, ...(options.scaleArgs ?? [])]);
  const extraDecisionsFiles = (options.extraScalers ?? []).map((args, i) => {
    const out = join(logDir, `decisions-${i + 1}.jsonl`);
    start(['scale', '--kafka', kafka, '--from-beginning', '--group', `sockml-scale-${i + 1}`, '--window', options.window ?? '20s', '--quiet', '--out', out, ...args]);
    return out;
  });
  return {
    broker,
    kafka,
    decisionsFile,
    extraDecisionsFiles,
    logDir,
    httpPorts,
    async stop() {
      // A process that does not stop within 10 s fails the test (and is killed), rather than hanging CI.
      const stopped = (await Promise.all(children.map((c) => c.stop('SIGTERM', 10_000)))).map((r) => r.signal !== 'SIGKILL');
      await broker.stop();
      expect(stopped, `every sockml process stops on SIGTERM (logs in ${logDir})`).not.toContain(false);
    },
  };
}

export async function waitFor(what: string, ok: () => boolean, timeoutMs = 90_000) {
  const until = Date.now() + timeoutMs;
  while (!ok()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

export const jsonLines = (path: string): any[] =>
  existsSync(path)
    ? readFileSync(path, 'utf8')
        .trim()
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l))
    : [];

/** `sockml publish` a recording; returns the number of feature vectors sent. */
export async function publish(kafka: string, recording: string): Promise<number> {
  const r = await sockml(['publish', recording, '--kafka', kafka, '--json']);
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout).messages;
}

/** Replays `recordings` offline and requires every live decision to equal replay's, row for row. */
export async function expectSameDecisionsAsReplay(recordings: string[], live: any[], dir: string, replayArgs: string[] = []) {
  const replayOut = join(dir, 'replay.csv');
  const r = await sockml(['replay', ...recordings, '--out', replayOut, ...replayArgs]);
  expect(r.code, r.stderr).toBe(0);
  const offline = parseCsvSync(readFileSync(replayOut, 'utf8'), { columns: true }) as Record<string, string>[];
  expect(live.length).toBe(offline.length);
  const byKey = new Map(live.map((d) => [`${d.snapshot_id}|${d.service}`, d]));
  for (const o of offline) {
    const d = byKey.get(`${o.run_id}@${o.timestamp}|${o.service}`);
    expect(d, `no live decision for ${o.run_id} ${o.service} ${o.timestamp}`).toBeDefined();
    const upVotes = MODELS.reduce((n, m) => n + Number(o[`${m}_vote`]), 0);
    expect([d.decision, d.target_replicas, d.scale_up_votes, d.total_votes, d.degraded], `${o.service} ${o.timestamp}`).toEqual([
      o.decision,
      Number(o.target_replicas),
      upVotes,
      3,
      false,
    ]);
  }
}
