import type { RunCondition } from '../experiments/run/snapshot-recorder.js';
import { SnapshotRecorder } from '../experiments/run/snapshot-recorder.js';
import { ArrivalSchedule } from '../load/arrival-schedule.js';
import { DEFAULT_JOURNEY, JourneyPicker, journeyRequests, type JourneyOptions } from '../load/journey.js';
import type { LoadPattern } from '../load/load-pattern.js';
import { hpaOptionsByService } from '../policy/proactive-defaults.js';
import type { HpaOptions } from '../reactive/hpa-controller.js';
import { SockShopEmulator, type EmulatorOptions } from '../sim/emulator.js';
import { DelayedController } from './controllers/delayed.js';
import { HpaFloorController } from './controllers/hpa-floor.js';
import { ProactiveController, type ProactiveControllerOptions } from './controllers/proactive.js';
import { ReactiveController } from './controllers/reactive.js';
import { StaticController } from './controllers/static.js';
import { LabCluster } from './lab-cluster.js';
import type { LabController, LabScalingAction } from './lab-controller.js';

/** Virtual time 0 of every lab run, as a date: fixed, so the same run writes the same files anywhere. */
export const LAB_EPOCH_MS = Date.UTC(2026, 0, 1);

export interface LabRunOptions {
  condition: RunCondition;
  /** 1-based per condition, as `experiment run` numbers runs; seeds the run with `seed`. */
  runId: number;
  pattern: LoadPattern;
  seed: number;
  sloMs: number;
  /** Snapshot interval (`experiment run --interval`). */
  intervalMs: number;
  /** Replicas of every service at the start. */
  initialReplicas: number;
  /** The reactive condition's HPA (maxReplicas, target CPU…); its sync period is its own (15 s by default). */
  hpa: Partial<HpaOptions>;
  /** A service's own HPA options over `hpa` and `hpaFloor` (a config file's per-service bounds), for every HPA of the run. */
  hpaByService?: Readonly<Record<string, Partial<HpaOptions>>>;
  /**
   * Proactive only: an HPA with these options (over `hpa`) runs beside sockml, and each service gets the
   * larger of the two counts (HpaFloorController). Absent: sockml alone writes the replicas.
   */
  hpaFloor?: Partial<HpaOptions>;
  /** A service's own options for the HPA under sockml only (e.g. its target CPU), over `hpaByService`. */
  hpaFloorByService?: Readonly<Record<string, Partial<HpaOptions>>>;
  /** The proactive condition's decision path (needed only for it). */
  proactive?: Omit<ProactiveControllerOptions, 'runId' | 'epochMs' | 'initialReplicas'>;
  /**
   * Proactive: sockml's replica changes take effect this long after its poll (DelayedController; the HPA
   * floor's are not delayed). 0 or absent: at the poll, as the lab has always run it.
   */
  actuationLagMs?: number;
  /**
   * Runs the loop as `experiment run --time-scale k` plays it: the emulator's replicas start k times sooner
   * and every HPA of the run keeps its own time k times faster than the lab's clock (ReactiveController);
   * rates and latencies stay as they are. The caller compresses the rest as experiment run does: the
   * pattern, the snapshot and poll intervals, the rate window, the policy's durations. Default 1.
   */
  timeScale?: number;
  emulator?: Partial<Omit<EmulatorOptions, 'seed' | 'timeScale' | 'initialReplicas'>>;
  journey?: JourneyOptions;
  /**
   * Who scales, instead of the condition's own controller (a fresh one per run): for yardsticks such as
   * a ScheduledController replaying another run's actions earlier. The snapshots still say `condition`.
   */
  controller?: LabController;
}

export interface LabRunResult {
  /** Snapshot JSONL lines, as `experiment run` writes them. */
  lines: string[];
  scalingActions: LabScalingAction[];
  /** Proactive: collect's metrics CSV and the scaler's decisions (JSON lines). */
  metricsCsv?: string;
  decisions?: string[];
  /** Front-end requests the load generator offered. */
  requests: number;
}

