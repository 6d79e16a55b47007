#!/usr/bin/env node
// Replay benchmark: end-to-end rows/s and peak RSS of `sockml replay` on ≥ 1 M rows built from the
// fixtures, beside the raw onnxruntime batch throughput of the same three models (the ceiling) and the
// obvious Python alternative (pandas read_csv + vectorised predict_proba of the same trained models).
//
//   node bench/replay-bench.mjs [--rows 1000000] [--no-python]
//
// Results go to stdout as a Markdown table (paste into docs/BENCHMARKS.md) and bench/out/results.json.
import { spawnSync } from 'node:child_process';
import { createReadStream, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { FeatureExtractor, loadModelDirectory, readMetricsCsv } from '@sockml/core';
import { buildInput, endToEnd, OUT, ROOT } from './replay-input.mjs';

const args = process.argv.slice(2);
const rowsWanted = Number(args[args.indexOf('--rows') + 1] || 1_000_000) || 1_000_000;
const withPython = !args.includes('--no-python');
mkdirSync(OUT, { recursive: true });

/**
 * The ceiling: the same models on the same rows with features precomputed in memory, in batches as
 * replay sends them, in both configurations (all models in this thread with onnxruntime's own thread
 * pool; one worker thread per model, as replay runs them). Every batch is queued at once, so the
 * models never wait for input.
 */
async function rawOnnx(input, modelsDir, batch = 4096) {
  const probe = await loadModelDirectory(modelsDir);
  const x = new FeatureExtractor(probe.featureSet, 'bench');
  const width = probe.featureSet.names.length;
  await Promise.all(probe.models.map((m) => m.close()));
  const batches = [];
  for await (const samples of readMetricsCsv(createReadStream(input, { highWaterMark: 1 << 20 }), input, { batchSize: batch })) {
    const m = new Float32Array(samples.length * width);
    samples.forEach((s, i) => x.extractInto(s, m, i));
    batches.push([m, samples.length]);
  }
  const rows = batches.reduce((n, [, r]) => n + r, 0);
  const time = async (options) => {
    const { models } = await loadModelDirectory(modelsDir, options);
    const started = performance.now();
    await Promise.all(batches.flatMap(([m, r]) => models.map((model) => model.predictBatch(m, r))));
    const seconds = (performance.now() - started) / 1000;
    await Promise.all(models.map((m) => m.close()));
    return { rows, seconds, rowsPerSecond: rows / seconds };
  };
  const inThread = await time({});
  const workers = await time({ workerThreads: true });
  return { inThread, workers, best: workers.rowsPerSecond > inThread.rowsPerSecond ? workers : inThread };
}

function python(input, modelsDir) {
  const py = existsSync(join(ROOT, '.venv/bin/python')) ? join(ROOT, '.venv/bin/python') : 'python3';
  const r = spawnSync(py, [join(ROOT, 'bench/python_alternative.py'), input, modelsDir], { cwd: ROOT, encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`python alternative failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

/**
 * The same three trained models for both sides: retrain (deterministic) with native copies kept for Python.
 * The nested report only measures the procedure (minutes) and changes no model, so it is skipped here.
 */
function benchModels() {
  const dir = join(OUT, 'models');
  if (!existsSync(join(dir, 'native'))) {
    const r = spawnSync(process.execPath, [join(ROOT, 'packages/cli/bin/run.js'), 'train', '--out-dir', dir, '--save-native', '--no-nested-report'], { cwd: ROOT, stdio: 'inherit' });
    if (r.status !== 0) throw new Error('sockml train failed');
  }
  return dir;
}

const modelsDir = withPython ? benchModels() : join(ROOT, 'models');
const big = await buildInput(rowsWanted);
const quarter = await buildInput(Math.round(rowsWanted / 4));
const results = {
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model, node: process.version },
  rows: rowsWanted,
  endToEnd: endToEnd(big, modelsDir),
  endToEndQuarter: endToEnd(quarter, modelsDir),
  rawOnnx: await rawOnnx(big, modelsDir),
  python: withPython ? python(big, modelsDir) : null,
};
writeFileSync(join(OUT, 'results.json'), JSON.stringify(results, null, 2));

const f = (n) => Math.round(n).toLocaleString('en');
const e = results.endToEnd;
const lines = [
  `| measurement | rows | seconds | rows/s | peak RSS MB |`,
  `|---|---:|---:|---:|---:|`,
  `| sockml replay, end to end (3 models, majority) | ${f(e.rows)} | ${e.seconds.toFixed(2)} | ${f(e.rowsPerSecond)} | ${e.peakRssMb.toFixed(0)} |`,
  `| sockml replay, a quarter of the input | ${f(results.endToEndQuarter.rows)} | ${results.endToEndQuarter.seconds.toFixed(2)} | ${f(results.endToEndQuarter.rowsPerSecond)} | ${results.endToEndQuarter.peakRssMb.toFixed(0)} |`,
  `| onnxruntime-node alone, 3 models in one thread (its own thread pool) | ${f(results.rawOnnx.inThread.rows)} | ${results.rawOnnx.inThread.seconds.toFixed(2)} | ${f(results.rawOnnx.inThread.rowsPerSecond)} | |`,
  `| onnxruntime-node alone, one worker thread per model (as replay runs them) | ${f(results.rawOnnx.workers.rows)} | ${results.rawOnnx.workers.seconds.toFixed(2)} | ${f(results.rawOnnx.workers.rowsPerSecond)} | |`,
];
if (results.python) {
  const p = results.python;
  lines.push(`| Python: pandas read_csv + features + predict_proba × 3 (1 thread) | ${f(p.rows)} | ${p.seconds.toFixed(2)} | ${f(p.rowsPerSecond)} | ${p.peakRssMb.toFixed(0)} |`);
}
lines.push('');
lines.push(`end to end / best ceiling: ${(e.rowsPerSecond / results.rawOnnx.best.rowsPerSecond).toFixed(2)}; peak RSS 1× vs ¼× input: ${e.peakRssMb.toFixed(0)} / ${results.endToEndQuarter.peakRssMb.toFixed(0)} MB` +
  (results.python ? `; sockml / Python: ${(e.rowsPerSecond / results.python.rowsPerSecond).toFixed(2)}×` : ''));
console.log(lines.join('\n'));
