import type { VoteStrategy } from '../vote-strategy.js';

/** More scale-up votes than no-action votes wins; a tie is NO ACTION (the conservative choice). */
export const majorityStrategy: VoteStrategy = {
  name: 'majority',
  decide(votes) {
    let up = 0;
    for (const v of votes) up += v.prediction;
    const down = votes.length - up;
    return { scaleUp: up > down, score: votes.length === 0 ? 0 : up / votes.length };
  },
};
