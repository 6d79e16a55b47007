import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { FeatureSet } from '../features/feature-set.js';
import { ModelCardError, type ModelCard } from './model-card.js';
import { CardModel, cardPathFor, checkCardMatches, readModelCard } from './model-runner.js';

/** The compiled worker script (tests run the TypeScript sources, whose worker is the built one). */
function workerScript(): string {
  const here = fileURLToPath(new URL('./model-worker.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = fileURLToPath(new URL('../../dist/models/model-worker.js', import.meta.url));
  if (existsSync(built)) return built;
  throw new Error('model worker script not found: build packages/core first (pnpm -r run build)');
}

/**
 * A Model whose ONNX session lives in its own worker thread (one thread for onnxruntime, so three
 * models and the main thread share the machine's cores without oversubscribing them). Same card
 * checks, same probabilities as ModelRunner: it is a ModelRunner in another thread.
 */
export class ThreadedModel extends CardModel {
  private nextId = 0;
  private readonly pending = new Map<number, { resolve: (p: Float32Array) => void; reject: (e: Error) => void }>();

  private constructor(
    card: ModelCard,
    private readonly worker: Worker,
  ) {
    super(card);
    worker.on('message', (m: { id: number; probs?: Float32Array; error?: string }) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.error !== undefined) p.reject(new Error(`${this.name}: ${m.error}`));
      else p.resolve(m.probs!);
    });
    worker.on('error', (e) => {
      for (const p of this.pending.values()) p.reject(e);
      this.pending.clear();
    });
  }

  static async load(onnxPath: string, featureSet: FeatureSet<any>, options: { intraOpThreads?: number } = {}): Promise<ThreadedModel> {
    const cardPath = cardPathFor(onnxPath);
    const card = await readModelCard(cardPath);
    checkCardMatches(card, featureSet, cardPath);
    const worker = new Worker(workerScript(), { workerData: { onnxPath, featureSetId: featureSet.id, intraOpThreads: options.intraOpThreads ?? 1 } });
    await new Promise<void>((resolve, reject) => {
      worker.once('message', (m: { ready: boolean; error?: string }) => (m.ready ? resolve() : reject(new ModelCardError(m.error ?? `${onnxPath}: model worker failed`))));
      worker.once('error', reject);
    }).catch(async (e) => {
      await worker.terminate();
      throw e;
    });
    return new ThreadedModel(card, worker);
  }

  /**
   * A batch whose memory is a SharedArrayBuffer reaches the worker without a copy (several models can
   * share one); any other is structured-cloned, a copy made on the calling thread.
   */
  predictBatch(features: Float32Array, rows: number): Promise<Float32Array> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, features, rows });
    });
  }

  async close(): Promise<void> {
    await this.worker.terminate();
  }
}
