import { samplesFromSeries } from '../../collect/poll-samples.js';
import { PollLabeler } from '../../collect/poll-labeler.js';
import { FeatureExtractor, snapshotId } from '../../features/feature-extractor.js';
import type { FeatureSet } from '../../features/feature-set.js';
import type { LabelDefinition, Labelled } from '../../labels/labeler.js';
import { voteFrom, type Model } from '../../models/model-runner.js';
import { checkServicePolicies, policyForService, verdictsForPoll, type ScalingPolicy, type ServiceScalingState } from '../../policy/scaling-policy.js';
import { formatDecisionMessage, formatMetricsRow, metricsCsvHeader, type MetricsSample } from '../../schema.js';
import { verdictFrom } from '../../voting/vote-aggregator.js';
import type { VoteStrategy } from '../../voting/vote-strategy.js';
import type { LabCluster } from '../lab-cluster.js';
import type { LabController, LabScalingAction } from '../lab-controller.js';

export interface ProactiveControllerOptions {
  featureSet: FeatureSet<any>;
  models: readonly Model[];
  strategy: VoteStrategy;
  policy: ScalingPolicy;
  /** Services with a policy of their own (a config file's per-service bounds and settings), as the live scaler takes them. */
  policies?: Readonly<Record<string, ScalingPolicy>>;
  /** collect's --interval: one sample per service every pollIntervalMs. */
  pollIntervalMs: number;
  /** collect's --rate-window (2 polls, as `experiment run` gives it). */
  rateWindowMs: number;
  /** The label the metrics CSV carries (collect --slo, the models' lookahead). */
  label: LabelDefinition;
  /** The run's id in snapshot ids, as collect's `--run-id` names a live run. */
  runId: string;
  /** Virtual time 0 as epoch ms: the timestamps of samples and decisions. */
  epochMs: number;
  /** Replicas every service starts with (the scaler reads them from the target before its first decision). */
  initialReplicas: number;
}

/**
 * The proactive condition: sockml's decision path, in one process and virtual time, as `collect → serve-model
 * × N → scale` run it live. Every poll interval: collect's sample per service (samplesFromSeries on collect's
 * queries, computed from the cluster's counters) → FeatureExtractor → every model → verdictFrom (the
 * VoteAggregator's verdict, all votes in) → the ScalingPolicy, one state per service → the cluster's replicas
 * when the target changes. It keeps what the live pipeline leaves behind: collect's labelled metrics CSV and
 * the scaler's decisions, one JSON line each (`scale --out`), so `sockml replay` can be held to the same
 * decisions.
 *
 * Decisions act at the poll's time: the live pipeline takes ~20–50 ms from poll to actuation and its
 * Prometheus lags by a scrape; neither is modelled.
 */
export class ProactiveController implements LabController {
  private next: number;
  private slot = 0;
  private readonly extractor: FeatureExtractor;
  private readonly labeler: PollLabeler<number>;
  private readonly states = new Map<string, ServiceScalingState>();
  private readonly previous = new Map<string, MetricsSample>();
  private readonly rows: { sample: MetricsSample; previous?: MetricsSample }[] = [];
  readonly decisions: string[] = [];

  constructor(readonly o: ProactiveControllerOptions) {
    this.next = o.pollIntervalMs;
    this.extractor = new FeatureExtractor(o.featureSet, o.runId, { pollIntervalMs: o.pollIntervalMs });
    this.labeler = new PollLabeler(o.label);
    checkServicePolicies(o.policy, o.policies ?? {});
  }

  private policyOf(service: string): ScalingPolicy {
    return policyForService(this.o.policy, this.o.policies ?? {}, service);
  }

  nextAtMs(): number {
    return this.next;
  }

  async fire(nowMs: number, cluster: LabCluster): Promise<LabScalingAction[]> {
    this.next = nowMs + this.o.pollIntervalMs;
    const poll = samplesFromSeries({ slot: this.slot++, timeMs: this.o.epochMs + nowMs }, cluster.collectSeries(nowMs, this.o.rateWindowMs));
    const samples = poll.samples;
    this.record(samples);
    if (samples.length === 0) return [];

    const width = this.o.featureSet.names.length;
    const matrix = new Float32Array(samples.length * width);
    samples.forEach((s, i) => this.extractor.extractInto(s, matrix, i));
    const probs = await Promise.all(this.o.models.map((m) => m.predictBatch(matrix, samples.length)));
    const modelNames = this.o.models.map((m) => m.name);
    const snap = snapshotId(this.o.runId, poll.timestamp);

    const actions: LabScalingAction[] = [];
    const asked = cluster.replicas(nowMs);
    const states = samples.map((s) => this.states.get(s.service) ?? this.policyOf(s.service).initialState(this.o.initialReplicas));
    const verdicts = verdictsForPoll(
      this.o.policy,
      samples.map((s, i) => ({
        verdict: verdictFrom(
          this.o.models.map((m, j) => voteFrom(m, probs[j][i], snap, s.service, s.timestamp)),
          this.o.strategy,
          modelNames,
          { snapshotId: snap, service: s.service, timestamp: s.timestamp },
          s,
        ),
        observation: s,
        replicas: states[i].replicas,
      })),
    );
    samples.forEach((s, i) => {
      const { decision, state: after } = this.policyOf(s.service).decide(verdicts[i], s.timeMs, states[i], s);
      this.states.set(s.service, after);
      this.decisions.push(JSON.stringify(formatDecisionMessage(decision)));
      const from = asked[s.service]?.asked;
      const to = decision.targetReplicas;
      // Every scaling decision is asked for, even of the count that already runs: live, `scale` posts each
      // one (HttpActuator), and under an HPA floor the count that runs may be the HPA's, which the HPA takes
      // back later unless sockml's ask was recorded (ReplicaFloor). Skipping equal asks here once let the HPA
      // scale orders below sockml's minimum of two in the lab, never live.
      if (decision.decision !== 'NO_ACTION' && to !== undefined && from !== undefined) {
        cluster.setReplicas(s.service, to, nowMs);
        if (to !== from) actions.push({ atMs: nowMs, service: s.service, from, to });
      }
    });
    return actions;
  }

  /** Collect's CSV rows for this poll; their labels are filled in as they become known (PollLabeler). */
  private record(samples: readonly MetricsSample[]): void {
    const rows = samples.map((sample) => {
      const at = this.rows.push({ sample, previous: this.previous.get(sample.service) }) - 1;
      this.previous.set(sample.service, sample);
      return { service: sample.service, p95Ms: sample.p95LatencyMs, item: at };
    });
    this.label(this.labeler.poll(rows));
  }

  private label(labelled: readonly Labelled<number>[]): void {
    for (const l of labelled) this.rows[l.item].sample = { ...this.rows[l.item].sample, slaViolated: l.label };
  }

  /** collect's metrics CSV of the run; rows whose future the run did not reach stay unlabelled, as at collect's end. */
  metricsCsv(): string {
    this.label(this.labeler.finish());
    return [metricsCsvHeader(), ...this.rows.map((r) => formatMetricsRow(r.sample, r.previous))].join('\n') + '\n';
  }
}
