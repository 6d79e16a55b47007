import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO, sockml } from './test-support.js';

/**
 * CI guard on voting accuracy: replay the held-out GKE runs (never used for training, see
 * models/holdout-runs.txt) with the bundled models under each strategy and
 *
 * - compare every metric with the committed golden file. Any change beyond the tolerance fails,
 *   improvements included: a change in decisions must be deliberate. Refresh on purpose with
 *   `pnpm golden:refresh`, which prints every metric that moved (old → new) for the commit message;
 * - require the floors below, which a refresh does not move: the golden comparison catches change, the
 *   floors catch a real regression that a careless refresh would otherwise bless.
 */
const GOLDEN = join(__dirname, 'testdata', 'replay-golden.json');
/** The held-out recordings: models/holdout-runs.txt, which `sockml train` refuses to train on. */
const HOLDOUT = readFileSync(join(REPO, 'models', 'holdout-runs.txt'), 'utf8')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l !== '' && !l.startsWith('#'));
const STRATEGIES = ['majority', 'unanimous', 'weighted', 'regime'];
const TOLERANCE = 1e-6;
const refresh = process.env.SOCKML_REFRESH_GOLDEN === '1';

/**
 * Floors on the held-out runs for the default strategy (majority). Lowering one is a decision its commit
 * must explain. ONSETS_CAUGHT_EARLY_MIN: violation onsets the ensemble flags one or two polls before they
 * begin (the bundled seed-v1 models catch 19 of 34).
 */
const FLOORS = { strategy: 'majority', onsetsCaughtEarlyMin: 17 };

