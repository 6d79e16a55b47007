import { describe, expect, it } from 'vitest';
import { oneServiceLabCluster } from '../../testing/lab-cluster.js';
import { parseSnapshotJsonl } from '../../experiments/snapshot.js';
import { loadPattern } from '../../load/patterns/registry.js';
import { runLab, type LabRunOptions } from '../lab-run.js';
import { ScheduledController, shiftActions } from './scheduled.js';

const cluster = oneServiceLabCluster;

async function play(schedule: { atMs: number; replicas: number }[]) {
  const c = cluster();
  const ctl = new ScheduledController(schedule.map((s) => ({ ...s, service: 'front-end' })));
  const seen: [number, number, number][] = [];
  for (let t = ctl.nextAtMs(); t !== Infinity; t = ctl.nextAtMs()) {
    for (const a of await ctl.fire(t, c)) seen.push([t, a.from, a.to]);
  }
  return seen;
}

describe('ScheduledController: sets the scheduled counts at their times, whatever it sees', () => {
  it.each([
    { name: 'in time order, each change once', schedule: [[30_000, 3], [10_000, 2]], want: [[10_000, 1, 2], [30_000, 2, 3]] },
    { name: 'a count that already runs is no action', schedule: [[0, 1], [5_000, 2], [6_000, 2]], want: [[5_000, 1, 2]] },
    { name: 'two changes at one instant: the later one in the list wins', schedule: [[5_000, 4], [5_000, 2]], want: [[5_000, 1, 4], [5_000, 4, 2]] },
    { name: 'an empty schedule never wakes', schedule: [], want: [] },
  ])('$name', async ({ schedule, want }) => {
    expect(await play(schedule.map(([atMs, replicas]) => ({ atMs, replicas })))).toEqual(want);
  });

  it.each([
    [{ atMs: -1, replicas: 2 }, /time ≥ 0/],
    [{ atMs: Number.NaN, replicas: 2 }, /time ≥ 0/],
    [{ atMs: 0, replicas: 1.5 }, /whole replica count/],
    [{ atMs: 0, replicas: -1 }, /whole replica count/],
  ])('refuses %o', (s, msg) => {
    expect(() => new ScheduledController([{ ...s, service: 'front-end' }])).toThrow(msg);
  });

  it('shiftActions moves every action earlier by the lead, never before 0', () => {
    expect(
      shiftActions(
        [
          { atMs: 15_000, service: 'a', from: 1, to: 2 },
          { atMs: 90_000, service: 'b', from: 3, to: 1 },
        ],
        30_000,
      ),
    ).toEqual([
      { atMs: 0, service: 'a', replicas: 2 },
      { atMs: 60_000, service: 'b', replicas: 1 },
    ]);
  });
});

describe('runLab with a ScheduledController: the HPA’s own decisions, replayed', () => {
  const base: LabRunOptions = {
    condition: 'reactive',
    runId: 1,
    pattern: loadPattern('step', { durationMs: 600_000, peakRps: 200 }),
    seed: 11,
    sloMs: 35.68,
    intervalMs: 30_000,
    initialReplicas: 1,
    hpa: { maxReplicas: 10, targetUtilizationPct: 70 },
  };
  const frontEnd = (lines: string[]) => parseSnapshotJsonl(lines.join('\n'), 'run').map((s) => s.services['front-end'].replicas ?? 0);

  it('with no lead, reproduces the HPA run byte for byte (the schedule is all that the HPA did)', async () => {
    const hpa = await runLab(base);
    expect(hpa.scalingActions.length).toBeGreaterThan(0);
    const replayed = await runLab({ ...base, controller: new ScheduledController(shiftActions(hpa.scalingActions, 0)) });
    expect(replayed.lines).toEqual(hpa.lines);
    expect(replayed.scalingActions).toEqual(hpa.scalingActions);
  });

  it('with a lead, runs the same counts earlier: the front-end is scaled up at an earlier snapshot', async () => {
    const hpa = await runLab(base);
    const early = await runLab({ ...base, controller: new ScheduledController(shiftActions(hpa.scalingActions, 60_000)) });
    const [a, b] = [frontEnd(hpa.lines), frontEnd(early.lines)];
    const firstUp = (xs: number[]) => xs.findIndex((x) => x > 1);
    expect(firstUp(b)).toBeLessThan(firstUp(a));
    expect(early.scalingActions.map((x) => x.to)).toEqual(hpa.scalingActions.map((x) => x.to));
    expect(early.scalingActions.every((x, i) => x.atMs === Math.max(0, hpa.scalingActions[i].atMs - 60_000))).toBe(true);
  });
});
