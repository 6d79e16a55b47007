import type { VoteStrategy } from '../vote-strategy.js';

/** What the regime strategy needs (models/train.py writes it into every card as `regime`). */
export interface RegimeOptions {
  /** The SLO on p95, ms: a poll over it is "hot". The models' label's SLO (the cards' `label.sloMs`). */
  sloMs: number;
  /** The model whose probability decides calm polls. */
  model: string;
  /** A calm poll with latency data is a violation ahead when that model's probability is ≥ this. */
  calmThreshold: number;
}

/**
 * Splits polls by regime instead of letting the models vote on every one (issue 11; the study in
 * experiments/2026-12-07-two-stage):
 *
 * - **hot** (the poll's p95 is over the SLO): a violation ahead, score 1. Persistence is right there more
 *   often than any model (its precision on the training runs' folds is 0.82), so the models are not asked;
 * - **calm with latency data**: one model's probability against a threshold chosen on calm polls only
 *   (the cut that suits every row is far too low or high for the onsets, which are what this stage is for);
 * - **no latency data** (p95 missing: an idle or flickering low-traffic series): no alarm, score 0. Trained
 *   on all rows, the models learned "no data now ⇒ violation soon" from flickering series, and a third of
 *   the calm positives are such polls; acting on them buys replicas for services that see no traffic.
 *
 * It needs the poll's measurements: replay and the lab pass them, the live scaler reads them from the votes
 * (serve-model passes on each metrics message's `observed`). Without them there is no regime to read, and
 * the verdict is no alarm. Without the calm model's vote (a degraded verdict), calm polls raise none either.
 */
export function regimeStrategy(options: RegimeOptions): VoteStrategy {
  const { sloMs, model, calmThreshold } = options;
  if (!(sloMs > 0) || !Number.isFinite(sloMs)) throw new Error(`regime strategy: sloMs must be a positive number, got ${sloMs}`);
  if (typeof model !== 'string' || model === '') throw new Error(`regime strategy: model must name a model, got ${JSON.stringify(model)}`);
  if (!(calmThreshold > 0 && calmThreshold < 1)) throw new Error(`regime strategy: calmThreshold must be in (0, 1), got ${calmThreshold}`);
  return {
    name: 'regime',
    decide(votes, observation) {
      const p95 = observation?.p95LatencyMs ?? null;
      if (p95 === null) return { scaleUp: false, score: 0 };
      if (p95 > sloMs) return { scaleUp: true, score: 1 };
      const vote = votes.find((v) => v.model === model);
      if (!vote) return { scaleUp: false, score: 0 };
      return { scaleUp: vote.violationProbability >= calmThreshold, score: vote.violationProbability };
    },
  };
}
