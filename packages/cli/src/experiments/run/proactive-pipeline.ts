/**
 * The proactive condition's scaler: sockml's own live pipeline, as deployed, started for one run.
 *
 *   Prometheus ──► sockml collect --kafka ──► metrics ──► sockml serve-model ×N ──► model-votes
 *        ▲                                                                            │
 *        │ scrapes                                                                    ▼
 *   the target ◄──── replicas ◄──── sockml scale --actuator http|kubernetes ◄─────────┘
 *
 * Every piece is the real command in its own process, talking through the real Kafka broker, so a
 * proactive run measures what a user would deploy. Each run gets fresh consumer groups that start at
 * the newest offsets and a fresh scaler (its policy state starts at the replicas the run was reset to),
 * so nothing of an earlier run — messages, votes, cooldowns — leaks into the next.
 *
 * Besides the processes' logs, the run's directory keeps collect's polls as a labelled metrics.csv and
 * the scaler's decisions (decisions.ndjson): `sockml replay` on the CSV takes the same decisions.
 *
 * Time compression: collect polls every --interval/k of wall time over rate windows of two polls (as
 * 30 s polls over 1 m windows), and the policy's cooldowns shrink by k. The models see per-second rates,
 * latencies, CPU and per-poll deltas, none of which compression changes; what it does change is how
 * much history Prometheus has per window, which is why the scrape interval must be short (see --help).
 */
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseDecisionMessage, TOPICS, type ScalingDecision } from '@sockml/core';
import { parseBrokers } from '../../live/kafka.js';
import { startGroupsAtEnd } from './preflight.js';
import { spawnSockml, tail, type SockmlChild } from '../../lib/sockml-child.js';

