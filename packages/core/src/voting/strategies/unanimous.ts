import type { VoteStrategy } from '../vote-strategy.js';

/** Scale up only when every vote counted says so (and there is at least one). */
export const unanimousStrategy: VoteStrategy = {
  name: 'unanimous',
  decide(votes) {
    let up = 0;
    for (const v of votes) up += v.prediction;
    return { scaleUp: votes.length > 0 && up === votes.length, score: votes.length === 0 ? 0 : up / votes.length };
  },
};
