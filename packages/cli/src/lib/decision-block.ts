import type { EnsembleVerdict, ScalingDecision } from '@sockml/core';
import { chalk } from './report.js';

const pct = (x: number) => `${(x * 100).toFixed(1)} %`;

/** A decision as the scaler prints it: each model's vote, then the decision and why. */
export function decisionBlock(verdict: EnsembleVerdict, d: ScalingDecision): string {
  const head = `${chalk.bold(d.service)} @ ${d.timestamp}  [${d.strategy}]${d.degraded ? chalk.yellow('  degraded') : ''}`;
  const votes = verdict.votes.map((v) => `  ${v.model.padEnd(20)} ${v.prediction ? 'SCALE UP ' : 'NO ACTION'}  (confidence ${pct(v.confidence)})`);
  const colour = d.decision === 'SCALE_UP' ? chalk.red : d.decision === 'SCALE_DOWN' ? chalk.green : (s: string) => s;
  const tail = `  DECISION: ${colour(d.decision)} → ${d.targetReplicas} replicas; votes ${d.scaleUpVotes} scale up, ${d.noActionVotes} no action (${d.totalVotes} total); average confidence ${pct(d.confidence)}; ${d.reason ?? ''}`;
  return [head, ...votes, tail].join('\n');
}
