import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { featureSet } from '../features/registry.js';
import { seedV1 } from '../features/sets/seed-v1.js';
import { loadModelDirectory } from './model-directory.js';
import { ModelCardError } from './model-card.js';
import { ModelRunner, voteFrom } from './model-runner.js';

const MODELS = resolve(__dirname, '../../../../models');
const NAMES = ['logistic_regression', 'random_forest', 'xgboost'];

/** A scratch copy of a bundled model whose card can be edited. */
function copyModel(name: string, edit?: (card: any) => void): string {
  const dir = mkdtempSync(join(tmpdir(), 'sockml-model-'));
  copyFileSync(join(MODELS, `${name}.onnx`), join(dir, `${name}.onnx`));
  const card = JSON.parse(readFileSync(join(MODELS, `${name}.card.json`), 'utf8'));
  edit?.(card);
  writeFileSync(join(dir, `${name}.card.json`), JSON.stringify(card));
  return join(dir, `${name}.onnx`);
}

describe('ModelRunner with the bundled models', () => {
  it('loads all three, with the feature set their cards name', async () => {
    const { featureSet: set, models } = await loadModelDirectory(MODELS);
    expect(models.map((m) => m.name)).toEqual(NAMES);
    for (const m of models) {
      expect(m.card.featureSet).toBe(set.id);
      expect(m.card.features).toEqual(set.names);
      expect(m.threshold).toBeGreaterThan(0);
      expect(m.threshold).toBeLessThan(1);
      await m.close();
    }
  });

  it('returns one probability in [0, 1] per row, batched', async () => {
    const { featureSet: set, models } = await loadModelDirectory(MODELS);
    const rows = 1000;
    const x = new Float32Array(rows * set.names.length).map((_, i) => (i * 7919) % 97); // arbitrary finite inputs
    for (const m of models) {
      const p = await m.predictBatch(x, rows);
      expect(p.length).toBe(rows);
      expect(p.every((v) => v >= 0 && v <= 1)).toBe(true);
      const single = await m.predictBatch(x.subarray(5 * set.names.length, 6 * set.names.length), 1);
      expect(single[0]).toBeCloseTo(p[5], 6);
      await m.close();
    }
  });

  it('refuses a model whose card names another feature set', async () => {
    const path = copyModel('xgboost');
    const other = featureSet(JSON.parse(readFileSync(join(MODELS, 'xgboost.card.json'), 'utf8')).featureSet === 'seed-v1' ? 'trend-v1' : 'seed-v1');
    await expect(ModelRunner.load(path, other)).rejects.toThrow(/model 'xgboost' was trained on feature set '.*', but '.*' is in use/);
  });

  it('refuses a card whose feature order differs from the feature set', async () => {
    const card = JSON.parse(readFileSync(join(MODELS, 'xgboost.card.json'), 'utf8'));
    const path = copyModel('xgboost', (c) => ([c.features[0], c.features[1]] = [c.features[1], c.features[0]]));
    await expect(ModelRunner.load(path, featureSet(card.featureSet))).rejects.toThrow(/lists features \[error_rate_pct, request_rate_rps/);
  });

  it.each([
    ['a threshold outside (0, 1)', (c: any) => (c.threshold = 1.5), /field 'threshold' must be a number in \(0, 1\)/],
    ['an unknown output tensor', (c: any) => (c.onnx.probabilities = 'zipmap'), /the card names output 'zipmap' but the model has/],
    ['no label definition', (c: any) => delete c.label, /field 'label'/],
    // Its votes would be counted and weighted as another model's.
    ['another model\'s name', (c: any) => (c.name = 'random_forest'), /xgboost\.card\.json: the card names model 'random_forest' but the file is 'xgboost'/],
    ['a calibration that reverses the ranking', (c: any) => (c.calibration = { method: 'platt', a: -1, b: 0 }), /calibration\.a must be a number > 0/],
    ['a calibration of another kind', (c: any) => (c.calibration = { method: 'isotonic' }), /field 'calibration' must be \{"method": "platt"/],
    ['an ensemble threshold of 1', (c: any) => (c.ensemble = { members: ['xgboost'], weighted: { threshold: 1 }, stacked: { intercept: 0, coefficients: {}, threshold: 0.5 } }), /field 'ensemble\.weighted\.threshold' must be a number in \(0, 1\)/],
    ['a negative stacking coefficient', (c: any) => (c.ensemble = { members: ['xgboost'], weighted: { threshold: 0.5 }, stacked: { intercept: 0, coefficients: { xgboost: -1 }, threshold: 0.5 } }), /field 'ensemble\.stacked\.coefficients' must be an object of numbers ≥ 0/],
  ])('refuses a card with %s', async (_what, edit, message) => {
    const card = JSON.parse(readFileSync(join(MODELS, 'xgboost.card.json'), 'utf8'));
    await expect(ModelRunner.load(copyModel('xgboost', edit), featureSet(card.featureSet))).rejects.toThrow(message);
  });

  it('refuses a directory in which one card carries another model\'s name', async () => {
    const path = copyModel('xgboost', (c) => (c.name = 'random_forest'));
    const dir = join(path, '..');
    await expect(loadModelDirectory(dir)).rejects.toThrow(ModelCardError);
    await expect(loadModelDirectory(dir)).rejects.toThrow(/the card names model 'random_forest' but the file is 'xgboost'/);
  });

  it('refuses a model without a card', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockml-model-'));
    copyFileSync(join(MODELS, 'xgboost.onnx'), join(dir, 'm.onnx'));
    await expect(ModelRunner.load(join(dir, 'm.onnx'), seedV1)).rejects.toThrow(/m\.card\.json: model card not found/);
  });
});

describe('voteFrom', () => {
  it.each([
    [0.7, 0.5, 1, 0.7],
    [0.3, 0.5, 0, 0.7],
    [0.3, 0.25, 1, 0.3], // threshold below 0.5: a vote for violation with the probability it gives it
    [0.25, 0.25, 1, 0.25],
  ])('p=%f threshold=%f → prediction %i, confidence %f', (p, threshold, prediction, confidence) => {
    const v = voteFrom({ name: 'm', version: '1', threshold }, p, 's', 'carts', 't');
    expect(v.prediction).toBe(prediction);
    expect(v.confidence).toBeCloseTo(confidence, 12);
  });
});