export interface ProactivePipelineOptions {
  kafka: string;
  prometheus: string;
  /** How `scale` reaches the target: e.g. ['--actuator', 'http', '--actuator-url', URL] or ['--actuator', 'kubernetes', '--namespace', NS]. */
  actuatorArgs: string[];
  /** More flags for `collect`, e.g. ['--metric', NAME, '--cpu-source', 'cadvisor'] for a real Sock Shop. */
  collectArgs?: string[];
  /** Model directory: one serve-model per `<name>.onnx`. */
  modelsDir: string;
  strategy: string;
  /** Wall-clock poll interval of collect, ms. */
  pollIntervalMs: number;
  /** collect's --rate-window, wall ms [default: two polls]. */
  rateWindowMs?: number;
  /** p95 SLO, ms: collect labels the run's metrics.csv with it (future-only, as always). */
  sloMs: number;
  /** `scale`'s policy flags (policyArgs), its durations already in wall-clock time (divided by the time scale). */
  policyArgs: string[];
  /** Unique per run: names the consumer groups. */
  runTag: string;
  /** Directory for each process's log and the scaler's decisions file. */
  logDir: string;
  /** The experiment's stop (Ctrl-C): the children get the terminal's SIGINT too, and their exit is then no failure. */
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface ProactiveAction {
  /** The decision's snapshot time (epoch ms). */
  atEpochMs: number;
  service: string;
  from: number;
  to: number;
  decisionId: string;
}

export interface ProactivePipeline {
  /** Starts collect: the pipeline begins deciding from its first poll. */
  startCollecting(): void;
  /** Stops collect, lets the last polls reach a decision, stops the rest; the decisions taken. */
  stop(): Promise<{ decisions: ScalingDecision[]; actions: ProactiveAction[] }>;
}

/** The models a proactive run starts a serve-model for: every `<name>.onnx` with its card beside it. */
export async function pipelineModels(modelsDir: string): Promise<string[]> {
  const entries = await readdir(modelsDir);
  const names = entries.filter((e) => e.endsWith('.onnx') && entries.includes(e.replace(/\.onnx$/, '.card.json'))).map((e) => e.slice(0, -'.onnx'.length));
  if (names.length === 0) throw new Error(`${modelsDir}: no <name>.onnx with <name>.card.json`);
  return names.sort();
}

const ms = (x: number) => `${Math.max(1, Math.round(x))}ms`;

export async function startProactivePipeline(o: ProactivePipelineOptions): Promise<ProactivePipeline> {
  const log = o.log ?? (() => {});
  const models = await pipelineModels(o.modelsDir);
  const decisionsFile = join(o.logDir, 'decisions.ndjson');
  const children: SockmlChild[] = [];
  // A process of the pipeline that ends before the run does leaves a run that is not proactive any
  // more (no votes, no decisions): it is remembered and fails the run when it stops.
  let stopping = false;
  const died: string[] = [];
  const start = (name: string, args: string[]) => {
    // Text logs whatever the user's SOCKML_LOG_FORMAT: readiness is read from the children's banner lines.
    const c = spawnSockml(args, { name, logFile: join(o.logDir, `${name}.log`), env: { SOCKML_LOG_FORMAT: 'text' } });
    void c.done.then((r) => {
      if (!stopping && !o.signal?.aborted) died.push(`${name} (exit ${r.code ?? r.signal}; log ${join(o.logDir, `${name}.log`)})`);
    });
    children.push(c);
    return c;
  };
  const stopAll = async () => {
    stopping = true;
    await Promise.all(children.map((c) => c.stop('SIGTERM')));
  };

  const group = (name: string) => `sockml-exp-${o.runTag}-${name}`;
  await startGroupsAtEnd(parseBrokers(o.kafka), [...models.map((m) => ({ groupId: group(m), topic: TOPICS.metrics })), { groupId: group('scale'), topic: TOPICS.votes }]);
  try {
    const servers = models.map((m) =>
      start(`serve-model-${m}`, ['serve-model', '--model', join(o.modelsDir, `${m}.onnx`), '--kafka', o.kafka, '--group', group(m), '--port', '0']),
    );
    // A vote waits for its siblings at most half a poll: a decision must not lag into the next poll.
    const windowMs = Math.min(5000, o.pollIntervalMs / 2);
    const scaler = start('scale', [
      'scale',
      '--kafka', o.kafka,
      '--models', o.modelsDir,
      '--strategy', o.strategy,
      '--window', ms(windowMs),
      ...o.actuatorArgs,
      '--group', group('scale'),
      '--out', decisionsFile,
      ...o.policyArgs,
    ]);
    // Ready = its consumer runs (the commands print their banner after consumer.run()); where each group
    // starts reading was committed above, so a slow join loses nothing.
    await Promise.all([...servers.map((s) => s.waitFor(/^serve-model /m, 60_000, 'stdout')), scaler.waitFor(/^scale: /m, 60_000, 'stdout')]);
    log(`  proactive pipeline: serve-model × ${models.length} (${models.join(', ')}) and scale joined their groups`);
  } catch (e) {
    await stopAll();
    throw e;
  }

  let collector: SockmlChild | undefined;
  let stopped: Promise<{ decisions: ScalingDecision[]; actions: ProactiveAction[] }> | undefined;
  const stop = async () => {
    stopping = true;
    let collected;
    if (collector) {
      collected = await collector.stop('SIGINT');
      if (collected.code !== 0) log(`  warning: collect exited with ${collected.code ?? collected.signal}:\n${tail(collected.stderr)}`);
    }
    // The last poll's vectors need a moment to become votes and a decision (one window at most).
    const before = await readDecisions(decisionsFile);
    await waitForQuiet(decisionsFile, before.length, Math.min(5000, o.pollIntervalMs / 2) + 2000);
    const ended = await Promise.all(children.filter((c) => c !== collector).map(async (c) => ({ c, r: await c.stop('SIGTERM') })));
    for (const { c, r } of ended) if (r.code !== 0) log(`  warning: ${c.name} exited with ${r.code ?? r.signal}:\n${tail(r.stderr)}`);
    if (died.length > 0) throw new Error(`the proactive pipeline lost a process during the run: ${died.join('; ')}`);
    const decisions = await readDecisions(decisionsFile);
    return { decisions, actions: actionsOf(decisions) };
  };
  return {
    startCollecting() {
      collector = start('collect', [
        'collect',
        '--prometheus', o.prometheus,
        '--kafka', o.kafka,
        '--models', o.modelsDir,
        '--interval', ms(o.pollIntervalMs),
        '--rate-window', ms(o.rateWindowMs ?? 2 * o.pollIntervalMs),
        '--timeout', ms(Math.max(1000, o.pollIntervalMs * 0.8)),
        // The same polls as a labelled CSV: `sockml replay` re-runs the run's decisions offline from it.
        '--out', join(o.logDir, 'metrics.csv'),
        '--slo', String(o.sloMs),
        ...(o.collectArgs ?? []),
      ]);
    },
    stop() {
      stopped ??= stop();
      return stopped;
    },
  };
}

async function readDecisions(file: string): Promise<ScalingDecision[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return [];
  }
  // The scaler may be appending: a last line without its newline is not written yet.
  const complete = text.endsWith('\n') ? text : text.slice(0, text.lastIndexOf('\n') + 1);
  return complete
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => parseDecisionMessage(JSON.parse(l), `${file}:${i + 1}`));
}

/** Waits until the decisions file stops growing for quietMs (or 30 s have passed). */
async function waitForQuiet(file: string, count: number, quietMs: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  let last = count;
  let since = Date.now();
  while (Date.now() < deadline && Date.now() - since < quietMs) {
    await new Promise((r) => setTimeout(r, 200));
    const n = (await readDecisions(file)).length;
    if (n !== last) {
      last = n;
      since = Date.now();
    }
  }
}

/**
 * The replica changes among the decisions, per service in snapshot order: SCALE UP and SCALE DOWN with
 * the policy's target, from the previous target (the run starts every service at `initial`).
 */
export function actionsOf(decisions: readonly ScalingDecision[], initial = 1): ProactiveAction[] {
  const current = new Map<string, number>();
  const out: ProactiveAction[] = [];
  const ordered = [...decisions].sort((a, b) => Date.parse(a.timestamp) - Date.parse(b.timestamp));
  for (const d of ordered) {
    if (d.decision === 'NO_ACTION' || d.targetReplicas === undefined) continue;
    const from = current.get(d.service) ?? initial;
    if (d.targetReplicas === from) continue;
    current.set(d.service, d.targetReplicas);
    out.push({ atEpochMs: Date.parse(d.timestamp), service: d.service, from, to: d.targetReplicas, decisionId: d.decisionId });
  }
  return out;
}
