import { describe, expect, it } from 'vitest';
import { oneServiceLabCluster } from '../../testing/lab-cluster.js';
import type { LabController } from '../lab-controller.js';
import { DelayedController } from './delayed.js';
import { ScheduledController } from './scheduled.js';

const cluster = oneServiceLabCluster;

/** Drives a controller as lab-run does; returns [time, from, to] of the changes the cluster saw. */
async function drive(ctl: LabController) {
  const c = cluster();
  const seen: [number, number, number][] = [];
  for (let t = ctl.nextAtMs(); t !== Infinity; t = ctl.nextAtMs()) {
    for (const a of await ctl.fire(t, c)) seen.push([t, a.from, a.to]);
  }
  return seen;
}

const schedule = (...changes: [number, number][]) => new ScheduledController(changes.map(([atMs, replicas]) => ({ atMs, replicas, service: 'front-end' })));

describe('DelayedController: the inner controller’s changes, lagMs later', () => {
  it.each([
    { name: 'no lag: as the inner controller', lag: 0, changes: [[10_000, 2], [30_000, 3]], want: [[10_000, 1, 2], [30_000, 2, 3]] },
    { name: 'each change lagMs later', lag: 5_000, changes: [[10_000, 2], [30_000, 3]], want: [[15_000, 1, 2], [35_000, 2, 3]] },
    { name: 'a change due when the inner one runs again is applied first', lag: 20_000, changes: [[10_000, 2], [30_000, 3]], want: [[30_000, 1, 2], [50_000, 2, 3]] },
    { name: 'changes queue in the order decided (the later wins)', lag: 5_000, changes: [[10_000, 4], [10_000, 2]], want: [[15_000, 1, 4], [15_000, 4, 2]] },
  ])('$name', async ({ lag, changes, want }) => {
    expect(await drive(new DelayedController(schedule(...(changes as [number, number][])), lag))).toEqual(want);
  });

  it('the inner controller decides on the cluster as it is: its earlier ask has not landed yet', async () => {
    const c = cluster();
    const seenByInner: number[] = [];
    const inner: LabController = {
      nextAtMs: () => (seenByInner.length < 2 ? seenByInner.length * 10_000 + 10_000 : Infinity),
      async fire(now, view) {
        seenByInner.push(view.replicas(now)['front-end'].asked);
        view.setReplicas('front-end', 3, now);
        return [];
      },
    };
    const ctl = new DelayedController(inner, 15_000);
    for (let t = ctl.nextAtMs(); t !== Infinity; t = ctl.nextAtMs()) await ctl.fire(t, c);
    expect(seenByInner).toEqual([1, 1]); // at 10 s and 20 s; the first ask lands at 25 s
    expect(c.replicas(40_000)['front-end'].asked).toBe(3);
  });

  it.each([[-1], [Number.NaN], [Infinity]])('refuses a lag of %s', (lag) => {
    expect(() => new DelayedController(schedule(), lag)).toThrow(/actuation lag must be a time ≥ 0/);
  });
});
