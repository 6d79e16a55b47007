import { parentPort, workerData } from 'node:worker_threads';
import { featureSet } from '../features/registry.js';
import { ModelRunner } from './model-runner.js';

/**
 * Hosts one ModelRunner in a worker thread. onnxruntime-node runs a session synchronously on the
 * calling thread, so models in workers are what lets inference overlap with reading and featurising.
 */
const { onnxPath, featureSetId, intraOpThreads } = workerData as { onnxPath: string; featureSetId: string; intraOpThreads?: number };
const port = parentPort!;
try {
  const runner = await ModelRunner.load(onnxPath, featureSet(featureSetId), { intraOpThreads });
  port.on('message', async (m: { id: number; features: Float32Array; rows: number }) => {
    try {
      const probs = await runner.predictBatch(m.features, m.rows);
      port.postMessage({ id: m.id, probs }, [probs.buffer as ArrayBuffer]);
    } catch (e) {
      port.postMessage({ id: m.id, error: (e as Error).message });
    }
  });
  port.postMessage({ ready: true });
} catch (e) {
  port.postMessage({ ready: false, error: (e as Error).message });
}
