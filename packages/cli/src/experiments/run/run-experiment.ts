/**
 * One experiment run on a target (experiment-target.ts: the emulator, or a real Sock Shop through
 * Prometheus): reset the replicas, put the load pattern on the front-end, observe the target every
 * interval into one snapshot line, and — reactive condition — run the HPA controller every sync period
 * against the target's CPU, applying its decisions through the target's replica setter (what `sockml
 * scale --actuator http|kubernetes` does), or, with `reactiveBy: 'cluster'`, leave scaling to an HPA the
 * cluster already runs and only record what it did; — proactive condition — run sockml's live pipeline
 * (proactive-pipeline.ts), whose scaler scales the target itself. The snapshots are taken the same way in
 * every condition, so only the scaler differs between them.
 *
 * Time compression: every duration of the experiment (--duration, --interval, the HPA's 15 s sync and
 * 300 s scale-down window, the emulator's 20 s replica start-up) is divided by --time-scale on the wall
 * clock. Request rates and latencies are not compressed: the emulator is a real-time queue model.
 */
import { DEFAULT_JOURNEY, hpaOptionsByService, journeyRequests, ReactiveLoop, SnapshotRecorder, type HpaOptions, type IntervalObservation, type LoadPattern, type RunCondition, type TimelineRow } from '@sockml/core';
import { BuiltinEngine } from '../../load/builtin.js';
import { sleep, type ExperimentTarget } from './experiment-target.js';
import type { FloorGateway } from './floor-gateway.js';
import type { ProactivePipeline } from './proactive-pipeline.js';

