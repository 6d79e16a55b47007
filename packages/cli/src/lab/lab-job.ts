/**
 * One lab run as plain data, so it can cross to a worker thread, and the function that runs it. Workers
 * keep the models they loaded, so a worker running many proactive runs loads them once.
 */
import { DEFAULT_HPA_OPTIONS, featureSet as featureSetById, floorHpaOptionsByService, loadModelDirectory, PiecewiseLinearPattern, runLab, scalingPolicy, voteStrategyFromCards, type LabRunResult, type Weighting, type Model, type RateSegment, type RunCondition } from '@sockml/core';

export interface LabPatternSpec {
  name: string;
  durationMs: number;
  peakRps: number;
  params: Record<string, unknown>;
  segments: RateSegment[];
}

export interface LabProactiveSpec {
  modelsDir: string;
  strategy: string;
  /** --weights, for the weighted strategy. */
  weights: string;
  policy: { name: string; settings: Record<string, number> };
  /** Services with a policy of their own (lab --config), as the live scaler takes them. */
  policies?: Record<string, { name: string; settings: Record<string, number> }>;
  pollIntervalMs: number;
  rateWindowMs: number;
  lookahead: number;
}

export interface LabJob {
  index: number;
  condition: RunCondition;
  runId: number;
  pattern: LabPatternSpec;
  seed: number;
  sloMs: number;
  intervalMs: number;
  initialReplicas: number;
  maxReplicas: number;
  hpaTargetPct: number;
  /** Proactive: an HPA at this target runs beside sockml as the floor. */
  hpaFloorPct?: number;
  /** The HPA's scale-down stabilization window (every HPA of the run, the floor's too); absent: 300 s. */
  hpaScaleDownWindowS?: number;
  /** The floor HPA's own scale-down window (lab --hpa-floor-scale-down-window); absent: hpaScaleDownWindowS's. */
  hpaFloorScaleDownWindowS?: number;
  /** A service's own HPA bounds (lab --config), for every HPA of the run, as each Deployment's HPA has its own. */
  hpaByService?: Record<string, { minReplicas: number; maxReplicas: number }>;
  /** Proactive, with hpaFloorPct: a service's own floor target (lab --config's hpa-floor) instead of hpaFloorPct. */
  hpaFloorPctByService?: Record<string, number>;
  /** Proactive: sockml's replica changes act this long after its poll (lab --actuation-lag). */
  actuationLagMs?: number;
  /** lab --time-scale: the emulator's start-up and every HPA's clock (the rest is compressed in the job already). */
  timeScale?: number;
  proactive?: LabProactiveSpec;
}

export interface LabJobResult extends LabRunResult {
  index: number;
  elapsedMs: number;
}

const modelCache = new Map<string, Promise<{ featureSetId: string; models: Model[] }>>();

function modelsOf(dir: string) {
  let m = modelCache.get(dir);
  if (!m) {
    m = loadModelDirectory(dir, { intraOpThreads: 1 }).then((r) => ({ featureSetId: r.featureSet.id, models: r.models }));
    modelCache.set(dir, m);
  }
  return m;
}

export async function runLabJob(job: LabJob): Promise<LabJobResult> {
  const started = performance.now();
  const pattern = new PiecewiseLinearPattern(job.pattern.name as never, job.pattern.durationMs, job.pattern.peakRps, job.pattern.params, job.pattern.segments);
  let proactive;
  if (job.condition === 'proactive') {
    const p = job.proactive;
    if (!p) throw new Error('a proactive lab run needs models, a strategy and a policy');
    const { featureSetId, models } = await modelsOf(p.modelsDir);
    proactive = {
      featureSet: featureSetById(featureSetId),
      models,
      strategy: voteStrategyFromCards(p.strategy, models.map((m) => m.card), p.weights as Weighting, { sloMs: job.sloMs }),
      policy: scalingPolicy(p.policy.name, p.policy.settings),
      ...(p.policies ? { policies: Object.fromEntries(Object.entries(p.policies).map(([s, spec]) => [s, scalingPolicy(spec.name, spec.settings)])) } : {}),
      pollIntervalMs: p.pollIntervalMs,
      rateWindowMs: p.rateWindowMs,
      label: { metric: 'p95_latency_ms' as const, sloMs: job.sloMs, lookahead: p.lookahead },
    };
  }
  const result = await runLab({
    condition: job.condition,
    runId: job.runId,
    pattern,
    seed: job.seed,
    sloMs: job.sloMs,
    intervalMs: job.intervalMs,
    initialReplicas: job.initialReplicas,
    hpa: {
      targetUtilizationPct: job.hpaTargetPct,
      maxReplicas: job.maxReplicas,
      ...(job.hpaScaleDownWindowS !== undefined ? { scaleDown: { ...DEFAULT_HPA_OPTIONS.scaleDown, stabilizationWindowSeconds: job.hpaScaleDownWindowS } } : {}),
    },
    ...(job.hpaFloorPct !== undefined
      ? {
          hpaFloor: {
            targetUtilizationPct: job.hpaFloorPct,
            ...(job.hpaFloorScaleDownWindowS !== undefined ? { scaleDown: { ...DEFAULT_HPA_OPTIONS.scaleDown, stabilizationWindowSeconds: job.hpaFloorScaleDownWindowS } } : {}),
          },
        }
      : {}),
    ...(job.hpaByService ? { hpaByService: job.hpaByService } : {}),
    ...(job.hpaFloorPct !== undefined && job.hpaFloorPctByService ? { hpaFloorByService: floorHpaOptionsByService(job.hpaFloorPctByService) } : {}),
    ...(job.actuationLagMs ? { actuationLagMs: job.actuationLagMs } : {}),
    ...(job.timeScale ? { timeScale: job.timeScale } : {}),
    proactive,
  });
  return { ...result, index: job.index, elapsedMs: performance.now() - started };
}
