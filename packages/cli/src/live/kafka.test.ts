import { describe, expect, it } from 'vitest';
import { OffsetCommitter, whileRetriable } from './kafka.js';

type Offsets = { topics: { topic: string; partitions: { partition: number; offset: string }[] }[] };

const tick = () => new Promise((r) => setImmediate(r));

/** A commit function that records its requests and completes when told to. */
function fakeCommit() {
  const requests: Offsets[] = [];
  const pending: (() => void)[] = [];
  const commit = (o: Offsets) => {
    requests.push(o);
    return new Promise<void>((r) => pending.push(r));
  };
  const release = async () => {
    pending.splice(0).forEach((r) => r());
    await tick();
  };
  return { commit, requests, release };
}

describe('OffsetCommitter', () => {
  it('commits past the last offset without waiting, and coalesces what is noted meanwhile per partition', async () => {
    const f = fakeCommit();
    const c = new OffsetCommitter(() => {});
    await c.done(f.commit, 'votes', 0, '4'); // resolves before the commit does
    await tick();
    expect(f.requests).toEqual([{ topics: [{ topic: 'votes', partitions: [{ partition: 0, offset: '5' }] }] }]);
    await c.done(f.commit, 'votes', 1, '9');
    await c.done(f.commit, 'votes', 0, '6');
    await c.done(f.commit, 'votes', 0, '7');
    expect(f.requests).toHaveLength(1); // the first is still in flight
    await f.release();
    expect(f.requests[1].topics).toHaveLength(1);
    expect(f.requests[1].topics[0].partitions.slice().sort((a, b) => a.partition - b.partition)).toEqual([
      { partition: 0, offset: '8' },
      { partition: 1, offset: '10' },
    ]);
    await f.release();
    await c.flush();
    expect(f.requests).toHaveLength(2);
  });

  it('reports a failed commit and goes on with the next offsets', async () => {
    const errors: string[] = [];
    const c = new OffsetCommitter((e) => errors.push(e.message));
    let calls = 0;
    const seen: Offsets[] = [];
    const commit = async (o: Offsets) => {
      seen.push(o);
      if (calls++ === 0) throw new Error('rebalance in progress');
    };
    await c.done(commit, 'metrics', 2, '0');
    await c.flush();
    await c.done(commit, 'metrics', 2, '3');
    await c.flush();
    expect(errors).toEqual(['rebalance in progress']);
    expect(seen.at(-1)).toEqual({ topics: [{ topic: 'metrics', partitions: [{ partition: 2, offset: '4' }] }] });
  });

  it('once stopping, done() resolves only after its commit', async () => {
    const f = fakeCommit();
    const c = new OffsetCommitter(() => {});
    await c.stop();
    let committed = false;
    const d = c.done(f.commit, 'votes', 0, '1').then(() => (committed = true));
    await tick();
    expect(committed).toBe(false);
    await f.release();
    await d;
    expect(committed).toBe(true);
  });
});

describe('whileRetriable', () => {
  const failing = (errors: unknown[], value = 'ok') => {
    let calls = 0;
    const fn = async () => {
      calls++;
      if (errors.length > 0) throw errors.shift();
      return value;
    };
    return { fn, calls: () => calls };
  };
  const notLeader = Object.assign(new Error('This server is not the leader for that topic-partition'), { retriable: true });

  it('retries a retriable error until the call succeeds', async () => {
    const f = failing([notLeader, notLeader]);
    expect(await whileRetriable(f.fn)).toBe('ok');
    expect(f.calls()).toBe(3);
  });

  it('throws any other error at once', async () => {
    const f = failing([Object.assign(new Error('Topic authorization failed'), { retriable: false })]);
    await expect(whileRetriable(f.fn)).rejects.toThrow(/authorization/);
    expect(f.calls()).toBe(1);
  });

  it('throws the last retriable error once its time is up', async () => {
    const f = failing(Array(100).fill(notLeader));
    await expect(whileRetriable(f.fn, 200)).rejects.toThrow(/not the leader/);
    expect(f.calls()).toBeGreaterThan(1);
    expect(f.calls()).toBeLessThan(10);
  });
});
