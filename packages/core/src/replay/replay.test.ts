import { createReadStream, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { buildDataset } from '../features/dataset.js';
import { seedV1 } from '../features/sets/seed-v1.js';
import { readMetricsCsv } from '../io/metrics-csv-reader.js';
import { DEFAULT_HYBRID_POLICY, HybridPolicy } from '../policy/policies/hybrid.js';
import type { ScalingPolicy } from '../policy/scaling-policy.js';
import type { DecisionLogRow, MetricsSample } from '../schema.js';
import { persistenceModel } from '../testing/persistence-model.js';
import { majorityStrategy } from '../voting/strategies/index.js';
import { replay, type RecordedRun } from './replay.js';

const FIXTURES = resolve(__dirname, '../../../../fixtures/sockshop-gke/runs');
const SLO = 35.68;
const files = ['step/run_1.csv', 'spike/run_2.csv', 'ramp/run_5.csv'].map((f) => resolve(FIXTURES, f));
const runs = (paths = files, batchSize = 50): RecordedRun[] =>
  paths.map((p) => ({ runId: p, pattern: 'x', samples: readMetricsCsv(createReadStream(p), p, { batchSize }) }));

/** A voter that *is* the persistence rule: replay must score it exactly like the persistence baseline. */
const persistenceAsModel = (name: string) => persistenceModel(name, seedV1, SLO);

const config = (onRow?: (r: DecisionLogRow) => void) => ({
  featureSet: seedV1,
  models: [persistenceAsModel('a'), persistenceAsModel('b'), persistenceAsModel('c')],
  strategy: majorityStrategy,
  label: { metric: 'p95_latency_ms' as const, sloMs: SLO, lookahead: 2 },
  onRow,
});

/** Future-only labels computed directly from the CSV text, independently of Labeler. */
function labelsFromCsv(path: string, k: number): Map<string, 0 | 1 | null> {
  const records = parseCsvSync(readFileSync(path, 'utf8'), { columns: true }) as Record<string, string>[];
  const byService = new Map<string, Record<string, string>[]>();
  for (const r of records) byService.set(r.service, [...(byService.get(r.service) ?? []), r]);
  const out = new Map<string, 0 | 1 | null>();
  for (const [service, rows] of byService) {
    rows.forEach((r, t) => {
      if (t + k >= rows.length) return out.set(`${service}|${r.timestamp}`, null);
      const future = rows.slice(t + 1, t + 1 + k).map((f) => Number(f.p95_latency_ms)); // '' and 'nan' → 0 / NaN: never > SLO
      out.set(`${service}|${r.timestamp}`, future.some((p) => p > SLO) ? 1 : 0);
    });
  }
  return out;
}

describe('replay', () => {
  it('scores a model that is the persistence rule exactly like the persistence baseline', async () => {
    const r = await replay(runs(), config());
    expect(r.runs).toBe(3);
    expect(r.labelled + r.unlabelled).toBe(r.rows);
    expect(r.models.a).toEqual(r.persistence);
    expect(r.ensemble.tp + r.ensemble.fp).toBe(r.persistence.tp + r.persistence.fp);
    expect(r.episodes.caughtEarly.a).toBe(0); // persistence can never flag before an onset
    expect(r.episodes.caughtEarly.persistence).toBe(0);
    expect(r.episodes.count).toBeGreaterThan(0);
    // At persistence's own recall, the rule's copy has the rule's precision; its curve is one point deep.
    expect(r.matchedRecall).toMatchObject({ reference: 'persistence', precision: r.persistence.precision, recall: r.persistence.recall });
    expect(r.matchedRecall.predictors.a).toMatchObject({ precision: r.persistence.precision, recall: r.persistence.recall, cut: 1 });
    const reached = r.prCurves.a.filter((p) => p.recall !== null && p.recall <= r.persistence.recall!);
    for (const p of reached) expect(p.precision).toBe(r.persistence.precision);
  });

  it('labels every row as the definition says, computed independently from the CSV', async () => {
    const rows: DecisionLogRow[] = [];
    await replay(runs(), config((row) => rows.push(row)));
    expect(rows.length).toBe(files.reduce((n, f) => n + readFileSync(f, 'utf8').trim().split('\n').length - 1, 0));
    for (const f of files) {
      const expected = labelsFromCsv(f, 2);
      const got = rows.filter((r) => r.runId === f);
      expect(got.length).toBe(expected.size);
      for (const r of got) expect(r.label, `${r.service} ${r.timestamp}`).toBe(expected.get(`${r.service}|${r.timestamp}`));
    }
  });

  it('resets state between runs: the sum of single-run replays equals one multi-run replay', async () => {
    const together = await replay(runs(), config());
    let tp = 0;
    let labelled = 0;
    let episodes = 0;
    for (const f of files) {
      const one = await replay(runs([f]), config());
      tp += one.persistence.tp;
      labelled += one.labelled;
      episodes += one.episodes.count;
    }
    expect([together.persistence.tp, together.labelled, together.episodes.count]).toEqual([tp, labelled, episodes]);
  });

  it('trains and replays on the same labels: dataset build agrees with replay row for row, unlabelled rows included', async () => {
    const replayed: DecisionLogRow[] = [];
    await replay(runs(), config((row) => replayed.push(row)));
    const byKey = new Map(replayed.map((r) => [`${r.runId}|${r.service}|${r.timestamp}`, r]));
    const seen = new Set<string>();
    let unlabelled = 0;
    for await (const row of buildDataset(runs(), seedV1, { metric: 'p95_latency_ms', sloMs: SLO, lookahead: 2 })) {
      const key = `${row.runId}|${row.service}|${row.timestamp}`;
      const r = byKey.get(key)!;
      expect(r, key).toBeDefined();
      expect(seen.has(key), `${key} twice`).toBe(false);
      seen.add(key);
      expect(row.label).toBe(r.label);
      expect(Array.from(r.features)).toEqual(Array.from(row.features));
      if (row.label === null) unlabelled++;
    }
    expect(seen.size).toBe(byKey.size);
    // The last two polls of every series at least: the trainer counts episodes over them (models/train.py).
    expect(unlabelled).toBeGreaterThanOrEqual(2 * new Set(replayed.map((r) => `${r.runId}|${r.service}`)).size);
  });
});

describe('replay with callee attribution (whole polls)', () => {
  // At 30 % these recordings' front-end violations are blamed on a callee at some polls.
  const attributing = new HybridPolicy({ ...DEFAULT_HYBRID_POLICY, attributionMinUtilization: 0.3 });
  const decisions = async (rs: RecordedRun[], policy: ScalingPolicy) => {
    const rows: DecisionLogRow[] = [];
    await replay(rs, { ...config((r) => rows.push(r)), policy });
    return rows.map((r) => `${r.runId}|${r.service}|${r.timestamp}:${r.decision}:${r.targetReplicas}`);
  };

  it("decides a poll whole wherever the reader's batches cut it, and each run apart from the others", async () => {
    const oneBatch = await decisions(runs(files, 1_000_000), attributing);
    expect(await decisions(runs(files, 3), attributing)).toEqual(oneBatch); // every poll of 7 services split
    const runByRun: string[] = [];
    for (const f of files) runByRun.push(...(await decisions(runs([f], 3), attributing)));
    expect(runByRun).toEqual(oneBatch);
    expect((await decisions(runs(files, 3), new HybridPolicy({ ...DEFAULT_HYBRID_POLICY, attributionMinUtilization: 0 }))).sort(), 'attribution changes some decisions here').not.toEqual([...oneBatch].sort());
  });

  it('decides a recording in poll order as it streams (constant memory), and holds one listed service by service to its end', async () => {
    const all: MetricsSample[] = [];
    for await (const batch of readMetricsCsv(createReadStream(files[0]), files[0])) all.push(...batch);
    const byService = [...all].sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : a.timeMs - b.timeMs));
    /** Rows decided (onRow) before the reader hands over its last batch of 14 rows. */
    const decidedBeforeLastBatch = async (rows: MetricsSample[]) => {
      let decided = 0;
      let seen = -1;
      const samples = (async function* () {
        for (let i = 0; i < rows.length; i += 14) {
          if (i + 14 >= rows.length) seen = decided;
          yield rows.slice(i, i + 14);
        }
      })();
      await replay([{ runId: 'r', pattern: 'x', samples }], { ...config(() => decided++), policy: attributing });
      return { seen, decided };
    };
    const streamed = await decidedBeforeLastBatch(all);
    // Labels wait k = 2 polls and the models' batches are in flight, so not every earlier row is out yet.
    expect(streamed.seen).toBeGreaterThan(all.length / 2);
    const held = await decidedBeforeLastBatch(byService);
    expect(held.seen).toBe(0);
    expect(held.decided).toBe(streamed.decided);
  });

  it('refuses a recording that starts in poll order and then goes back to an earlier poll, naming the run and the poll', async () => {
    const all: MetricsSample[] = [];
    for await (const batch of readMetricsCsv(createReadStream(files[0]), files[0])) all.push(...batch);
    const polls = [...new Set(all.map((r) => r.timestamp))];
    // The first three polls in order, but one service's second poll comes last (its own polls stay in order).
    const late = all.find((r) => r.timestamp === polls[1])!;
    const rows = [...all.filter((r) => polls.indexOf(r.timestamp) < 3 && !(r.service === late.service && r.timestamp !== polls[0])), late];
    const run: RecordedRun = { runId: 'r', pattern: 'x', samples: (async function* () { yield rows; })() };
    await expect(replay([run], { ...config(), policy: attributing })).rejects.toThrow(`run r: ${late.service}'s poll at ${late.timestamp} comes after a later poll`);
  });

  it('decides a recording listed service by service (as ramp/run_5 is) as the same rows listed poll by poll', async () => {
    const all: MetricsSample[] = [];
    for await (const batch of readMetricsCsv(createReadStream(files[0]), files[0])) all.push(...batch);
    const byService = [...all].sort((a, b) => (a.service < b.service ? -1 : a.service > b.service ? 1 : a.timeMs - b.timeMs));
    expect(byService[1].timestamp).not.toBe(byService[0].timestamp); // no poll's rows together any more
    const once = (rows: MetricsSample[]): RecordedRun => ({ runId: 'r', pattern: 'x', samples: (async function* () { yield rows; })() });
    const byPoll = await decisions([once(all)], attributing);
    expect([...(await decisions([once(byService)], attributing))].sort()).toEqual([...byPoll].sort());
    expect((await decisions([once(all)], new HybridPolicy({ ...DEFAULT_HYBRID_POLICY, attributionMinUtilization: 0 }))).sort(), 'attribution changes some decisions here').not.toEqual([...byPoll].sort());
  });
});
