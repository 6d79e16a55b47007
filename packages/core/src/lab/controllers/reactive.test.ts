import { describe, expect, it } from 'vitest';
import { oneServiceLabCluster } from '../../testing/lab-cluster.js';
import { ReactiveController } from './reactive.js';

/**
 * 100 rps for the first 30 s (about 210 % of one replica's CPU request), then nothing; the HPA's actions
 * as [lab ms, from, to], up to endMs.
 */
async function play(timeScale: number, endMs: number) {
  const c = oneServiceLabCluster();
  const ctl = new ReactiveController(['front-end'], { targetUtilizationPct: 70 }, {}, timeScale);
  const seen: [number, number, number][] = [];
  for (let t = 0; t <= endMs; t += 10) {
    if (t === ctl.nextAtMs()) {
      c.mark(t);
      for (const a of await ctl.fire(t, c)) seen.push([t, a.from, a.to]);
    }
    if (t < 30_000) c.serve('GET', '/', t);
  }
  return seen;
}

describe('ReactiveController: the HPA in its own time, as experiment run --time-scale runs it', () => {
  it.each([
    // Real time: the first sync at 15 s scales up; the 300 s scale-down window keeps it until ~330 s.
    { timeScale: 1, endMs: 400_000, firstMs: 15_000, downFromMs: 315_000, downToMs: 345_000 },
    // Five times faster: a sync every 3 s of lab time, and the same window is 60 s of it.
    { timeScale: 5, endMs: 200_000, firstMs: 3_000, downFromMs: 87_000, downToMs: 93_000 },
  ])('time scale $timeScale: first scale-up at $firstMs ms, scale-down in [$downFromMs, $downToMs] ms', async ({ timeScale, endMs, firstMs, downFromMs, downToMs }) => {
    const seen = await play(timeScale, endMs);
    const syncMs = 15_000 / timeScale;
    for (const [t] of seen) expect(t % syncMs).toBe(0);
    expect(seen[0][0]).toBe(firstMs);
    expect(seen[0][2]).toBeGreaterThan(seen[0][1]);
    const down = seen.filter(([, from, to]) => to < from);
    expect(down.length).toBeGreaterThan(0);
    expect(down[0][0]).toBeGreaterThanOrEqual(downFromMs);
    expect(down[0][0]).toBeLessThanOrEqual(downToMs);
  });

  it('refuses a time scale that is not a positive number', () => {
    for (const k of [0, -1, Number.NaN, Infinity]) expect(() => new ReactiveController(['front-end'], {}, {}, k)).toThrow(/time scale/);
  });
});
