/**
 * `sockml experiment run` end to end on the emulator, as a user runs it: a short step experiment
 * (2 minutes of experiment time compressed 3× into 40 s per run, a snapshot every 15 s) whose 100 % step
 * (200 rps) overloads one front-end replica (150 rps) and whose front-end CPU is above the HPA's target
 * (70 % of a 100 m request) from the first step on. The reactive HPA must scale the front-end up; static
 * must not. The files must parse with the analyze reader and `experiment analyze`,
 * which reads both and counts 5 s (wall-clock) snapshots as 5 s of replicas, not 30 s.
 */
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseSnapshotJsonl } from '@sockml/core';
import { sockml } from '../../test-support.js';
import { startSockml } from '../../testing/sockml-process.js';

describe('sockml experiment run --target sim', () => {
  it('records static and reactive step runs that analyze reads; only reactive scales the front-end', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sockml-exprun-'));
    const run = startSockml(
      ['experiment', 'run', '--pattern', 'step', '--condition', 'static,reactive', '--target', 'sim', '--duration', '2m', '--interval', '15s', '--time-scale', '3', '--peak-rps', '200', '--settle', '3s', '--out', out, '--json'],
      { timeoutMs: 240_000 },
    );
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.order).toEqual([
      { condition: 'static', runId: 1 },
      { condition: 'reactive', runId: 1 },
    ]);
    expect(readdirSync(out).sort()).toEqual(['reactive_step_run01.jsonl', 'static_step_run01.jsonl']);

    const lines = (f: string) => readFileSync(join(out, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const frontEnd = (f: string) => lines(f).map((l) => l.services['front-end']);

    // Reactive: the analyze reader accepts the file; the HPA scaled the front-end up under the overload.
    const reactive = parseSnapshotJsonl(readFileSync(join(out, 'reactive_step_run01.jsonl'), 'utf8'), 'reactive_step_run01.jsonl');
    expect(reactive).toHaveLength(8);
    expect(reactive.map((s) => s.intervalIdx)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    expect(reactive.every((s) => s.condition === 'reactive' && s.pattern === 'step' && s.runId === 1 && Object.keys(s.services).length === 7)).toBe(true);
    expect(Math.max(...reactive.map((s) => s.services['front-end'].replicas ?? 0))).toBeGreaterThan(1);
    expect(result.runs[1].scalingActions.some((a: { service: string; to: number }) => a.service === 'front-end' && a.to > 1)).toBe(true);

    // Static: the same schema, one front-end replica throughout, and the overload visible as SLO violations.
    const staticLines = lines('static_step_run01.jsonl');
    expect(staticLines.every((l) => l.condition === 'static')).toBe(true);
    expect(parseSnapshotJsonl(readFileSync(join(out, 'static_step_run01.jsonl'), 'utf8'), 'static_step_run01.jsonl')).toHaveLength(8);
    expect(frontEnd('static_step_run01.jsonl').every((s) => s.replicas === 1)).toBe(true);
    expect(frontEnd('static_step_run01.jsonl').some((s) => s.slo_violated === true && s.p95_ms > 35.68)).toBe(true);
    expect(result.runs[0].scalingActions).toEqual([]);

    // The load generator's numbers ride along: the step's first quarter offers 35 % of 200 rps.
    expect(staticLines[0].load.offered_rps).toBeGreaterThan(60);
    expect(staticLines[0].load.offered_rps).toBeLessThan(80);
    expect(staticLines.every((l) => l.load.achieved_rps >= 0 && l.load.errors >= 0)).toBe(true);

    // analyze reads the directory: the reactive and the static run, nothing skipped.
    const a = await sockml(['experiment', 'analyze', out, '--json']);
    expect(a.code, a.stderr).toBe(0);
    const analysis = JSON.parse(a.stdout);
    expect(analysis.files.used).toEqual([join(out, 'reactive_step_run01.jsonl'), join(out, 'static_step_run01.jsonl')]);
    expect(analysis.files.skipped).toEqual([]);
    expect(analysis.global.reactive.runs).toBe(1);
    expect(analysis.global.reactive.snapshots).toBe(8);
    expect(analysis.global.static).toMatchObject({ runs: 1, snapshots: 8, scalingActions: 0 });
    expect(analysis.global.proactive).toBeNull();
    expect(analysis.global.comparisons['reactive-vs-static'].reason).toBeNull();
    expect(analysis.global.comparisons['proactive-vs-static'].reason).toBe('no proactive runs');
    // 15 s of experiment time at --time-scale 3 is a 5 s wall-clock poll, and replica-seconds count 5 s, not 30.
    const staticRun = analysis.runs.find((r: { condition: string }) => r.condition === 'static');
    expect(staticRun.medianIntervalSeconds).toBeGreaterThan(4.5);
    expect(staticRun.medianIntervalSeconds).toBeLessThan(5.5);
    const staticReplicas = staticLines.reduce((s, l) => s + Object.values(l.services as Record<string, { replicas: number }>).reduce((t, v) => t + v.replicas, 0), 0);
    expect(analysis.global.static.replicaSeconds / (staticReplicas * 5)).toBeGreaterThan(0.9);
    expect(analysis.global.static.replicaSeconds / (staticReplicas * 5)).toBeLessThan(1.1);
    expect(analysis.durationWarnings).toEqual([]);
  }, 300_000);

  it("--config's replica bounds reach the reactive condition's HPAs (each Deployment's HPA has its own)", async () => {
    const out = mkdtempSync(join(tmpdir(), 'sockml-exprun-config-'));
    // user at two replicas at least (the HPA enforces its minReplicas on its first sync, with no load to scale
    // on), the front-end at two at most (the step overloads one replica: the HPA would run more).
    writeFileSync(join(out, 'sockml.yaml'), 'services:\n  user: { min-replicas: 2 }\n  front-end: { max-replicas: 2 }\n');
    const r = await sockml(['experiment', 'run', '--pattern', 'step', '--condition', 'reactive', '--duration', '1m', '--interval', '15s', '--time-scale', '3', '--peak-rps', '400', '--settle', '3s', '--config', join(out, 'sockml.yaml'), '--out', join(out, 'runs'), '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).config.hpaByService).toMatchObject({ user: { minReplicas: 2, maxReplicas: 10 }, 'front-end': { minReplicas: 1, maxReplicas: 2 } });
    const snapshots = parseSnapshotJsonl(readFileSync(join(out, 'runs', 'reactive_step_run01.jsonl'), 'utf8'), 'reactive_step_run01.jsonl');
    const most = (s: string) => Math.max(...snapshots.map((x) => x.services[s].replicas ?? 0));
    expect([most('user'), most('front-end'), snapshots.at(-1)!.services.user.replicas]).toEqual([2, 2, 2]);
  }, 120_000);

  it('Ctrl-C in the middle of a run: the run is kept, marked partial, and analyze skips it with a warning', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sockml-exprun-'));
    // 2 minutes of experiment time at 10×: 12 s of wall clock, a snapshot every 1 s; stopped after 3 of them.
    const run = startSockml(['experiment', 'run', '--pattern', 'step', '--condition', 'static', '--duration', '2m', '--interval', '10s', '--time-scale', '10', '--peak-rps', '20', '--settle', '1s', '--out', out], { timeoutMs: 60_000 });
    await run.waitForStderr(/interval 2:/);
    run.child.kill('SIGINT');
    const r = await run.done;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/static_step_run01\.partial\.jsonl .*interrupted/);
    expect(readdirSync(out)).toEqual(['static_step_run01.partial.jsonl']);
    const snapshots = parseSnapshotJsonl(readFileSync(join(out, 'static_step_run01.partial.jsonl'), 'utf8'), 'partial');
    expect(snapshots.length).toBeGreaterThanOrEqual(3);
    expect(snapshots.length).toBeLessThan(12);

    const a = await sockml(['experiment', 'analyze', out]);
    expect(a.code).toBe(2); // nothing whole to analyze
    expect(a.stderr).toMatch(/static_step_run01\.partial\.jsonl \(partial run: /);
  }, 120_000);

  it('a time scale that does not divide the durations evenly still runs every interval (built-in shapes are whole ms)', async () => {
    const out = mkdtempSync(join(tmpdir(), 'sockml-exprun-'));
    const r = await sockml(['experiment', 'run', '--pattern', 'ramp', '--condition', 'static', '--duration', '60s', '--interval', '30s', '--time-scale', '7', '--peak-rps', '20', '--settle', '1s', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    // 30 s / 7 = 4285.714… ms per interval: the pattern used to be refused ("segments cover 8571 ms, not 8571.43 ms").
    expect(readFileSync(join(out, 'static_ramp_run01.jsonl'), 'utf8').trim().split('\n')).toHaveLength(2);
  });
});
