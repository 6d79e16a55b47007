import type { FeatureSet } from '../feature-set.js';
import { trendV1 } from './trend-v1.js';

/** trend-v1's columns that trend-v2 keeps, in order. */
const KEPT = trendV1.names.filter((n) => n !== 'memory_usage_mb');
const INDEX = KEPT.map((n) => trendV1.names.indexOf(n));

/**
 * trend-v1 without `memory_usage_mb`. A service's resident memory is nearly constant and different for
 * every service, so trees can use it to recognise *which* service a row is (a JVM's 300 MB is orders or
 * shipping) and carry that service's history of violations over to polls where it has no traffic at all.
 * Without it, the model has to judge a poll by load and latency, as an unseen service would need.
 */
export const trendV2: FeatureSet<{ inner: ReturnType<typeof trendV1.initialState>; scratch: Float32Array }> = {
  id: 'trend-v2',
  description: 'trend-v1 without memory_usage_mb (a per-service fingerprint, not a load signal)',
  names: KEPT,
  initialState: () => ({ inner: trendV1.initialState(), scratch: new Float32Array(trendV1.names.length) }),
  compute(sample, state, out, o) {
    const imputed = trendV1.compute(sample, state.inner, state.scratch, 0);
    for (let i = 0; i < INDEX.length; i++) out[o + i] = state.scratch[INDEX[i]];
    return imputed;
  },
};
