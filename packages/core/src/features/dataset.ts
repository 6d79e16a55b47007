import { Labeler, type LabelDefinition } from '../labels/labeler.js';
import type { RecordedRun } from '../replay/replay.js';
import { DEFAULT_POLL_INTERVAL_MS, type TrainingRow } from '../schema.js';
import { FeatureExtractor } from './feature-extractor.js';
import type { FeatureSet } from './feature-set.js';

export interface DatasetStats {
  rows: number;
  labelled: number;
  positives: number;
  unlabelled: number;
  imputedInputs: number;
}

/**
 * The training matrix: the same FeatureExtractor and Labeler that replay and the live pipeline use,
 * so a model is trained on exactly the inputs it will see. Every poll is a row, in time order within
 * its series: unlabelled ones (the last `lookahead` polls of each series, and those whose lookahead held
 * a missing poll) carry label null. The trainer learns from and scores only the labelled rows; it needs
 * the others to count violation episodes over the same polls replay counts them over.
 */
export async function* buildDataset(
  runs: AsyncIterable<RecordedRun> | Iterable<RecordedRun>,
  featureSet: FeatureSet<any>,
  label: LabelDefinition,
  stats: DatasetStats = { rows: 0, labelled: 0, positives: 0, unlabelled: 0, imputedInputs: 0 },
  /** The recordings' poll interval: features and labels do not reach across a missing poll. */
  pollIntervalMs = DEFAULT_POLL_INTERVAL_MS,
): AsyncGenerator<TrainingRow> {
  for await (const run of runs) {
    const extractor = new FeatureExtractor(featureSet, run.runId, { pollIntervalMs });
    const labeler = new Labeler<TrainingRow>(label, { pollIntervalMs });
    for await (const batch of run.samples) {
      for (const s of batch) {
        stats.rows++;
        const features = new Float32Array(extractor.width);
        extractor.extractInto(s, features, 0);
        const row: TrainingRow = { features, label: null, runId: run.runId, pattern: run.pattern, service: s.service, timestamp: s.timestamp, p95LatencyMs: s.p95LatencyMs };
        for (const l of labeler.push(s.service, s.p95LatencyMs, row, [], s.timeMs)) {
          l.item.label = l.label;
          if (l.label === null) {
            stats.unlabelled++; // a missing poll in its lookahead: its label is not known
          } else {
            stats.labelled++;
            stats.positives += l.label;
          }
          yield l.item;
        }
      }
    }
    // The series' last polls, after all of their labelled rows.
    for (const l of labeler.finish()) {
      l.item.label = null;
      stats.unlabelled++;
      yield l.item;
    }
    stats.imputedInputs += extractor.imputedInputs;
  }
}
