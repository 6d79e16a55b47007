import { describe, expect, it } from 'vitest';
import { ReplicaSeeder } from './replica-seeder.js';

const failing = () => Promise.reject(new Error('unreachable'));

describe('ReplicaSeeder', () => {
  it('waits backoff × 2^(failures − 1), capped at maxBackoffMs, from the start of each failed read', async () => {
    const s = new ReplicaSeeder(failing, { attempts: 5, backoffMs: 1000, maxBackoffMs: 3000 });
    const retries: (number | null)[] = [];
    let now = 0;
    for (let i = 0; i < 5; i++) {
      expect(s.due('carts', now)).toBe(true);
      const o = await s.seed('carts', now);
      if (o.kind !== 'failed') throw new Error(`expected a failure, got ${o.kind}`);
      retries.push(o.retryAtMs);
      if (o.retryAtMs !== null) {
        expect(s.due('carts', o.retryAtMs - 1)).toBe(false);
        now = o.retryAtMs;
      }
    }
    expect(retries).toEqual([1000, 3000, 6000, 9000, null]);
    expect(s.due('carts', 1e12)).toBe(false);
  });

  it('is not due while its read is in progress, nor for another read once answered', async () => {
    let answer!: (n: number | null) => void;
    const s = new ReplicaSeeder(() => new Promise((r) => (answer = r)));
    const read = s.seed('carts', 0);
    expect(s.due('carts', 0)).toBe(false);
    expect(s.due('orders', 0)).toBe(true);
    answer(3);
    expect(await read).toEqual({ kind: 'replicas', replicas: 3, attempt: 1 });
    expect(s.due('carts', 1e12)).toBe(false);
  });

  it.each([
    [{ attempts: 0, backoffMs: 1000, maxBackoffMs: 1000 }, /'attempts' must be a whole number ≥ 1, got 0/],
    [{ attempts: 2.5, backoffMs: 1000, maxBackoffMs: 1000 }, /'attempts'/],
    [{ attempts: 3, backoffMs: -1, maxBackoffMs: 1000 }, /'backoffMs' must be ≥ 0, got -1/],
    [{ attempts: 3, backoffMs: 1000, maxBackoffMs: Number.NaN }, /'maxBackoffMs' must be ≥ 0/],
  ])('rejects %j', (retry, message) => {
    expect(() => new ReplicaSeeder(failing, retry)).toThrow(message);
  });
});
