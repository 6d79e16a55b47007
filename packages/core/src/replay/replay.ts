import type { BinaryMetricsSummary, PrCurvePoint } from '../evaluation/binary-metrics.js';
import type { EpisodeSummary } from '../evaluation/episode-tracker.js';
import { Evaluator, type MatchedRecall } from '../evaluation/evaluator.js';
import { FeatureExtractor, snapshotId } from '../features/feature-extractor.js';
import type { FeatureSet } from '../features/feature-set.js';
import { Labeler, type LabelDefinition, type Labelled } from '../labels/labeler.js';
import { voteFrom, voteInto, type Model } from '../models/model-runner.js';
import { DEFAULT_POLICY_NAME, scalingPolicy } from '../policy/registry.js';
import { checkServicePolicies, policyForService, verdictsForPoll, type ScalingPolicy, type ServiceScalingState } from '../policy/scaling-policy.js';
import { DEFAULT_POLL_INTERVAL_MS, SchemaError, type DecisionKind, type DecisionLogRow, type MetricsSample, type Vote } from '../schema.js';
import { verdictFrom, type EnsembleVerdict } from '../voting/vote-aggregator.js';
import type { VoteStrategy } from '../voting/vote-strategy.js';

/** One recording: a run of polls from one load test. State (features, labels, policy) resets between runs. */
export interface RecordedRun {
  runId: string;
  pattern: string;
  samples: AsyncIterable<MetricsSample[]>;
}

export interface ReplayConfig {
  featureSet: FeatureSet<any>;
  models: readonly Model[];
  strategy: VoteStrategy;
  label: LabelDefinition;
  /** 'future' (default): recompute future-only labels from p95; 'column': trust the CSV's sla_violated. */
  labelSource?: 'future' | 'column';
  /**
   * The recordings' poll interval (default 30 s, the recorder's): a series whose next poll comes
   * 1.5 intervals later or more has a gap, which features (deltas, windows) and future-only labels do not
   * reach across. Use the interval the recording was collected at (e.g. a compressed experiment's).
   */
  pollIntervalMs?: number;
  policy?: ScalingPolicy;
  /** Services with a policy of their own (a config file's, as `scale --config` takes it); the rest run `policy`. */
  policies?: Readonly<Record<string, ScalingPolicy>>;
  /**
   * The replicas every service ran when its recording began (default: the policy's minimum). A count
   * outside the policy's bounds is its first decision's move to the bound, as it is live and in `lab`,
   * whose runs start at 1 replica.
   */
  initialReplicas?: number;
  /** Called for every (snapshot, service) once its label is known (or the run ended without one). */
  onRow?: (row: ReplayRow) => void;
  /** Called after each batch with the rows read so far. */
  onProgress?: (rowsRead: number) => void;
}

/** Everything replay knows about one (snapshot, service), as written by `replay --out`. */
export type ReplayRow = DecisionLogRow;

export interface ReplayReport {
  runs: number;
  rows: number;
  labelled: number;
  positives: number;
  unlabelled: number;
  imputedInputs: number;
  /** Polls that came after a missing poll in their series (features restarted there). */
  gaps: number;
  /** Rows left unlabelled because a missing poll fell in their lookahead. */
  gapUnlabelled: number;
  featureSet: string;
  strategy: string;
  label: LabelDefinition & { source: 'future' | 'column' };
  models: Record<string, BinaryMetricsSummary>;
  ensemble: BinaryMetricsSummary;
  persistence: BinaryMetricsSummary;
  episodes: EpisodeSummary;
  /** Each model's and the ensemble's precision at persistence's recall, the fair comparison with the rule. */
  matchedRecall: MatchedRecall;
  /** Each model's and the ensemble's PR curve (precision at recall ≥ 0.05, 0.10, …, 1). */
  prCurves: Record<string, PrCurvePoint[]>;
  decisions: Record<DecisionKind, number>;
  degradedDecisions: number;
}

export const ENSEMBLE = 'ensemble';
export const PERSISTENCE = 'persistence';

/**
 * Replays recorded runs through the production decision path: FeatureExtractor → models → verdictFrom
 * (the VoteAggregator's verdict, with the chosen VoteStrategy) → ScalingPolicy, and scores every predictor against future-only labels.
 * `scale` and the experiment runner call the same objects. Replay-only are the scoring, and the grouping of
 * a poll's rows for a policy that attributes (the live scaler gathers the same polls from votes, with a
 * PollBuffer). Inference of one batch overlaps with reading and featurising the next.
 */