async function replayJson(strategy: string) {
  const r = await sockml(['replay', ...HOLDOUT, '--strategy', strategy, '--json']);
  if (r.code !== 0) throw new Error(`sockml replay failed (${r.code}): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

/** Flattens numbers and nulls into path → value, e.g. `models.xgboost.f1`, `prCurves.ensemble.3.precision`. */
function flatten(x: unknown, prefix = '', out: Record<string, number | null> = {}): Record<string, number | null> {
  if (typeof x === 'number' || x === null) out[prefix] = x as number | null;
  else if (typeof x === 'object') for (const [k, v] of Object.entries(x as object)) flatten(v, prefix ? `${prefix}.${k}` : k, out);
  return out;
}

/**
 * Every metric that differs between two golden result sets: table rows (strategy, metric, old, new) for
 * the metrics both have, and the metrics only one has, counted by their first two path parts (a new
 * field such as `prCurves` adds hundreds; listing each would bury the numbers that moved).
 */
export function movedMetrics(old: Record<string, unknown>, now: Record<string, unknown>): { rows: string[]; added: string[]; removed: string[] } {
  const rows: string[] = [];
  const added = new Map<string, number>();
  const removed = new Map<string, number>();
  const group = (s: string, k: string) => `${s}: ${k.split('.').slice(0, 2).join('.')}`;
  const show = (v: number | null) => (v === null ? 'null' : Number.isInteger(v) ? String(v) : v.toFixed(4));
  for (const s of Object.keys({ ...old, ...now })) {
    const a = flatten(old[s] ?? {});
    const b = flatten(now[s] ?? {});
    for (const k of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
      if (!(k in a)) added.set(group(s, k), (added.get(group(s, k)) ?? 0) + 1);
      else if (!(k in b)) removed.set(group(s, k), (removed.get(group(s, k)) ?? 0) + 1);
      else {
        const x = a[k];
        const y = b[k];
        if (x === y || (x !== null && y !== null && Math.abs(x - y) <= TOLERANCE)) continue;
        const arrow = x !== null && y !== null ? (y > x ? ' ↑' : ' ↓') : '';
        rows.push(`| ${s} | ${k} | ${show(x)} | ${show(y)}${arrow} |`);
      }
    }
  }
  const list = (m: Map<string, number>) => [...m].map(([g, n]) => `${g} (${n})`);
  return { rows, added: list(added), removed: list(removed) };
}

describe('replay regression on held-out runs (bundled models)', () => {
  const results: Record<string, any> = {};
  beforeAll(async () => {
    for (const s of STRATEGIES) results[s] = await replayJson(s);
  }, 300_000);

  const goldenResults = () =>
    Object.fromEntries(
      STRATEGIES.map((s) => {
        const { files: _files, invalidExamples: _ex, ...rest } = results[s];
        return [s, rest];
      }),
    );

  if (refresh) {
    it('refreshes the golden file and prints every metric that moved', () => {
      const old = existsSync(GOLDEN) ? JSON.parse(readFileSync(GOLDEN, 'utf8')).results : {};
      const now = goldenResults();
      const { rows, added, removed } = movedMetrics(old, now);
      writeFileSync(GOLDEN, JSON.stringify({ holdout: HOLDOUT, tolerance: TOLERANCE, results: now }, null, 2) + '\n');
      process.stdout.write(
        `\nreplay-golden.json: ${rows.length} metric${rows.length === 1 ? '' : 's'} moved\n\n| strategy | metric | old | new |\n|---|---|---:|---:|\n${rows.join('\n')}\n` +
          (added.length ? `\nnew metrics: ${added.join(', ')}\n` : '') +
          (removed.length ? `\nmetrics no longer reported: ${removed.join(', ')}\n` : '') +
          '\n',
      );
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
    const got = flatten(goldenResults()[strategy]);
    expect(Object.keys(got).sort()).toEqual(Object.keys(want).sort());
    const changed = Object.keys(want).filter((k) => {
      const a = want[k];
      const b = got[k];
      return a === null || b === null ? a !== b : Math.abs(a - b) > TOLERANCE;
    });
    expect(changed.map((k) => `${k}: golden ${want[k]} → now ${got[k]}`)).toEqual([]);
  });

  it('floor: the ensemble beats persistence on F1', () => {
    const r = results[FLOORS.strategy];
    expect(r.ensemble.f1, `ensemble F1 ${r.ensemble.f1} vs persistence ${r.persistence.f1}`).toBeGreaterThan(r.persistence.f1);
  });

  it(`floor: the ensemble flags at least ${FLOORS.onsetsCaughtEarlyMin} violation onsets early`, () => {
    const r = results[FLOORS.strategy];
    expect(r.episodes.caughtEarly.ensemble, `of ${r.episodes.count} episodes`).toBeGreaterThanOrEqual(FLOORS.onsetsCaughtEarlyMin);
  });

  it('the ensemble and every model are scored beside the persistence baseline on the same rows', () => {
    for (const s of STRATEGIES) {
      const r = results[s];
      const n = (m: { tp: number; fp: number; tn: number; fn: number }) => m.tp + m.fp + m.tn + m.fn;
      expect(n(r.persistence)).toBe(r.labelled);
      expect(n(r.ensemble)).toBe(r.labelled);
      for (const m of Object.values(r.models) as any[]) expect(n(m)).toBe(r.labelled);
      expect(r.matchedRecall.recall).toBe(r.persistence.recall);
    }
  });
});

describe('movedMetrics (the refresh table)', () => {
  it('lists each moved or added metric with its old and new value, and nothing else', () => {
    const old = { majority: { ensemble: { f1: 0.625, tp: 100 }, decisions: { SCALE_UP: 103 }, prCurves: { ensemble: [{ precision: 0.5 }] } } };
    const now = { majority: { ensemble: { f1: 0.7, tp: 100 }, decisions: { SCALE_UP: 22 }, prCurves: { ensemble: [{ precision: 0.5 }] }, gaps: 0 } };
    expect(movedMetrics(old, now)).toEqual({
      rows: ['| majority | decisions.SCALE_UP | 103 | 22 ↓ |', '| majority | ensemble.f1 | 0.6250 | 0.7000 ↑ |'],
      added: ['majority: gaps (1)'],
      removed: [],
    });
    expect(movedMetrics({ weighted: { ensemble: { f1: 0.6 } } }, {})).toEqual({ rows: [], added: [], removed: ['weighted: ensemble.f1 (1)'] });
  });
});