export interface RunOptions {
  target: ExperimentTarget;
  services: readonly string[];
  condition: RunCondition;
  runId: number;
  pattern: LoadPattern;
  /** Wall-clock poll interval, ms (already divided by the time scale). */
  intervalMs: number;
  timeScale: number;
  sloMs: number;
  initialReplicas: number;
  /** Wall-clock wait after the replica reset, before the load starts. */
  settleMs: number;
  hpa: Partial<HpaOptions>;
  /** A service's own options for every HPA of the run (its replica bounds, from --config), under hpaFloor's own. */
  hpaByService?: Readonly<Record<string, Partial<HpaOptions>>>;
  /** Reactive: sockml's HPA controller ('builtin') or the cluster's own HPA ('cluster', sockml only records). */
  reactiveBy?: 'builtin' | 'cluster';
  seed: number;
  maxInFlight: number;
  /**
   * Proactive only: an HPA with these options runs beside sockml, and the target runs the larger of its
   * count and sockml's; both ask through the gateway (sockml's scaler POSTs to gateway.url).
   */
  hpaFloor?: { hpa: Partial<HpaOptions>; byService?: Readonly<Record<string, Partial<HpaOptions>>>; gateway: FloorGateway };
  /** The proactive condition's pipeline, started for this run (before the replica reset). */
  startProactive?: () => Promise<ProactivePipeline>;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface RunResult {
  lines: string[];
  scalingActions: { atMs: number; service: string; from: number; to: number }[];
  maxReplicas: Record<string, number>;
}

export async function runExperiment(o: RunOptions): Promise<RunResult> {
  const log = o.log ?? (() => {});
  let pipeline: ProactivePipeline | undefined;
  if (o.condition === 'proactive') {
    if (!o.startProactive) throw new Error('the proactive condition needs its pipeline (startProactive)');
    pipeline = await o.startProactive();
  }
  try {
    return await runWith(o, log, pipeline);
  } finally {
    // Normally stopped (and read) by runWith; this stops it when the run failed part-way.
    await pipeline?.stop().catch(() => undefined);
  }
}

async function runWith(o: RunOptions, log: (line: string) => void, pipeline: ProactivePipeline | undefined): Promise<RunResult> {
  // Reset: the previous run's requests drain (on the replicas it ended with), every service goes back to
  // the initial replicas, and the target settles before the load starts.
  if (!(await o.target.waitUntilIdle(60_000, o.signal))) log('  warning: the target was still answering requests after 60 s; starting anyway');
  for (const s of o.services) await o.target.setReplicas(s, o.initialReplicas);
  const floor = o.condition === 'proactive' ? o.hpaFloor : undefined;
  floor?.gateway.reset(o.initialReplicas);
  await sleep(o.settleMs, o.signal);

  const recorder = new SnapshotRecorder({ runId: o.runId, condition: o.condition, pattern: o.pattern.name, sloMs: o.sloMs });
  const observations: { obs: IntervalObservation; fromMs: number; toMs: number }[] = [];
  const rows: TimelineRow[] = [];
  const scalingActions: RunResult['scalingActions'] = [];
  const maxReplicas: Record<string, number> = Object.fromEntries(o.services.map((s) => [s, o.initialReplicas]));

  const t0 = performance.now();
  const t0Epoch = Date.now();
  const elapsed = () => performance.now() - t0;
  pipeline?.startCollecting();
  const stop = new AbortController();
  o.signal?.addEventListener('abort', () => stop.abort(), { once: true });

  // The reactive loop: every (sync period / time scale) of wall time, on the experiment clock. With
  // --hpa-floor it runs in the proactive condition too, as the floor under sockml.
  let reactive: Promise<void> = Promise.resolve();
  if ((o.condition === 'reactive' && (o.reactiveBy ?? 'builtin') === 'builtin') || floor) {
    const hpa = floor ? floor.hpa : o.hpa;
    const byService = hpaOptionsByService(o.services, o.hpaByService, floor?.byService);
    const loop = new ReactiveLoop(o.services, hpa, byService);
    const syncWallMs = (hpa.syncPeriodMs ?? 15_000) / o.timeScale;
    reactive = (async () => {
      const observer = await o.target.observer(elapsed);
      while (!stop.signal.aborted) {
        await sleep(syncWallMs, stop.signal);
        if (stop.signal.aborted) break;
        const { services: seen, toMs } = await observer.next();
        const input = Object.fromEntries(Object.entries(seen).map(([s, v]) => [s, v.desiredReplicas === null ? undefined : { replicas: v.desiredReplicas, readyReplicas: v.replicas ?? 0, cpuPct: v.cpuPct }]));
        const acted = new Set<string>();
        for (const a of loop.step(toMs * o.timeScale, input)) {
          acted.add(a.service);
          const to = floor ? await floor.gateway.askHpa(a.service, a.to) : (await o.target.setReplicas(a.service, a.to), a.to);
          if (to !== a.from) scalingActions.push({ atMs: toMs, service: a.service, from: a.from, to });
          maxReplicas[a.service] = Math.max(maxReplicas[a.service] ?? 0, to);
          log(`  ${(toMs / 1000).toFixed(1)} s: HPA${floor ? ' (floor)' : ''} ${a.service} ${a.from} → ${a.to} (${a.decision.reason})${to !== a.to ? `, runs ${to} (sockml's count)` : ''}`);
        }
        // An HPA sync that changed nothing wants what runs (its stabilised count).
        if (floor) for (const [s, v] of Object.entries(seen)) if (!acted.has(s) && v.desiredReplicas !== null) floor.gateway.hpaHolds(s, v.desiredReplicas);
      }
    })();
  }
  // The cluster's own HPA: its actions are the changes of the Deployments' asked-for replicas between snapshots.
  const clusterScaled = o.condition === 'reactive' && o.reactiveBy === 'cluster';
  const desired = new Map<string, number>(o.services.map((s) => [s, o.initialReplicas]));

  // The poller: one snapshot per interval of the pattern's duration.
  const intervals = Math.max(1, Math.floor(o.pattern.durationMs / o.intervalMs));
  const poller = (async () => {
    const observer = await o.target.observer(elapsed);
    for (let i = 0; i < intervals && !stop.signal.aborted; i++) {
      await sleep(t0 + (i + 1) * o.intervalMs - performance.now(), stop.signal);
      if (stop.signal.aborted) break;
      const at = new Date();
      const { services: seen, fromMs, toMs } = await observer.next();
      observations.push({ obs: { at, services: Object.fromEntries(Object.entries(seen).map(([s, v]) => [s, { replicas: v.replicas, p95Ms: v.p95Ms, cpuPct: v.cpuPct }])), load: null }, fromMs, toMs });
      for (const [s, v] of Object.entries(seen)) {
        if (v.replicas !== null) maxReplicas[s] = Math.max(maxReplicas[s] ?? 0, v.replicas);
        const was = desired.get(s);
        if (clusterScaled && v.desiredReplicas !== null && was !== undefined && v.desiredReplicas !== was) {
          scalingActions.push({ atMs: toMs, service: s, from: was, to: v.desiredReplicas });
          log(`  ${(toMs / 1000).toFixed(1)} s: the cluster's HPA scaled ${s} ${was} → ${v.desiredReplicas}`);
        }
        if (v.desiredReplicas !== null) desired.set(s, v.desiredReplicas);
      }
      const fe = seen['front-end'];
      log(`  interval ${i}: ${fe ? `front-end ${fe.replicas ?? '?'} ready, p95 ${fe.p95Ms === null ? '–' : fe.p95Ms.toFixed(1)} ms, cpu ${fe.cpuPct === null ? '–' : fe.cpuPct.toFixed(0)} %` : ''}`);
    }
  })();

  const engine = new BuiltinEngine();
  const load = engine.run({
    pattern: o.pattern,
    target: new URL(o.target.url),
    model: 'open',
    vus: 1,
    maxInFlight: o.maxInFlight,
    requests: journeyRequests(DEFAULT_JOURNEY),
    seed: o.seed + o.runId,
    timeoutMs: 10_000,
    sloMs: o.sloMs,
    signal: stop.signal,
    onRow: (row) => rows.push(row),
  });

  try {
    await poller;
  } finally {
    stop.abort();
    await Promise.allSettled([load, reactive]);
  }
  await reactive; // a failed scaling call fails the run
  await load;
  if (pipeline) {
    const { actions } = await pipeline.stop();
    for (const a of actions) {
      scalingActions.push({ atMs: a.atEpochMs - t0Epoch, service: a.service, from: a.from, to: a.to });
      maxReplicas[a.service] = Math.max(maxReplicas[a.service] ?? 0, a.to);
      log(`  ${((a.atEpochMs - t0Epoch) / 1000).toFixed(1)} s: sockml ${a.service} ${a.from} → ${a.to}`);
    }
  }

  // The load generator's counts per interval (its timeline seconds, relative to the same start).
  return {
    lines: observations.map(({ obs, fromMs, toMs }) => {
      const inside = rows.filter((r) => r.second * 1000 >= Math.floor(fromMs / 1000) * 1000 && r.second * 1000 < Math.floor(toMs / 1000) * 1000);
      const offered = inside.reduce((n, r) => n + r.offered, 0);
      const errors = inside.reduce((n, r) => n + r.errors + r.dropped, 0);
      const completed = inside.reduce((n, r) => n + r.completed, 0);
      const intervalMs = inside.length * 1000;
      // completed counts responses; errors also count requests without one (transportErrors).
      const errorResponses = inside.reduce((n, r) => n + r.errors - r.transportErrors, 0);
      return recorder.record({ ...obs, load: intervalMs > 0 ? { intervalMs, offered, succeeded: Math.max(0, completed - errorResponses), errors } : null });
    }),
    scalingActions,
    maxReplicas,
  };
}
