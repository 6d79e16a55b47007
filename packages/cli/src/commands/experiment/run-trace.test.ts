/**
 * `experiment run --pattern trace` on the emulator, kept to seconds: a 40 s trace (20 rps, a 2 s climb at
 * 20 s, then 80 rps) compressed 5× into 8 s of wall time, a snapshot every 10 s of experiment time (2 s wall).
 * Without --duration the run is the trace's length (4 snapshots); without --peak-rps its own rates are
 * offered, not the built-in shapes' 150 rps default.
 */
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSnapshotJsonl } from '@sockml/core';
import { sockml } from '../../test-support.js';

describe('sockml experiment run --pattern trace (emulator)', () => {
  it('plays the trace at its own length and rates, names the files trace, and says what it played', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sockml-exprun-trace-'));
    const trace = join(dir, 'two-levels.csv');
    writeFileSync(trace, 't_seconds,rps\n0,20\n19,20\n21,80\n40,80\n');
    const out = join(dir, 'runs');
    const r = await sockml(['experiment', 'run', '--pattern', 'trace', '--trace', trace, '--condition', 'static', '--interval', '10s', '--time-scale', '5', '--settle', '5s', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ pattern: 'trace', duration: '40s', timeScale: 5 });
    // 40 s of trace time in 8 s of wall time; the rates as written (no --peak-rps: not scaled to 150).
    expect(result.load).toMatchObject({ name: 'trace', peakRps: 80, durationMs: 8000, params: { file: trace, format: 'rate-csv', points: 4, traceSeconds: 40, playedSeconds: 40, timeStretch: 0.2, rateScale: 1 } });
    expect(readdirSync(out)).toEqual(['static_trace_run01.jsonl']);

    const snapshots = parseSnapshotJsonl(readFileSync(join(out, 'static_trace_run01.jsonl'), 'utf8'), 'static_trace_run01.jsonl');
    expect(snapshots.map((s) => [s.pattern, s.intervalIdx])).toEqual([0, 1, 2, 3].map((i) => ['trace', i]));
    // The load generator's offered rate per snapshot follows the trace: 20 rps first, 80 rps last.
    const offered = readFileSync(join(out, 'static_trace_run01.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).load.offered_rps as number);
    expect(offered[0]).toBeGreaterThan(15);
    expect(offered[0]).toBeLessThan(25);
    expect(offered[3]).toBeGreaterThan(70);
    expect(offered[3]).toBeLessThan(90);
  }, 60_000);
});
