import { afterEach, describe, expect, it } from 'vitest';
import { expectSameDecisionsAsReplay, jsonLines, publish, startPipeline, waitFor, type Pipeline } from '../testing/pipeline.js';

/**
 * Faults of the live pipeline on a real broker: a voter that is down (the scaler decides on quorum at
 * window close and marks the decision degraded) and a broker killed and restarted mid-run (nothing
 * lost, nothing decided twice, and still replay's decisions).
 */
let p: Pipeline | undefined;
afterEach(async () => {
  await p?.stop();
  p = undefined;
});

describe('live pipeline faults (integration)', () => {
  it('with one voter down, decides on quorum at window close and marks every decision degraded', async () => {
    p = await startPipeline({ models: ['xgboost', 'random_forest'], window: '2s' });
    const rows = publish(p.kafka, 'fixtures/sockshop-gke/runs/ramp/run_3.csv');
    await waitFor(`${rows} decisions`, () => jsonLines(p!.decisionsFile).length >= rows);
    const decisions = jsonLines(p.decisionsFile);
    expect(decisions).toHaveLength(rows);
    expect(decisions.every((d) => d.degraded === true && d.total_votes === 2 && /no vote from logistic_regression/.test(d.reason))).toBe(true);
  });

  it('survives a broker crash and restart mid-run: every decision taken once, none lost, as replay decides', async () => {
    p = await startPipeline({ window: '60s' });
    // One recording (one run: replay keeps one policy state per service and run), published whole,
    // then the broker is killed while the pipeline is still working through it.
    const recording = 'fixtures/sockshop-gke/runs/step/run_6.csv';
    const rows = publish(p.kafka, recording);
    await waitFor('the first decisions', () => jsonLines(p!.decisionsFile).length >= 10);
    const before = jsonLines(p.decisionsFile).length;
    await p.broker.restart({ hard: true, downtimeMs: 2000 });
    await waitFor(`${rows} decisions`, () => jsonLines(p!.decisionsFile).length >= rows, 120_000);
    await new Promise((r) => setTimeout(r, 3000)); // give a duplicate time to show up
    const decisions = jsonLines(p.decisionsFile);
    expect(before, 'the crash came before the pipeline was done').toBeLessThan(rows);
    expect(new Set(decisions.map((d) => d.decision_id)).size).toBe(rows);
    const recordings = [recording];
    expectSameDecisionsAsReplay(recordings, decisions, p.logDir);
  });
});
