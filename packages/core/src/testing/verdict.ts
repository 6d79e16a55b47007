import type { EnsembleVerdict } from '../voting/vote-aggregator.js';

/** For tests: a complete three-vote majority verdict on `service`, "violation" or "calm". */
export function testVerdict(service: string, scaleUp: boolean): EnsembleVerdict {
  return {
    snapshotId: 's',
    service,
    timestamp: 't',
    strategy: 'majority',
    votes: [],
    scaleUp,
    score: scaleUp ? 1 : 0,
    scaleUpVotes: scaleUp ? 3 : 0,
    noActionVotes: scaleUp ? 0 : 3,
    totalVotes: 3,
    confidence: 0.9,
    degraded: false,
    missingModels: [],
  };
}
