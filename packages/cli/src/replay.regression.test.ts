import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO, sockml } from './test-support.js';

/**
 * CI guard on voting accuracy: replay the held-out GKE runs (never used for training, see
 * models/holdout-runs.txt) with the bundled models under each strategy and compare every metric with
 * the committed golden file. Any change beyond the tolerance fails, improvements included: a change in
 * decisions must be deliberate. Refresh on purpose with `pnpm golden:refresh` and commit the diff.
 */
const GOLDEN = join(__dirname, 'testdata', 'replay-golden.json');
/** The held-out recordings: models/holdout-runs.txt, which `sockml train` refuses to train on. */
const HOLDOUT = readFileSync(join(REPO, 'models', 'holdout-runs.txt'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const STRATEGIES = ['majority', 'unanimous', 'weighted'];
const TOLERANCE = 1e-6;
const refresh = process.env.SOCKML_REFRESH_GOLDEN === '1';

async function replayJson(strategy: string) {
  const r = await sockml(['replay', ...HOLDOUT, '--strategy', strategy, '--json']);
  if (r.code !== 0) throw new Error(`sockml replay failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Flattens numbers and nulls into path → value, e.g. `models.xgboost.f1`. */
function flatten(x: unknown, prefix = '', out: Record<string, number | null> = {}): Record<string, number | null> {
  if (typeof x === 'number' || x === null) out[prefix] = x as number | null;
  else if (typeof x === 'object' && !Array.isArray(x)) for (const [k, v] of Object.entries(x as object)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

describe('replay regression on held-out runs (bundled models)', () => {
  const results: Record<string, any> = {};
  beforeAll(async () => {
    for (const s of STRATEGIES) results[s] = await replayJson(s);
  }, 300_000);

  if (refresh) {
    it('refreshes the golden file', () => {
      const golden = Object.fromEntries(
        STRATEGIES.map((s) => {
          const { files: _files, invalidExamples: _ex, ...rest } = results[s];
          return [s, rest];
        }),
      );
      writeFileSync(GOLDEN, JSON.stringify({ holdout: HOLDOUT, tolerance: TOLERANCE, results: golden }, null, 2) + '\n');
    });
    return;
  }

  it('has a golden file (create it with `pnpm golden:refresh`)', () => {
    expect(existsSync(GOLDEN)).toBe(true);
  });

  it.each(STRATEGIES)('%s voting matches the golden metrics', (strategy) => {
    const golden = JSON.parse(readFileSync(GOLDEN, 'utf8'));
    expect(golden.holdout).toEqual(HOLDOUT);
    const want = flatten(golden.results[strategy]);
    const got = flatten(results[strategy]);
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    const changed = Object.keys(want).filter((k) => {
      const a = want[k];
      const b = got[k];
      return a === null || b === null ? a !== b : Math.abs(a - b) > TOLERANCE;
    });
    expect(changed.map((k) => `${k}: golden ${want[k]} → now ${got[k]}`)).toEqual([]);
  });

  it('the ensemble and every model are scored beside the persistence baseline on the same rows', () => {
    for (const s of STRATEGIES) {
      const r = results[s];
      const n = (m: { tp: number; fp: number; tn: number; fn: number }) => m.tp + m.fp + m.tn + m.fn;
      expect(n(r.persistence)).toBe(r.labelled);
      expect(n(r.ensemble)).toBe(r.labelled);
      for (const m of Object.values(r.models) as any[]) expect(n(m)).toBe(r.labelled);
    }
  });
});
