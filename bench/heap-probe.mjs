// Heap after a forced GC every 100 000 rows of a replay: flat means nothing is retained per row.
//   node --expose-gc bench/heap-probe.mjs bench/out/replay-1000000.csv
import { createReadStream } from 'node:fs';
import { loadModelDirectory, majorityStrategy, readMetricsCsv, replay } from '@sockml/core';

const input = process.argv[2];
const { featureSet, models } = await loadModelDirectory('models', { workerThreads: true });
let next = 100_000;
await replay([{ runId: 'probe', pattern: 'mixed', samples: readMetricsCsv(createReadStream(input, { highWaterMark: 1 << 20 }), input) }], {
  featureSet,
  models,
  strategy: majorityStrategy,
  label: { metric: 'p95_latency_ms', sloMs: 35.68, lookahead: 2 },
  onProgress(rows) {
    if (rows < next) return;
    next += 100_000;
    globalThis.gc();
    console.log(`${rows} rows: heap ${(process.memoryUsage().heapUsed / 2 ** 20).toFixed(1)} MB, rss ${(process.memoryUsage().rss / 2 ** 20).toFixed(0)} MB`);
  },
});
await Promise.all(models.map((m) => m.close()));