/**
 * One run of `sockml lab`: the closed loop of `experiment run` on the emulator, in virtual time. A
 * discrete-event simulation with two kinds of events: the load's arrivals (the pattern's ArrivalSchedule,
 * each a journey request picked with the run's seed, served by the emulator at its arrival time) and
 * timers (a snapshot every interval; the controller's own: the HPA's sync, or collect's poll). Time jumps
 * from event to event; nothing waits on a clock, so an hour runs in seconds and the same options give the
 * same lines, byte for byte. Timers due at the same instant run snapshot first, then the controller, and
 * both before an arrival at that instant.
 *
 * Seeds: the run's seed is `seed + runId`, for the journey picks (as `experiment run` seeds its load) and
 * for the emulator's latency draws. Conditions with the same run id therefore get the same arrivals and
 * requests: a paired comparison.
 */
export async function runLab(o: LabRunOptions): Promise<LabRunResult> {
  if (!(o.intervalMs > 0) || o.intervalMs % 1000 !== 0) throw new Error(`the snapshot interval must be whole seconds, got ${o.intervalMs} ms`);
  const runSeed = o.seed + o.runId;
  const timeScale = o.timeScale ?? 1;
  const emulator = new SockShopEmulator({ ...o.emulator, timeScale, initialReplicas: o.initialReplicas, seed: runSeed }, 0);
  const cluster = new LabCluster(emulator, o.pattern.durationMs);
  const services = cluster.services;

  let controller: LabController;
  let proactive: ProactiveController | undefined;
  if (o.controller) controller = o.controller;
  else if (o.condition === 'static') controller = new StaticController();
  else if (o.condition === 'reactive') controller = new ReactiveController(services, o.hpa, o.hpaByService, timeScale);
  else {
    if (!o.proactive) throw new Error('the proactive condition needs its decision path (models, strategy, policy)');
    if (o.proactive.pollIntervalMs % 1000 !== 0) throw new Error(`the poll interval must be whole seconds, got ${o.proactive.pollIntervalMs} ms`);
    proactive = new ProactiveController({ ...o.proactive, runId: `lab-${o.condition}-${o.runId}`, epochMs: LAB_EPOCH_MS, initialReplicas: o.initialReplicas });
    const sockml: LabController = o.actuationLagMs ? new DelayedController(proactive, o.actuationLagMs) : proactive;
    controller = sockml;
    if (o.hpaFloor) {
      const floorByService = hpaOptionsByService(services, o.hpaByService, o.hpaFloorByService);
      controller = new HpaFloorController(new ReactiveController(services, { ...o.hpa, ...o.hpaFloor }, floorByService, timeScale), sockml, o.initialReplicas);
    }
  }

  const recorder = new SnapshotRecorder({ runId: o.runId, condition: o.condition, pattern: o.pattern.name, sloMs: o.sloMs });
  const schedule = new ArrivalSchedule(o.pattern);
  const picker = new JourneyPicker(journeyRequests(o.journey ?? DEFAULT_JOURNEY), runSeed);
  // The journey is a fixed set of requests: each is routed through the emulator's call tree once, not
  // once per arrival.
  const routes = new Map(picker.requests.map((r) => [r, emulator.route(r.method, r.path)]));
  const intervals = Math.max(1, Math.floor(o.pattern.durationMs / o.intervalMs));
  const endMs = intervals * o.intervalMs;
  const lines: string[] = [];
  const actions: LabScalingAction[] = [];
  let nextSnapshot = o.intervalMs;
  let lastSnapshot = 0;
  let arrival = schedule.next();
  let requests = 0;

  for (;;) {
    const timer = Math.min(nextSnapshot, controller.nextAtMs());
    if (arrival !== undefined && arrival < timer && arrival < endMs) {
      cluster.serveRoute(routes.get(picker.next())!, arrival);
      requests++;
      arrival = schedule.next();
      continue;
    }
    if (timer > endMs) break;
    cluster.mark(timer);
    if (timer === nextSnapshot) {
      const load = cluster.loadCounts(lastSnapshot, timer);
      lines.push(
        recorder.record({
          at: new Date(LAB_EPOCH_MS + timer),
          services: cluster.snapshot(lastSnapshot, timer),
          load: { intervalMs: timer - lastSnapshot, offered: load.offered, succeeded: Math.max(0, load.completed - load.errors), errors: load.errors },
        }),
      );
      lastSnapshot = timer;
      nextSnapshot += o.intervalMs;
    }
    if (controller.nextAtMs() === timer) actions.push(...(await controller.fire(timer, cluster)));
  }
  return {
    lines,
    scalingActions: actions,
    requests,
    ...(proactive ? { metricsCsv: proactive.metricsCsv(), decisions: proactive.decisions } : {}),
  };
}
