import { createReadStream, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildDataset } from '../features/dataset.js';
import { readMetricsCsv } from '../io/metrics-csv-reader.js';
import { describeRecording } from '../runs.js';
import { loadModelDirectory } from './model-directory.js';

const REPO = resolve(__dirname, '../../../..');
const MODELS = join(REPO, 'models');

/**
 * Parity: on every training row, onnxruntime-node's probabilities equal the Python models'
 * predict_proba (written by models/train.py to models/parity.csv) within 1e-5. The rows are rebuilt
 * here from the fixtures with the core's own dataset builder, as `sockml train` builds them.
 */
describe('ONNX parity with the Python models', () => {
  it('matches predict_proba within 1e-5 on every training row', async () => {
    const parityText = readFileSync(join(MODELS, 'parity.csv'), 'utf8').trim().split('\n');
    const header = parityText[0].split(',');
    const { featureSet, models } = await loadModelDirectory(MODELS);
    const card = models[0].card;
    const expected = new Map<string, number[]>();
    for (const line of parityText.slice(1)) {
      const cells = line.split(',');
      expected.set(`${cells[0]}|${cells[1]}|${cells[2]}`, models.map((m) => Number(cells[header.indexOf(m.name)])));
    }
    const files = (card.training as { files: { path: string }[] }).files.map((f) => f.path);
    const runs = files.map((f) => ({ ...describeRecording(join(REPO, f), REPO), samples: readMetricsCsv(createReadStream(join(REPO, f)), f) }));
    const rows: { key: string; features: Float32Array }[] = [];
    for await (const r of buildDataset(runs, featureSet, card.label)) {
      const key = `${r.runId}|${r.service}|${r.timestamp}`;
      if (expected.has(key)) rows.push({ key, features: r.features });
    }
    expect(rows.length).toBe(expected.size);
    const width = featureSet.names.length;
    const matrix = new Float32Array(rows.length * width);
    rows.forEach((r, i) => matrix.set(r.features, i * width));
    for (const [m, model] of models.entries()) {
      const p = await model.predictBatch(matrix, rows.length);
      let worst = 0;
      rows.forEach((r, i) => (worst = Math.max(worst, Math.abs(p[i] - expected.get(r.key)![m]))));
      expect(worst, `${model.name}: largest |onnx - python|`).toBeLessThan(1e-5);
      await model.close();
    }
  });
});
