import type { FeatureSet } from './feature-set.js';
import { seedV1 } from './sets/seed-v1.js';
import { trendV1 } from './sets/trend-v1.js';
import { trendV2 } from './sets/trend-v2.js';
import { trendV3 } from './sets/trend-v3.js';
import { trendV4 } from './sets/trend-v4.js';

const SETS: readonly FeatureSet<any>[] = [seedV1, trendV1, trendV2, trendV3, trendV4];

export const FEATURE_SET_IDS = SETS.map((s) => s.id);

export function featureSet(id: string): FeatureSet<any> {
  const set = SETS.find((s) => s.id === id);
  if (!set) throw new Error(`unknown feature set '${id}' (known: ${FEATURE_SET_IDS.join(', ')})`);
  return set;
}
