import { describe, expect, it } from 'vitest';
import { oneServiceLabCluster } from '../../testing/lab-cluster.js';
import type { LabController } from '../lab-controller.js';
import { HpaFloorController } from './hpa-floor.js';

const cluster = oneServiceLabCluster;

/** A controller that asks for the scripted count at each instant (null: it runs and asks for nothing). */
class Scripted implements LabController {
  private i = 0;
  constructor(private readonly script: [atMs: number, replicas: number | null][]) {}
  nextAtMs() {
    return this.script[this.i]?.[0] ?? Infinity;
  }
  async fire(nowMs: number, c: LabCluster) {
    const [, replicas] = this.script[this.i++];
    if (replicas !== null) c.setReplicas('front-end', replicas, nowMs);
    return [];
  }
}

async function play(hpa: Scripted, sockml: Scripted) {
  const c = cluster();
  const floor = new HpaFloorController(hpa, sockml, 1);
  const seen: [number, number][] = [];
  for (let t = floor.nextAtMs(); t !== Infinity; t = floor.nextAtMs()) {
    const actions = await floor.fire(t, c);
    seen.push([t, c.replicas(t)['front-end'].asked]);
    // The actions are the cluster's changes, in order: each starts where the previous ended.
    if (actions.length > 0) expect(actions.at(-1)!.to).toBe(c.replicas(t)['front-end'].asked);
    actions.slice(1).forEach((a, i) => expect(a.from).toBe(actions[i].to));
  }
  return seen;
}

describe('HpaFloorController: each service runs the larger of the HPA’s count and sockml’s', () => {
  it.each([
    {
      name: 'sockml above the HPA raises the count; below it, the HPA’s count stays',
      hpa: [[15_000, 3]],
      sockml: [[30_000, 2], [60_000, 5], [90_000, 2]],
      want: [[15_000, 3], [30_000, 3], [60_000, 5], [90_000, 3]],
    },
    {
      // The HPA's sync at 75 s keeps the 5 that run (its scale-down window still holds them): sockml
      // dropping to 1 at 90 s takes nothing away until the HPA itself asks for 2 at 105 s.
      name: 'an HPA sync that changes nothing holds what runs',
      hpa: [[15_000, 3], [75_000, null], [105_000, 2]],
      sockml: [[60_000, 5], [90_000, 1]],
      want: [[15_000, 3], [60_000, 5], [75_000, 5], [90_000, 5], [105_000, 2]],
    },
    {
      name: 'both at one instant: the HPA first, then sockml on top',
      hpa: [[30_000, 4], [60_000, 2]],
      sockml: [[30_000, 6], [60_000, 1]],
      want: [[30_000, 6], [60_000, 2]],
    },
    {
      name: 'neither has asked: the initial count',
      hpa: [[15_000, null]],
      sockml: [[30_000, 1]],
      want: [[15_000, 1], [30_000, 1]],
    },
  ] as { name: string; hpa: [number, number | null][]; sockml: [number, number | null][]; want: [number, number][] }[])('$name', async ({ hpa, sockml, want }) => {
    expect(await play(new Scripted(hpa), new Scripted(sockml))).toEqual(want);
  });
});
