import type { FeatureSet } from '../feature-set.js';
import { trendV3 } from './trend-v3.js';

/**
 * The services trend-v4 knows by name, in column order. Its own frozen list, not the emulator's
 * SOCKSHOP_SERVICES: a service added there must not change what trend-v4 computes (ids are never reused).
 */
const SERVICES = ['front-end', 'carts', 'orders', 'catalogue', 'user', 'payment', 'shipping'] as const;

/**
 * trend-v3 plus which service the poll is from, one-hot over Sock Shop's seven (all 0 for any other).
 * The same rate or p95 means different things for different services: how much load a service takes
 * before its latency climbs is its own. seed-v1 and trend-v1 let trees tell services apart only through
 * `memory_usage_mb`, a fingerprint that differs between clusters and JVM settings; the name does not.
 */
export const trendV4: FeatureSet<ReturnType<typeof trendV3.initialState>> = {
  id: 'trend-v4',
  description: 'trend-v3 + the service, one-hot over Sock Shop’s seven services',
  names: [...trendV3.names, ...SERVICES.map((s) => `service_${s.replace('-', '_')}`)],
  initialState: () => trendV3.initialState(),
  compute(sample, state, out, o) {
    const imputed = trendV3.compute(sample, state, out, o);
    const k = o + trendV3.names.length;
    for (let i = 0; i < SERVICES.length; i++) out[k + i] = sample.service === SERVICES[i] ? 1 : 0;
    return imputed;
  },
};
