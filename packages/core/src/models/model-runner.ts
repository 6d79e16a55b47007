import { readFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type * as Ort from 'onnxruntime-node';
import type { FeatureSet } from '../features/feature-set.js';
import type { Vote } from '../schema.js';
import { ModelCardError, parseModelCard, type ModelCard } from './model-card.js';

/** A model known by its card: name, version and decision threshold come from there. */
export abstract class CardModel implements Model {
  constructor(readonly card: ModelCard) {}

  get name() {
    return this.card.name;
  }
  get version() {
    return this.card.version;
  }
  get threshold() {
    return this.card.threshold;
  }

  abstract predictBatch(features: Float32Array, rows: number): Promise<Float32Array>;
}

/** A voter: scores feature rows with the probability of an SLO violation. */
export interface Model {
  readonly name: string;
  readonly version: string;
  readonly threshold: number;
  readonly card: ModelCard;
  /** Violation probability for each row of the row-major `features` matrix (`rows` × feature count). */
  predictBatch(features: Float32Array, rows: number): Promise<Float32Array>;
}

export interface ModelRunnerOptions {
  /** onnxruntime intra-op threads (default: onnxruntime's own choice). */
  intraOpThreads?: number;
}

/**
 * Runs one ONNX classifier exported without ZipMap (the `probabilities` tensor is [N, 2]) on
 * onnxruntime-node. Decisions come from the probabilities, never from the `label` output: for two-class
 * tree ensembles onnxruntime's label can disagree with its own probabilities.
 */
export class ModelRunner extends CardModel {
  private constructor(
    card: ModelCard,
    private readonly session: Ort.InferenceSession,
    readonly path: string,
    private readonly Tensor: typeof Ort.Tensor,
  ) {
    super(card);
  }

  /** Loads `<dir>/<name>.onnx` with its card `<dir>/<name>.card.json`, checked against `featureSet`. */
  static async load(onnxPath: string, featureSet: FeatureSet<any>, options: ModelRunnerOptions = {}): Promise<ModelRunner> {
    const cardPath = cardPathFor(onnxPath);
    const card = await readModelCard(cardPath);
    checkCardMatches(card, featureSet, cardPath);
    // Imported with the first model, not with the module: everything that imports @sockml/core (every
    // command, and each `sockml lab` worker, reactive and static runs included) would otherwise load
    // onnxruntime's native binding, ~40 ms, whether it runs a model or not.
    const ort = await import('onnxruntime-node');
    let session: Ort.InferenceSession;
    try {
      session = await ort.InferenceSession.create(onnxPath, {
        ...(options.intraOpThreads ? { intraOpNumThreads: options.intraOpThreads } : {}),
        graphOptimizationLevel: 'all',
      });
    } catch (e) {
      throw new ModelCardError(`${onnxPath}: onnxruntime could not load the model (${(e as Error).message})`);
    }
    if (!session.inputNames.includes(card.onnx.input)) {
      throw new ModelCardError(`${onnxPath}: the card names input '${card.onnx.input}' but the model has ${session.inputNames.join(', ')}`);
    }
    if (!session.outputNames.includes(card.onnx.probabilities)) {
      throw new ModelCardError(`${onnxPath}: the card names output '${card.onnx.probabilities}' but the model has ${session.outputNames.join(', ')}`);
    }
    return new ModelRunner(card, session, onnxPath, ort.Tensor);
  }

  async predictBatch(features: Float32Array, rows: number): Promise<Float32Array> {
    const width = this.card.features.length;
    if (features.length < rows * width) throw new Error(`${this.name}: ${rows} rows need ${rows * width} values, got ${features.length}`);
    if (rows === 0) return new Float32Array(0);
    // onnxruntime-node refuses memory shared between threads ("Invalid argument"): copy such a batch
    // into this thread's own memory first (the copy is this thread's work, not the sender's).
    const own = features.buffer instanceof SharedArrayBuffer ? features.slice(0, rows * width) : features;
    const input = new this.Tensor('float32', own.length === rows * width ? own : own.subarray(0, rows * width), [rows, width]);
    const out = await this.session.run({ [this.card.onnx.input]: input }, [this.card.onnx.probabilities]);
    const probs = out[this.card.onnx.probabilities];
    const data = probs.data as Float32Array;
    const cols = probs.dims.length === 2 ? Number(probs.dims[1]) : 1;
    if (cols === 1) return data;
    // [N, 2]: column 1 is the violation class.
    const p = new Float32Array(rows);
    for (let i = 0; i < rows; i++) p[i] = data[i * cols + 1];
    return p;
  }

  async close(): Promise<void> {
    await this.session.release();
  }
}

export const cardPathFor = (onnxPath: string) => join(dirname(onnxPath), `${basename(onnxPath, '.onnx')}.card.json`);

export async function readModelCard(cardPath: string): Promise<ModelCard> {
  let text: string;
  try {
    text = await readFile(cardPath, 'utf8');
  } catch {
    throw new ModelCardError(`${cardPath}: model card not found (every model needs <name>.card.json beside <name>.onnx)`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new ModelCardError(`${cardPath}: model card is not valid JSON (${(e as Error).message})`);
  }
  const card = parseModelCard(json, cardPath);
  // The file name is how a model is found (--model, --expected-models, the directory listing); a card
  // naming another model would have its votes counted, weighted and reported as that model's.
  const fileName = basename(cardPath).replace(/\.card\.json$/, '');
  if (card.name !== fileName) throw new ModelCardError(`${cardPath}: the card names model '${card.name}' but the file is '${fileName}'; a model's card names the model of its file`);
  return card;
}

export function checkCardMatches(card: ModelCard, featureSet: FeatureSet<any>, where: string): void {
  if (card.featureSet !== featureSet.id) {
    throw new ModelCardError(`${where}: model '${card.name}' was trained on feature set '${card.featureSet}', but '${featureSet.id}' is in use`);
  }
  const same = card.features.length === featureSet.names.length && card.features.every((f, i) => f === featureSet.names[i]);
  if (!same) {
    throw new ModelCardError(
      `${where}: model '${card.name}' lists features [${card.features.join(', ')}] but feature set '${featureSet.id}' is [${featureSet.names.join(', ')}]`,
    );
  }
}

/** A model's vote on one row, from its violation probability and threshold. */
export function voteFrom(model: Pick<Model, 'name' | 'version' | 'threshold'>, p: number, snapshotId: string, service: string, timestamp: string): Vote {
  const vote: Vote = { snapshotId, service, timestamp, model: '', modelVersion: '', prediction: 0, violationProbability: 0, confidence: 0 };
  return voteInto(vote, model, p, snapshotId, service, timestamp);
}

/**
 * voteFrom into an existing Vote, overwriting every field: for a caller that votes on millions of rows
 * and keeps no vote past its verdict (replay), so that no object is allocated per vote.
 */
export function voteInto(
  vote: Vote,
  model: Pick<Model, 'name' | 'version' | 'threshold'>,
  p: number,
  snapshotId: string,
  service: string,
  timestamp: string,
): Vote {
  const prediction: 0 | 1 = p >= model.threshold ? 1 : 0;
  vote.snapshotId = snapshotId;
  vote.service = service;
  vote.timestamp = timestamp;
  vote.model = model.name;
  vote.modelVersion = model.version;
  vote.prediction = prediction;
  vote.violationProbability = p;
  // The prototype's confidence: the probability the model gives its own prediction.
  vote.confidence = prediction === 1 ? p : 1 - p;
  return vote;
}
