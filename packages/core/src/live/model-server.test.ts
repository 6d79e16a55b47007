import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FeatureExtractor } from '../features/feature-extractor.js';
import { loadModelDirectory } from '../models/model-directory.js';
import { formatMetricsMessage, type MetricsSample } from '../schema.js';
import { ModelServer } from './model-server.js';

const MODELS = resolve(__dirname, '../../../../models');

function sample(i: number, service: string, p95: number | null): MetricsSample {
  const t = Date.UTC(2026, 3, 8) + i * 30_000;
  return { timestamp: new Date(t).toISOString(), timeMs: t, service, requestRateRps: 5 + i, errorRatePct: 0, p50LatencyMs: p95 && p95 / 3, p95LatencyMs: p95, p99LatencyMs: p95 && p95 * 1.2, cpuUsagePct: 20 + i, memoryUsageMb: 300, slaViolated: null };
}

describe('ModelServer', () => {
  it('votes on valid messages exactly as the model scores them, and rejects malformed ones with reasons', async () => {
    const { featureSet, models } = await loadModelDirectory(MODELS, { only: ['xgboost'] });
    const model = models[0];
    const x = new FeatureExtractor(featureSet, 'run');
    const vectors = [sample(0, 'carts', 20), sample(1, 'carts', 45), sample(2, 'carts', null)].map((s) => x.extract(s));
    const good = vectors.map((v, i) => ({ value: JSON.stringify(formatMetricsMessage(v, featureSet.names)), where: `metrics[0]@${i}` }));
    const bad = [
      { value: 'not json', where: 'metrics[0]@10' },
      { value: JSON.stringify({ timestamp: 't', service: 'carts', features: {} }), where: 'metrics[0]@11' },
      { value: null, where: 'metrics[0]@12' },
      { value: JSON.stringify({ ...formatMetricsMessage(vectors[0], featureSet.names), feature_set: 'other-v9' }), where: 'metrics[0]@13' },
      // Finite as a double, Infinity as the model's float32 input.
      { value: JSON.stringify(formatMetricsMessage({ ...vectors[0], values: Array.from(vectors[0].values, (v, i) => (i === 0 ? 1e308 : v)) }, featureSet.names)), where: 'metrics[0]@14' },
    ];
    const server = new ModelServer(model, featureSet);
    const { votes, rejected } = await server.handle([good[0], bad[0], good[1], bad[1], bad[2], good[2], bad[3], bad[4]]);
    const direct = await model.predictBatch(new Float32Array(vectors.flatMap((v) => Array.from(v.values))), 3);
    expect(votes.map((v) => v.violationProbability)).toEqual(Array.from(direct));
    expect(votes.map((v) => v.prediction)).toEqual(Array.from(direct).map((p) => (p >= model.threshold ? 1 : 0)));
    expect(votes[1]).toMatchObject({ service: 'carts', snapshotId: vectors[1].snapshotId, model: 'xgboost', modelVersion: model.version });
    expect(rejected.map((r) => r.reason)).toEqual([
      'metrics[0]@10: message is not JSON',
      expect.stringMatching(/^metrics\[0\]@11: field 'request_rate_rps' must be a number/),
      'metrics[0]@12: message has no value',
      `metrics[0]@13: feature set 'other-v9' does not match the model's '${featureSet.id}'`,
      expect.stringMatching(/^metrics\[0\]@14: field 'request_rate_rps' must be a number in \[-3\.4028234663852886e\+38, 3\.4028234663852886e\+38\], got 1e\+308/),
    ]);
    await model.close();
  });
});
