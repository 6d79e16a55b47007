/**
 * One experiment run on the Sock Shop emulator (`--target sim`): reset the replicas, put the load
 * pattern on the front-end, poll /metrics every interval into one snapshot line, and — reactive
 * condition — run the HPA controller every sync period against the emulator's CPU, applying its
 * decisions through POST /admin/replicas (what `sockml scale --actuator http` does); — proactive
 * condition — run sockml's live pipeline (proactive-pipeline.ts), whose scaler POSTs there itself.
 * The snapshots are taken the same way in every condition, so only the scaler differs between them.
 *
 * Time compression: every duration of the experiment (--duration, --interval, the HPA's 15 s sync and
 * 300 s scale-down window, the emulator's 20 s replica start-up) is divided by --time-scale on the wall
 * clock. Request rates and latencies are not compressed: the emulator is a real-time queue model.
 */
import { DEFAULT_JOURNEY, DEFAULT_SERVICE_SPECS, journeyRequests, ReactiveLoop, SnapshotRecorder, type HpaOptions, type IntervalObservation, type LoadPattern, type RunCondition, type SockShopService, type TimelineRow } from '@sockml/core';
import { BuiltinEngine } from '../../load/builtin.js';
import { observeBetween, scrapeMetrics, setReplicas, type MetricsScrape } from './metrics-poller.js';
import type { ProactivePipeline } from './proactive-pipeline.js';

export interface SimRunOptions {
  targetUrl: string;
  services: readonly SockShopService[];
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
  seed: number;
  maxInFlight: number;
  /** The proactive condition's pipeline, started for this run (before the replica reset). */
  startProactive?: () => Promise<ProactivePipeline>;
  signal?: AbortSignal;
  log?: (line: string) => void;
}

export interface SimRunResult {
  lines: string[];
  scalingActions: { atMs: number; service: string; from: number; to: number }[];
  maxReplicas: Record<string, number>;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, Math.max(0, ms));
    signal?.addEventListener('abort', done, { once: true });
  });

const requestsSeen = (s: MetricsScrape) => [...s.buckets.values()].reduce((n, b) => n + (b.get(Infinity) ?? 0), 0);

/**
 * Waits until the target is idle: no request finished between two scrapes 1 s apart (the previous run's
 * backlog has drained and its in-flight requests have ended), at most maxMs.
 */
async function waitUntilIdle(url: string, maxMs: number, signal?: AbortSignal): Promise<boolean> {
  const until = performance.now() + maxMs;
  let last = requestsSeen(await scrapeMetrics(url, 0));
  while (performance.now() < until && !signal?.aborted) {
    await sleep(1000, signal);
    const now = requestsSeen(await scrapeMetrics(url, 0));
    if (now === last) return true;
    last = now;
  }
  return false;
}

const cpuRequest = (s: string) => DEFAULT_SERVICE_SPECS[s as SockShopService]?.cpuRequestCores ?? 1;

export async function runSimExperiment(o: SimRunOptions): Promise<SimRunResult> {
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

async function runWith(o: SimRunOptions, log: (line: string) => void, pipeline: ProactivePipeline | undefined): Promise<SimRunResult> {
  // Reset: the previous run's requests drain (on the replicas it ended with), every service goes back to
  // the initial replicas, and the target settles before the load starts.
  if (!(await waitUntilIdle(o.targetUrl, 60_000, o.signal))) log('  warning: the target was still answering requests after 60 s; starting anyway');
  for (const s of o.services) await setReplicas(o.targetUrl, s, o.initialReplicas);
  await sleep(o.settleMs, o.signal);

  const recorder = new SnapshotRecorder({ runId: o.runId, condition: o.condition, pattern: o.pattern.name, sloMs: o.sloMs });
  const observations: { obs: IntervalObservation; fromMs: number; toMs: number }[] = [];
  const rows: TimelineRow[] = [];
  const scalingActions: SimRunResult['scalingActions'] = [];
  const maxReplicas: Record<string, number> = Object.fromEntries(o.services.map((s) => [s, o.initialReplicas]));

  const t0 = performance.now();
  const t0Epoch = Date.now();
  const elapsed = () => performance.now() - t0;
  pipeline?.startCollecting();
  const stop = new AbortController();
  o.signal?.addEventListener('abort', () => stop.abort(), { once: true });

  // The reactive loop: every (sync period / time scale) of wall time, on the experiment clock.
  let reactive: Promise<void> = Promise.resolve();
  if (o.condition === 'reactive') {
    const loop = new ReactiveLoop(o.services, o.hpa);
    const syncWallMs = (o.hpa.syncPeriodMs ?? 15_000) / o.timeScale;
    reactive = (async () => {
      let last = await scrapeMetrics(o.targetUrl, elapsed());
      while (!stop.signal.aborted) {
        await sleep(syncWallMs, stop.signal);
        if (stop.signal.aborted) break;
        const now = await scrapeMetrics(o.targetUrl, elapsed());
        const seen = observeBetween(last, now, o.services, cpuRequest);
        last = now;
        const input = Object.fromEntries(Object.entries(seen).map(([s, v]) => [s, v.desiredReplicas === null ? undefined : { replicas: v.desiredReplicas, readyReplicas: v.replicas ?? 0, cpuPct: v.cpuPct }]));
        for (const a of loop.step(now.atMs * o.timeScale, input)) {
          await setReplicas(o.targetUrl, a.service, a.to);
          scalingActions.push({ atMs: now.atMs, service: a.service, from: a.from, to: a.to });
          maxReplicas[a.service] = Math.max(maxReplicas[a.service] ?? 0, a.to);
          log(`  ${(now.atMs / 1000).toFixed(1)} s: HPA ${a.service} ${a.from} → ${a.to} (${a.decision.reason})`);
        }
      }
    })();
  }

  // The poller: one snapshot per interval of the pattern's duration.
  const intervals = Math.max(1, Math.floor(o.pattern.durationMs / o.intervalMs));
  const poller = (async () => {
    let last: MetricsScrape = await scrapeMetrics(o.targetUrl, elapsed());
    for (let i = 0; i < intervals && !stop.signal.aborted; i++) {
      await sleep(t0 + (i + 1) * o.intervalMs - performance.now(), stop.signal);
      if (stop.signal.aborted) break;
      const now = await scrapeMetrics(o.targetUrl, elapsed());
      const seen = observeBetween(last, now, o.services, cpuRequest);
      observations.push({ obs: { at: new Date(), services: Object.fromEntries(Object.entries(seen).map(([s, v]) => [s, { replicas: v.replicas, p95Ms: v.p95Ms, cpuPct: v.cpuPct }])), load: null }, fromMs: last.atMs, toMs: now.atMs });
      for (const [s, v] of Object.entries(seen)) if (v.replicas !== null) maxReplicas[s] = Math.max(maxReplicas[s] ?? 0, v.replicas);
      const fe = seen['front-end'];
      log(`  interval ${i}: ${fe ? `front-end ${fe.replicas} ready, p95 ${fe.p95Ms === null ? '–' : fe.p95Ms.toFixed(1)} ms, cpu ${fe.cpuPct === null ? '–' : fe.cpuPct.toFixed(0)} %` : ''}`);
      last = now;
    }
  })();

  const engine = new BuiltinEngine();
  const load = engine.run({
    pattern: o.pattern,
    target: new URL(o.targetUrl),
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
      return recorder.record({ ...obs, load: intervalMs > 0 ? { intervalMs, offered, succeeded: Math.max(0, completed - inside.reduce((n, r) => n + r.errors, 0)), errors } : null });
    }),
    scalingActions,
    maxReplicas,
  };
}
