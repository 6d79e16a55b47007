import { describe, expect, it } from 'vitest';
import { TurnBatches } from './turn-batches.js';

/** A run function that records its calls and finishes only when released. */
function gatedRun() {
  const calls: number[][] = [];
  const gates: { resolve: () => void; reject: (e: Error) => void }[] = [];
  let running = 0;
  let overlapped = false;
  const run = (items: number[]) => {
    calls.push(items);
    if (++running > 1) overlapped = true;
    return new Promise<void>((resolve, reject) => gates.push({ resolve, reject })).finally(() => running--);
  };
  const turn = () => new Promise((r) => setImmediate(r));
  return { run, calls, gates, turn, overlapped: () => overlapped };
}

describe('TurnBatches', () => {
  it('hands what arrives in one turn to one run, and what arrives while it runs to the next, never overlapping', async () => {
    const g = gatedRun();
    const b = new TurnBatches(g.run);
    const first = [b.add(1), b.add(2, 3)];
    expect(g.calls).toEqual([]); // not before the turn is over
    await g.turn();
    expect(g.calls).toEqual([[1, 2, 3]]);
    const second = b.add(4);
    await g.turn();
    const third = b.add(5);
    await g.turn();
    expect(g.calls).toEqual([[1, 2, 3]]); // 4 and 5 wait for the run in progress, together
    g.gates[0].resolve();
    await Promise.all(first);
    await g.turn();
    expect(g.calls).toEqual([[1, 2, 3], [4, 5]]);
    expect(second).toBe(third);
    g.gates[1].resolve();
    await second;
    expect(g.overlapped()).toBe(false);
  });

  it('a failed run rejects its own adds only; the next run goes ahead', async () => {
    const g = gatedRun();
    const b = new TurnBatches(g.run);
    const failed = b.add(1);
    await g.turn();
    const next = b.add(2);
    g.gates[0].reject(new Error('broker down'));
    await expect(failed).rejects.toThrow('broker down');
    await g.turn();
    expect(g.calls).toEqual([[1], [2]]);
    g.gates[1].resolve();
    await expect(next).resolves.toBeUndefined();
  });

  it('idle() waits for the runs started so far, including one queued behind a running one', async () => {
    const g = gatedRun();
    const b = new TurnBatches(g.run);
    void b.add(1);
    await g.turn();
    void b.add(2);
    let idle = false;
    const waiting = b.idle().then(() => (idle = true));
    g.gates[0].resolve();
    await g.turn();
    await g.turn();
    expect(idle).toBe(false); // run [2] is going
    g.gates[1].resolve();
    await waiting;
    expect(g.calls).toEqual([[1], [2]]);
  });
});