export async function replay(runs: AsyncIterable<RecordedRun> | Iterable<RecordedRun>, config: ReplayConfig): Promise<ReplayReport> {
  const { featureSet, models, strategy, label } = config;
  if (models.length === 0) throw new Error('replay needs at least one model');
  const labelSource = config.labelSource ?? 'future';
  const policy = config.policy ?? scalingPolicy(DEFAULT_POLICY_NAME);
  const policies = config.policies ?? {};
  checkServicePolicies(policy, policies);
  const policyOf = (service: string) => policyForService(policy, policies, service);
  const width = featureSet.names.length;
  const modelNames = models.map((m) => m.name);
  // Predictors in this order: the models, then the ensemble, then the persistence baseline.
  const evaluator = new Evaluator([...modelNames, ENSEMBLE, PERSISTENCE], label.lookahead);
  const ensembleIndex = models.length;
  const persistenceIndex = models.length + 1;
  const decisions: Record<DecisionKind, number> = { SCALE_UP: 0, NO_ACTION: 0, SCALE_DOWN: 0 };
  let degradedDecisions = 0;
  let rowsRead = 0;
  let labelled = 0;
  let positives = 0;
  let unlabelled = 0;
  let imputedInputs = 0;
  let gaps = 0;
  let gapUnlabelled = 0;
  const pollIntervalMs = config.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  let runCount = 0;

  const score = (l: Labelled<ReplayRow>) => {
    const r = l.item;
    r.label = l.label;
    if (l.label === null) unlabelled++;
    else {
      labelled++;
      positives += l.label;
      for (let m = 0; m < models.length; m++) evaluator.score(m, l.label, r.votes[m] === 1, r.probabilities[m]);
      evaluator.score(ensembleIndex, l.label, r.ensembleScaleUp, r.ensembleScore);
      const now = r.p95LatencyMs !== null && r.p95LatencyMs > label.sloMs;
      evaluator.score(persistenceIndex, l.label, now, now ? 1 : 0);
    }
    config.onRow?.(r);
  };

  for await (const run of runs) {
    runCount++;
    const extractor = new FeatureExtractor(featureSet, run.runId, { pollIntervalMs });
    const labeler = new Labeler<ReplayRow>(label, { pollIntervalMs });
    const policyState = new Map<string, ServiceScalingState>();
    const ready: Labelled<ReplayRow>[] = [];

    // One Vote per model, overwritten row after row: verdictFrom, the strategies and the policy keep no
    // vote past the row's decision, and a replay casts millions of them.
    const cast: Vote[] = models.map((m) => voteFrom(m, 0, '', '', ''));
    let lastTimestamp: string | undefined;
    let snap = '';
    /** One row's votes and verdict, waiting for its decision. */
    interface Voted {
      s: MetricsSample;
      verdict: EnsembleVerdict;
      probabilities: number[];
      votes: (0 | 1)[];
      flags: number;
      features: Float32Array;
    }
    // A policy that attributes across services (ScalingPolicy.attribution) decides whole polls: the run's
    // rows wait here by poll (timestamp) and are decided at its end, poll after poll in time order, since
    // a recording may list a poll's services far apart (some bundled ones are sorted by service). Other
    // policies decide row by row.
    const wholePolls = policy.attribution !== undefined;
    const polls = new Map<string, Voted[]>();
    // A recording in poll order (as collect writes it: every service of a poll, then the next poll) has each
    // poll decided as soon as the next begins, in constant memory, however long the run. One whose first
    // two rows are of different polls (listed service by service) is held whole and decided at its end.
    let pollOrder: boolean | undefined; // settled by the run's second row
    let firstTimestamp: string | undefined;
    let latestMs = -Infinity;
    /** Decides and labels one row, the policy deciding on `decideOn` (the row's verdict, or its attribution). */
    const decideRow = (v: Voted, decideOn: EnsembleVerdict) => {
      const { s, verdict } = v;
      let flags = v.flags;
      const own = policyOf(s.service);
      const state = policyState.get(s.service) ?? own.initialState(config.initialReplicas);
      const { decision, state: next } = own.decide(decideOn, s.timeMs, state, s);
      policyState.set(s.service, next);
      decisions[decision.decision]++;
      if (decision.degraded) degradedDecisions++;
      const violatingNow = s.p95LatencyMs !== null && s.p95LatencyMs > label.sloMs;
      if (verdict.scaleUp) flags |= 1 << ensembleIndex;
      if (violatingNow) flags |= 1 << persistenceIndex;
      evaluator.observe(s.service, s.timeMs, violatingNow, flags);
      const row: ReplayRow = {
        runId: run.runId,
        pattern: run.pattern,
        timestamp: s.timestamp,
        service: s.service,
        features: v.features,
        probabilities: v.probabilities,
        votes: v.votes,
        ensembleScore: verdict.score,
        ensembleScaleUp: verdict.scaleUp,
        decision: decision.decision,
        targetReplicas: decision.targetReplicas ?? next.replicas,
        p95LatencyMs: s.p95LatencyMs,
        label: null,
      };
      if (labelSource === 'column') {
        if (s.slaViolated === null) throw new SchemaError(`run ${run.runId}: --labels column needs an sla_violated value, ${s.service} at ${s.timestamp} has none`);
        ready.push({ item: row, label: s.slaViolated });
      } else labeler.push(s.service, s.p95LatencyMs, row, ready, s.timeMs);
      for (const l of ready) score(l);
      ready.length = 0;
    };
    const decidePolls = () => {
      for (const poll of [...polls.values()].sort((a, b) => a[0].s.timeMs - b[0].s.timeMs)) {
        const entries = poll.map((v) => ({ verdict: v.verdict, observation: v.s, replicas: (policyState.get(v.s.service) ?? policyOf(v.s.service).initialState(config.initialReplicas)).replicas }));
        const attributed = verdictsForPoll(policy, entries);
        poll.forEach((v, i) => decideRow(v, attributed[i]));
      }
      polls.clear();
    };
    /** Votes, decides and labels one featurised batch once its probabilities are in. */
    const finish = (batch: MetricsSample[], matrix: Float32Array, probs: Float32Array[]) => {
      for (let i = 0; i < batch.length; i++) {
        const s = batch[i];
        // The services of one poll arrive together and share its snapshot id.
        if (s.timestamp !== lastTimestamp) {
          lastTimestamp = s.timestamp;
          snap = snapshotId(run.runId, s.timestamp);
        }
        const probabilities: number[] = new Array(models.length);
        const votes: (0 | 1)[] = new Array(models.length);
        let flags = 0;
        for (let m = 0; m < models.length; m++) {
          const vote = voteInto(cast[m], models[m], probs[m][i], snap, s.service, s.timestamp);
          probabilities[m] = vote.violationProbability;
          votes[m] = vote.prediction;
          flags |= vote.prediction << m;
        }
        // Every model's vote for this row is in hand, so the verdict is taken at once with the function
        // the live VoteAggregator calls when a (service, snapshot) completes. A verdict that waits for its
        // poll gets its own copy of the votes, which `cast` overwrites on the next row.
        const verdict = verdictFrom(wholePolls ? cast.map((v) => ({ ...v })) : cast, strategy, modelNames, { snapshotId: snap, service: s.service, timestamp: s.timestamp }, s);
        const voted: Voted = { s, verdict, probabilities, votes, flags, features: config.onRow ? matrix.slice(i * width, (i + 1) * width) : EMPTY };
        if (!wholePolls) {
          decideRow(voted, verdict);
          continue;
        }
        if (firstTimestamp === undefined) firstTimestamp = s.timestamp;
        else pollOrder ??= s.timestamp === firstTimestamp; // the second row: of the first poll, or already of another
        const poll = polls.get(s.timestamp);
        if (poll) poll.push(voted);
        else {
          if (pollOrder) {
            if (s.timeMs < latestMs) {
              throw new SchemaError(
                `run ${run.runId}: ${s.service}'s poll at ${s.timestamp} comes after a later poll; callee attribution decides each poll when the next begins, ` +
                  `so a recording that starts in poll order must stay in it (sort it by timestamp, as collect writes it)`,
              );
            }
            decidePolls(); // every earlier poll is whole
          }
          latestMs = Math.max(latestMs, s.timeMs);
          polls.set(s.timestamp, [voted]);
        }
      }
    };

    // Up to INFLIGHT batches are being scored by the models while the next one is read and featurised.
    const inflight: { batch: MetricsSample[]; matrix: Float32Array; probs: Promise<Float32Array[]> }[] = [];
    for await (const batch of run.samples) {
      // Shared memory: the three model workers read this one batch without three structured-clone copies.
      const matrix = new Float32Array(new SharedArrayBuffer(batch.length * width * Float32Array.BYTES_PER_ELEMENT));
      for (let i = 0; i < batch.length; i++) extractor.extractInto(batch[i], matrix, i);
      inflight.push({ batch, matrix, probs: Promise.all(models.map((m) => m.predictBatch(matrix, batch.length))) });
      if (inflight.length > INFLIGHT) {
        const done = inflight.shift()!;
        finish(done.batch, done.matrix, await done.probs);
      }
      rowsRead += batch.length;
      config.onProgress?.(rowsRead);
    }
    for (const done of inflight) finish(done.batch, done.matrix, await done.probs);
    decidePolls();
    for (const l of labeler.finish()) score(l);
    evaluator.endRun();
    imputedInputs += extractor.imputedInputs;
    gaps += extractor.gaps;
    gapUnlabelled += labeler.gapUnlabelled;
  }

  const evaluation = evaluator.summary();
  const models_: Record<string, BinaryMetricsSummary> = {};
  for (const n of modelNames) models_[n] = evaluation.predictors[n];
  return {
    runs: runCount,
    rows: rowsRead,
    labelled,
    positives,
    unlabelled,
    imputedInputs,
    gaps,
    gapUnlabelled,
    featureSet: featureSet.id,
    strategy: strategy.name,
    label: { ...label, source: labelSource },
    models: models_,
    ensemble: evaluation.predictors[ENSEMBLE],
    persistence: evaluation.predictors[PERSISTENCE],
    episodes: evaluation.episodes,
    matchedRecall: evaluator.matchedRecall(PERSISTENCE, [...modelNames, ENSEMBLE]),
    prCurves: evaluator.prCurves([...modelNames, ENSEMBLE]),
    decisions,
    degradedDecisions,
  };
}

const EMPTY = new Float32Array(0);
/** Batches in flight: two keep worker-thread models busy while the main thread reads the next. */
const INFLIGHT = 2;
