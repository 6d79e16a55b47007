import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { DEFAULT_HPA_FLOOR_PCT, DEFAULT_HPA_FLOOR_PCT_BY_SERVICE, POLICY_PARAMETERS } from '@sockml/core';
import { describe, expect, it } from 'vitest';
import { sockml } from '../test-support.js';

const scratch = () => mkdtempSync(join(tmpdir(), 'sockml-lab-'));

/** Every file under dir with its bytes, by path relative to dir. */
function tree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const f of readdirSync(dir, { recursive: true }).map(String).sort()) {
    try {
      out[f] = readFileSync(join(dir, f), 'utf8');
    } catch {
      out[f] = '<dir>';
    }
  }
  return out;
}

/** A proactive run's decisions (its .d directory's decisions.ndjson) as 'timestamp service decision target' lines. */
const labDecisions = (runDir: string) =>
  readFileSync(join(runDir, 'decisions.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l))
    .map((d) => `${d.timestamp} ${d.service} ${d.decision} ${d.target_replicas}`);

/** The same lines from `sockml replay --out` CSV. */
const replayDecisions = (csv: string) =>
  (parseCsvSync(readFileSync(csv, 'utf8'), { columns: true }) as Record<string, string>[]).map((x) => `${x.timestamp} ${x.service} ${x.decision} ${x.target_replicas}`);

const RUN = ['lab', '--pattern', 'spike', '--condition', 'proactive,reactive,static', '--repeat', '2', '--duration', '5m', '--peak-rps', '200', '--seed', '11'];

describe('sockml lab', () => {
  it('writes the same files byte for byte for the same flags, whatever the thread count', async () => {
    const a = join(scratch(), 'a');
    const b = join(scratch(), 'b');
    const r1 = await sockml([...RUN, '--out', a, '--threads', '1']);
    expect(r1.code, r1.stderr).toBe(0);
    const r2 = await sockml([...RUN, '--out', b, '--threads', '2']);
    expect(r2.code, r2.stderr).toBe(0);
    const ta = tree(a);
    expect(Object.keys(ta)).toEqual([
      'lab.json',
      'proactive_spike_run01.d',
      'proactive_spike_run01.d/decisions.ndjson',
      'proactive_spike_run01.d/metrics.csv',
      'proactive_spike_run01.jsonl',
      'proactive_spike_run02.d',
      'proactive_spike_run02.d/decisions.ndjson',
      'proactive_spike_run02.d/metrics.csv',
      'proactive_spike_run02.jsonl',
      'reactive_spike_run01.jsonl',
      'reactive_spike_run02.jsonl',
      'static_spike_run01.jsonl',
      'static_spike_run02.jsonl',
    ]);
    expect(tree(b)).toEqual(ta);
    // Another seed is another experiment.
    const c = join(scratch(), 'c');
    expect((await sockml([...RUN.slice(0, -1), '12', '--out', c])).code).toBe(0);
    expect(tree(c)['reactive_spike_run01.jsonl']).not.toEqual(ta['reactive_spike_run01.jsonl']);
  });

  it('prints the summary, and --json gives it with each comparison; experiment analyze reads the directory unchanged', async () => {
    const out = join(scratch(), 'runs');
    const r = await sockml([...RUN, '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.runs).toBe(6);
    expect(Object.keys(j.summary.conditions).sort()).toEqual(['proactive', 'reactive', 'static']);
    expect(j.summary.comparisons.map((c: { condition: string; baseline: string }) => `${c.condition}/${c.baseline}`)).toEqual(['proactive/reactive', 'proactive/static', 'reactive/static']);
    expect(j.summary.conditions.static.replicaSecondsPerRun).toBe(7 * 300); // 7 services × 1 replica × 5 min
    const a = await sockml(['experiment', 'analyze', out, '--json']);
    expect(a.code, a.stderr).toBe(0);
    expect(JSON.parse(a.stdout).counts.runs).toBe(6);
    const text = await sockml([...RUN, '--out', join(scratch(), 'text')]);
    expect(text.stdout).toMatch(/proactive vs reactive/);
    expect(text.stdout).toMatch(/× real time/);
  });

  it("--config gives each service's replica bounds to the HPAs too, as each Deployment's HPA has its own; a service the emulator does not run is refused", async () => {
    const configFile = join(scratch(), 'sockml.yaml');
    writeFileSync(configFile, 'services:\n  orders:\n    min-replicas: 2\n');
    const ordersReplicas = async (extra: string[]) => {
      const dir = join(scratch(), 'runs');
      const r = await sockml(['lab', '--pattern', 'spike', '--condition', 'reactive', '--duration', '5m', '--peak-rps', '100', '--seed', '3', '--out', dir, ...extra]);
      expect(r.code, r.stderr).toBe(0);
      const lab = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8'));
      const snapshots = readFileSync(join(dir, 'reactive_spike_run01.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      return { lab, replicas: snapshots.slice(1).map((x) => x.services.orders.replicas as number) };
    };
    const withConfig = await ordersReplicas(['--config', configFile]);
    expect(Math.min(...withConfig.replicas)).toBe(2); // from the HPA's first sync on
    expect(withConfig.lab.config.hpaByService.orders).toEqual({ minReplicas: 2, maxReplicas: 10 });
    expect(withConfig.lab.config.hpaByService.carts).toEqual({ minReplicas: 1, maxReplicas: 10 });
    expect(Math.min(...(await ordersReplicas([])).replicas)).toBe(1);

    writeFileSync(configFile, 'services:\n  orders:\n    policy:\n      attributionMinUtilization: 0.3\n');
    const perServiceAttribution = await sockml(['lab', '--pattern', 'step', '--condition', 'proactive', '--duration', '2m', '--out', join(scratch(), 'runs'), '--config', configFile]);
    expect(perServiceAttribution.code).toBe(2); // before any run, as scale refuses it
    expect(perServiceAttribution.stderr).toMatch(/sockml\.yaml: scaling policy hybrid \(orders\): callee attribution .* is set for the whole scaler, not per service/);

    writeFileSync(configFile, 'services:\n  ordres:\n    min-replicas: 2\n');
    const typo = await sockml(['lab', '--pattern', 'spike', '--condition', 'reactive', '--duration', '5m', '--out', join(scratch(), 'runs'), '--config', configFile]);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toMatch(/services\.ordres: not a service of Sock Shop \(front-end, .*orders/);
  });

  it("--config's hpa-floor is a service's own target for the HPA under sockml; without a floor to set it is refused", async () => {
    const configFile = join(scratch(), 'sockml.yaml');
    writeFileSync(configFile, 'services:\n  catalogue:\n    hpa-floor: 20\n');
    const catalogue = async (extra: string[]) => {
      const dir = join(scratch(), 'runs');
      const r = await sockml(['lab', '--pattern', 'constant', '--condition', 'proactive', '--duration', '5m', '--peak-rps', '200', '--seed', '3', '--out', dir, ...extra]);
      expect(r.code, r.stderr).toBe(0);
      const lab = JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8'));
      const snapshots = readFileSync(join(dir, 'proactive_constant_run01.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      return { lab, catalogue: snapshots.at(-1).services.catalogue.replicas as number, frontEnd: snapshots.at(-1).services['front-end'].replicas as number };
    };
    // --hpa-floor given: every service at it, but for the file's hpa-floor.
    const own = await catalogue(['--config', configFile, '--hpa-floor', '92']);
    const shared = await catalogue(['--hpa-floor', '92']);
    expect(own.lab.hpaFloorPctByService).toEqual({ catalogue: 20 });
    expect(shared.lab.hpaFloorPctByService).toBeUndefined();
    // At 20 % instead of the floor's 92 % catalogue runs several times the replicas; the front-end keeps the shared floor.
    expect(own.catalogue).toBeGreaterThanOrEqual(2 * shared.catalogue);
    expect(own.frontEnd).toBe(shared.frontEnd);
    // The default floor: the chosen per-service targets (criterion v9), the file's over them.
    expect((await catalogue([])).lab.hpaFloorPctByService).toEqual(DEFAULT_HPA_FLOOR_PCT_BY_SERVICE);
    expect((await catalogue(['--config', configFile])).lab.hpaFloorPctByService).toEqual({ ...DEFAULT_HPA_FLOOR_PCT_BY_SERVICE, catalogue: 20 });

    for (const without of [['--condition', 'reactive'], ['--condition', 'proactive', '--hpa-floor', '0']]) {
      const r = await sockml(['lab', '--pattern', 'constant', '--duration', '2m', '--out', join(scratch(), 'runs'), '--config', configFile, ...without]);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/sockml\.yaml: hpa-floor sets the HPA under sockml: it needs the proactive condition and --hpa-floor above 0/);
    }
  });

  it("a proactive lab run's metrics CSV, replayed with `sockml replay`, takes every decision the lab took", async () => {
    const out = join(scratch(), 'runs');
    // Under an HPA floor (the default, DEFAULT_HPA_FLOOR_PCT) the cluster runs the larger of the HPA's and sockml's counts;
    // sockml's own decisions still follow from the metrics CSV alone. Callee attribution (on by default)
    // decides whole polls: replay must group a poll's rows as the lab does.
    const attribution = ['--policy', 'hybrid', '--policy-set', 'attributionMinUtilization=0.5', '--hpa-floor', '80'];
    const floorOf = (policy: string[]) => (policy.includes('--hpa-floor') ? Number(policy[policy.indexOf('--hpa-floor') + 1]) || null : DEFAULT_HPA_FLOOR_PCT);
    // Lab runs start every service at 1 replica; a policy whose minimum is 2 first moves to it, and replay
    // is told where the run began (--initial-replicas) to take that move too.
    const minTwo = ['--hpa-floor', '0', '--min-replicas', '2'];
    // The mid-tier rule (orders over the SLO blames its busiest callee), alone so that its decisions show.
    const midTier = ['--policy-set', 'attributionMinUtilization=0', '--policy-set', 'midTierAttributionMinUtilization=0.5'];
    // A config file, as `scale --config` reads it: orders kept at 3 replicas or more, carts on a base target of its own.
    const configFile = join(scratch(), 'sockml.yaml');
    writeFileSync(configFile, 'services:\n  orders:\n    min-replicas: 3\n  carts:\n    policy:\n      targetUtilizationPct: 90\n');
    const perService = ['--config', configFile];
    // The regime strategy reads the poll's own p95: the lab must hand it the poll as replay does.
    const regime = ['--strategy', 'regime'];
    // sockml's changes acting 10 s after its poll (DelayedController): other metrics, the same decision path.
    const lagged = ['--actuation-lag', '10s'];
    const ordersTargets = new Map<string[], number[]>();
    const defaults: string[] = [];
    for (const policy of [['--policy', 'step', '--hpa-floor', '0'], ['--hpa-floor', '0', '--policy-set', 'attributionMinUtilization=0'], defaults, attribution, minTwo, midTier, perService, regime, lagged]) {
      const dir = join(out, policy.join('') || 'defaults');
      const r = await sockml(['lab', '--pattern', 'step', '--condition', 'proactive', '--duration', '10m', '--peak-rps', '200', '--seed', '3', '--out', dir, ...policy]);
      expect(r.code, r.stderr).toBe(0);
      const live = labDecisions(join(dir, 'proactive_step_run01.d'));
      const replayed = join(dir, 'replayed.csv');
      const labOnly = ['--hpa-floor', '--actuation-lag'];
      const policyFlags = policy.filter((_, i) => !labOnly.includes(policy[i]) && !labOnly.includes(policy[i - 1]));
      const rep = await sockml(['replay', join(dir, 'proactive_step_run01.d/metrics.csv'), '--out', replayed, ...policyFlags, '--initial-replicas', '1']);
      expect(rep.code, rep.stderr).toBe(0);
      const offline = replayDecisions(replayed);
      expect(offline).toHaveLength(140);
      // The same decisions, each as often (a poll's services may come in another order).
      expect([...offline].sort()).toEqual([...live].sort());
      expect(live.some((d) => d.includes('SCALE_UP'))).toBe(true); // the comparison is about decisions that act
      if (policy === minTwo) expect(live.filter((d) => /^\S+:00:30\.000Z \S+ SCALE_UP/.test(d))).toHaveLength(7); // every service's first move, off 1 replica
      ordersTargets.set(policy, live.filter((d) => d.split(' ')[1] === 'orders').map((d) => Number(d.split(' ')[3])));
      if (policy === attribution) {
        // ...and about attributed ones: a callee scaled up for the front-end's p95, which the models' majority
        // did not ask for (so the decision is attribution's alone).
        const reasons = readFileSync(join(dir, 'proactive_step_run01.d/decisions.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
        expect(reasons.some((d) => d.service !== 'front-end' && d.decision === 'SCALE_UP' && d.scale_up_votes < 2 && /front-end p95 .* over the SLO, this callee the busiest/.test(d.reason))).toBe(true);
      }
      if (policy === midTier) {
        const reasons = readFileSync(join(dir, 'proactive_step_run01.d/decisions.ndjson'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
        expect(reasons.some((d) => d.decision === 'SCALE_UP' && d.scale_up_votes < 2 && /orders p95 .* over the SLO, this callee the busiest/.test(d.reason))).toBe(true);
      }
      expect(JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8')).hpaFloorPct).toBe(floorOf(policy));
      if (policy === lagged) {
        expect(JSON.parse(readFileSync(join(dir, 'lab.json'), 'utf8')).actuationLagMs).toBe(10_000);
        // The lag acted: the same arrivals under the same decision path gave other measurements than without it.
        const metricsOf = (p: string[]) => readFileSync(join(out, p.join('') || 'defaults', 'proactive_step_run01.d/metrics.csv'), 'utf8');
        expect(metricsOf(lagged)).not.toEqual(metricsOf(defaults));
      }
    }
    // The config file acted (orders never below 3; with the defaults, midTierMinReplicas, orders sits at 2 somewhere), in the lab and in replay alike.
    expect(Math.min(...ordersTargets.get(perService)!)).toBe(3);
    expect(Math.min(...ordersTargets.get(defaults)!)).toBe(2);
  });

  it.each([
    [['--condition', 'proactive,nope'], /unknown condition 'nope'/],
    [['--condition', 'reactive', '--interval', '1500ms'], /--interval must be a whole number of seconds/],
    [['--condition', 'reactive', '--duration', '10s'], /--interval \(30s\) is longer than --duration/],
    [['--condition', 'proactive', '--policy', 'hybrid', '--policy-set', 'noSuch=1'], /hybrid has no setting 'noSuch'/],
    [['--condition', 'proactive', '--policy', 'hybrid', '--scale-up-cooldown', '10s'], /setting of the step policy/],
    [['--condition', 'proactive', '--policy', 'step', '--policy-set', 'stepUp=0'], /'stepUp' must be a whole number ≥ 1/],
    [['--condition', 'proactive', '--policy-set', 'stepUp=1'], /hybrid has no setting 'stepUp'/],
    [['--condition', 'reactive', '--slo', '0'], /--slo must be a positive number/],
    [['--condition', 'proactive', '--actuation-lag', '30s'], /--actuation-lag must be from 0 to less than --poll-interval \(30s\)/],
    [['--condition', 'proactive', '--actuation-lag', 'soon'], /--actuation-lag: 'soon' is not a duration/],
    [['--condition', 'reactive', '--actuation-lag', '5s'], /--actuation-lag delays sockml's changes: it needs the proactive condition/],
    [['--condition', 'proactive', '--rate-window', '2500ms'], /--rate-window must be a whole number of seconds/],
    [['--condition', 'reactive', '--time-scale', '7'], /--time-scale 7: --interval 30s would be 4\.286 s; the lab needs whole seconds/],
    [['--condition', 'reactive', '--time-scale', '0'], /--time-scale must be a positive number/],
    [['--condition', 'reactive', '--warmup', '45s'], /--warmup must be a positive multiple of --interval/],
    [['--condition', 'reactive', '--hpa-scale-down-window', '2h'], /--hpa-scale-down-window must be whole seconds from 0 to 1h/],
    [['--condition', 'reactive', '--duration', '5m', '--warmup', '5m'], /--warmup must be a positive multiple of --interval \(30s\) shorter than the run/],
    [['--condition', 'proactive', '--hpa-floor-scale-down-window', '2h'], /--hpa-floor-scale-down-window must be whole seconds from 0 to 1h/],
    [['--condition', 'reactive', '--hpa-floor-scale-down-window', '60s'], /--hpa-floor-scale-down-window sets the HPA under sockml: it needs the proactive condition and --hpa-floor above 0/],
    [['--condition', 'proactive', '--hpa-floor', '0', '--hpa-floor-scale-down-window', '60s'], /it needs the proactive condition and --hpa-floor above 0/],
  ])('bad input %j: one line, exit 2', async (args, message) => {
    const r = await sockml(['lab', '--pattern', 'step', '--out', join(scratch(), 'x'), ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });

  it.each([
    [['--models', '/nonexistent-models'], /\/nonexistent-models: model directory not found/],
    [['--strategy', 'weighted', '--weights', 'stacked'], /stacked/],
  ])('a model problem %j: exit 3 before any run, nothing written', async (args, message) => {
    const out = join(scratch(), 'x');
    const r = await sockml(['lab', '--pattern', 'step', '--condition', 'proactive,reactive', '--duration', '3m', '--out', out, ...args]);
    expect(r.code, r.stderr).toBe(3);
    expect(r.stderr).toMatch(message);
    expect(existsSync(out)).toBe(false);
  });

  it('--out naming a file is bad input, not a file system error', async () => {
    const file = join(scratch(), 'in.csv');
    writeFileSync(file, 'x\n');
    const r = await sockml(['lab', '--pattern', 'step', '--condition', 'reactive', '--duration', '1m', '--out', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--out .*in\.csv: is not a directory/);
    expect(readFileSync(file, 'utf8')).toBe('x\n');
  });

  it('a --duration that is not whole intervals is cut, with a warning, and the summary says where the files are', async () => {
    const out = join(scratch(), 'cut');
    const r = await sockml(['lab', '--pattern', 'step', '--condition', 'reactive', '--duration', '75s', '--out', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr.replace(/\s*\n\s*›\s*/g, ' ')).toMatch(/--duration 75s is not a whole number of --interval \(30s\): each run plays the first 60 s/);
    expect(JSON.parse(readFileSync(join(out, 'lab.json'), 'utf8')).pattern.durationMs).toBe(60_000);
    expect(r.stdout).toContain(`1 run(s) and lab.json written to ${out}/`);
    const byDefault = await sockml(['lab', '--pattern', 'step', '--condition', 'reactive', '--interval', '7s', '--out', join(out, 'seven')]);
    expect(byDefault.code, byDefault.stderr).toBe(0);
    expect(byDefault.stderr.replace(/\s*\n\s*›\s*/g, ' ')).toMatch(/--duration 10m is not a whole number of --interval \(7s\): each run plays the first 595 s/);
  });

  it('--pattern trace plays a recording at its own length, scaled to --peak-rps, and names the file in lab.json', async () => {
    const out = join(scratch(), 'trace');
    const trace = 'fixtures/sockshop-gke/runs/step/run_1.csv';
    const r = await sockml(['lab', '--pattern', 'trace', '--trace', trace, '--peak-rps', '200', '--condition', 'reactive,static', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.pattern.name).toBe('trace');
    expect(j.pattern.params.file).toBe(trace);
    expect(j.pattern.peakRps).toBe(200);
    const lines = readFileSync(join(out, 'static_trace_run01.jsonl'), 'utf8').trim().split('\n');
    // The recording spans its polls' timestamps; the lab plays whole 30 s intervals of it.
    expect(lines.length).toBe(Math.floor(j.pattern.durationMs / 30_000));
    expect(Math.max(...lines.map((l) => JSON.parse(l).load.offered_rps))).toBeLessThanOrEqual(200);
    expect(JSON.parse(readFileSync(join(out, 'lab.json'), 'utf8')).pattern.params.sha256).toMatch(/^[0-9a-f]{64}$/);
  });

  it('a bad trace is exit 2 naming file and line', async () => {
    const dir = scratch();
    writeFileSync(join(dir, 'bad.csv'), 't_seconds,rps\n0,10\n30,-5\n');
    const r = await sockml(['lab', '--pattern', 'trace', '--trace', join(dir, 'bad.csv'), '--condition', 'reactive', '--out', join(dir, 'x')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.csv:3: .*negative|bad\.csv:3:/);
    const r2 = await sockml(['lab', '--pattern', 'step', '--trace', join(dir, 'bad.csv'), '--condition', 'reactive', '--out', join(dir, 'y')]);
    expect(r2.code).toBe(2);
    expect(r2.stderr).toMatch(/--trace is for --pattern trace/);
  });

  it("--rate-window sets the window of collect's rates in the proactive samples, and lab.json records it", async () => {
    const dir = scratch();
    const first = (window: string[]) => async () => {
      const out = join(dir, window.join('') || 'default');
      const r = await sockml(['lab', '--pattern', 'step', '--condition', 'proactive', '--duration', '5m', '--peak-rps', '200', '--seed', '5', '--out', out, '--json', ...window]);
      expect(r.code, r.stderr).toBe(0);
      const rows = parseCsvSync(readFileSync(join(out, 'proactive_step_run01.d/metrics.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
      return { json: JSON.parse(r.stdout), rows: rows.filter((x) => x.service === 'front-end') };
    };
    const short = await first([])();
    const minute = await first(['--rate-window', '1m'])(); // collect's own default
    expect(short.json.rateWindowMs).toBe(30_000); // one poll: the chosen configuration's window
    expect(minute.json.rateWindowMs).toBe(60_000);
    // step at 200 rps peak over 5 minutes: 70 rps, then 140 from 75 s. The poll at 90 s averages 15 s of each
    // over a 30 s window (105 rps) and 45 s of 70 with 15 s of 140 over a 60 s window (87.5 rps).
    const rateAt = (rows: Record<string, string>[], iso: string) => Number(rows.find((x) => x.timestamp === iso)!.request_rate_rps);
    expect(rateAt(short.rows, '2026-01-01T00:01:30.000Z')).toBeCloseTo(105, 0);
    expect(rateAt(minute.rows, '2026-01-01T00:01:30.000Z')).toBeCloseTo(87.5, 0);
    expect(rateAt(short.rows, '2026-01-01T00:01:00.000Z')).toBeCloseTo(70, 0);
  });

  it('--warmup adds a summary without each run\'s first intervals, counted from the same run files', async () => {
    const out = join(scratch(), 'warmup');
    const r = await sockml(['lab', '--pattern', 'constant', '--condition', 'reactive,static', '--duration', '3m', '--peak-rps', '200', '--seed', '3', '--warmup', '60s', '--out', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout);
    expect(j.afterWarmup.warmupMs).toBe(60_000);
    expect(j.afterWarmup.summary.conditions.static.replicaSecondsPerRun).toBe(7 * 120); // 7 services × 1 replica × the last 2 minutes
    // The same numbers from the run files, intervals 2 and later only.
    const rows = readFileSync(join(out, 'reactive_constant_run01.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    const late = rows.filter((x) => x.interval_idx >= 2);
    const violating = late.reduce((n, x) => n + Object.values(x.services as Record<string, { slo_violated?: boolean }>).filter((v) => v.slo_violated).length, 0);
    const replicaSeconds = late.reduce((n, x) => n + Object.values(x.services as Record<string, { replicas: number }>).reduce((m, v) => m + v.replicas * 30, 0), 0);
    expect(j.afterWarmup.summary.conditions.reactive.perRun[0]).toEqual({ runId: 1, violating, replicaSeconds });
    expect(j.summary.conditions.reactive.perRun[0].replicaSeconds).toBeGreaterThan(replicaSeconds);
    const { afterWarmup: _, ...withoutWarmup } = JSON.parse(readFileSync(join(out, 'lab.json'), 'utf8'));
    expect(withoutWarmup.summary).toEqual(j.summary);
  });

  it('--hpa-scale-down-window sets the HPA\'s stabilization window: after a spike, a shorter one gives replicas back sooner', async () => {
    const dir = scratch();
    const run = async (extra: string[]) => {
      const r = await sockml(['lab', '--pattern', 'spike', '--condition', 'reactive', '--duration', '10m', '--peak-rps', '200', '--seed', '7', '--out', join(dir, extra.join('') || 'default'), '--json', ...extra]);
      expect(r.code, r.stderr).toBe(0);
      const j = JSON.parse(r.stdout);
      const frontEnd = readFileSync(join(dir, extra.join('') || 'default', 'reactive_spike_run01.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l).services['front-end'].replicas as number);
      return { j, frontEnd };
    };
    const byDefault = await run([]);
    const short = await run(['--hpa-scale-down-window', '30s']);
    expect(byDefault.j.hpaScaleDownWindowMs).toBeUndefined();
    expect(short.j.hpaScaleDownWindowMs).toBe(30_000);
    // The spike's last burst ends with interval 14 (of 20), load back at its base. With the default 300 s
    // window the front-end keeps its peak count to the end of the run; with 30 s it is back where it was
    // before the spike (seed 7: 8 replicas to the end, against 2).
    expect(byDefault.frontEnd.at(-1)).toBe(Math.max(...byDefault.frontEnd));
    expect(short.frontEnd.at(-1)).toBe(short.frontEnd[5]);
    expect(short.frontEnd.at(-1)!).toBeLessThan(byDefault.frontEnd.at(-1)!);
    expect(short.j.summary.conditions.reactive.replicaSecondsPerRun).toBeLessThan(byDefault.j.summary.conditions.reactive.replicaSecondsPerRun);
  });

  it("--hpa-floor-scale-down-window sets the floor HPA's window alone: sockml's runs give replicas back sooner, the HPA's runs are the same", async () => {
    const dir = scratch();
    const run = async (extra: string[]) => {
      const out = join(dir, extra.join('') || 'default');
      const r = await sockml(['lab', '--pattern', 'spike', '--condition', 'proactive,reactive', '--duration', '10m', '--peak-rps', '200', '--seed', '7', '--out', out, '--json', ...extra]);
      expect(r.code, r.stderr).toBe(0);
      return { j: JSON.parse(r.stdout), reactive: readFileSync(join(out, 'reactive_spike_run01.jsonl'), 'utf8') };
    };
    const byDefault = await run([]);
    const short = await run(['--hpa-floor-scale-down-window', '30s']);
    expect(byDefault.j.hpaFloorScaleDownWindowMs).toBeUndefined();
    expect(short.j.hpaFloorScaleDownWindowMs).toBe(30_000);
    expect(short.j.hpaScaleDownWindowMs).toBeUndefined();
    // The baseline's HPA keeps its 300 s window: its run is the same snapshot for snapshot.
    expect(short.reactive).toBe(byDefault.reactive);
    const cost = (x: typeof byDefault, c: string) => x.j.summary.conditions[c].replicaSecondsPerRun as number;
    expect(cost(short, 'reactive')).toBe(cost(byDefault, 'reactive'));
    // After the spike's bursts the floor HPA lets go 270 s sooner of what it holds.
    expect(cost(short, 'proactive')).toBeLessThan(cost(byDefault, 'proactive'));
  });

  it('--time-scale k plays what experiment run --time-scale k plays: every duration divided by k, rates unchanged; replay at the compressed poll takes the same decisions', async () => {
    const out = scratch();
    const run = (k: string) => sockml(['lab', '--pattern', 'step', '--condition', 'proactive,reactive,static', '--duration', '10m', '--peak-rps', '200', '--seed', '5', '--time-scale', k, '--out', join(out, k), '--json']);
    const [one, five] = [await run('1'), await run('5')];
    expect(one.code, one.stderr).toBe(0);
    expect(five.code, five.stderr).toBe(0);
    const lines = (k: string, f: string) => readFileSync(join(out, k, f), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    for (const f of ['reactive_step_run01.jsonl', 'proactive_step_run01.jsonl']) {
      const [a, b] = [lines('1', f), lines('5', f)];
      // 20 intervals either way, 30 s apart in the lab's clock or 6 s.
      expect(a).toHaveLength(20);
      expect(b).toHaveLength(20);
      const gaps = (l: { timestamp: string }[]) => new Set(l.slice(1).map((x, i) => Date.parse(x.timestamp) - Date.parse(l[i].timestamp)));
      expect(gaps(a)).toEqual(new Set([30_000]));
      expect(gaps(b)).toEqual(new Set([6_000]));
      // Rates are real either way: the step's first and last intervals offer the same rate (±10 % of Poisson noise on 1/5 of the requests).
      for (const i of [0, 19]) expect(Math.abs(b[i].load.offered_rps - a[i].load.offered_rps)).toBeLessThan(0.1 * a[i].load.offered_rps);
    }
    // The HPA ran in its own time, 5× the lab's: it synced at 3 s and its replicas were ready 4 s later, so
    // the front-end runs more than one replica by the second snapshot (12 s), as at 1× (60 s).
    for (const k of ['1', '5']) expect(lines(k, 'reactive_step_run01.jsonl')[1].services['front-end'].replicas).toBeGreaterThan(1);
    const stamp = JSON.parse(readFileSync(join(out, '5', 'lab.json'), 'utf8'));
    expect(stamp.timeScale).toBe(5);
    expect(JSON.parse(readFileSync(join(out, '1', 'lab.json'), 'utf8'))).not.toHaveProperty('timeScale');
    // Replica-seconds in the lab's clock, as experiment analyze counts them: static runs 7 replicas for 2 min.
    expect(stamp.summary.conditions.static.replicaSecondsPerRun).toBe(7 * 120);
    expect(JSON.parse(one.stdout).summary.conditions.static.replicaSecondsPerRun).toBe(7 * 600);
    // sockml's polls were 6 s apart, and replay of its metrics CSV at a 6 s poll, with the policy's durations
    // divided by 5 as experiment run hands them to its scaler, takes every decision the lab took.
    const dir = join(out, '5', 'proactive_step_run01.d');
    const csv = parseCsvSync(readFileSync(join(dir, 'metrics.csv'), 'utf8'), { columns: true }) as Record<string, string>[];
    const times = [...new Set(csv.map((r) => Date.parse(r.timestamp)))];
    expect(new Set(times.slice(1).map((t, i) => t - times[i]))).toEqual(new Set([6_000]));
    // lab.json's compressedPolicy is the policy as the runs ran it: every duration of the policy divided by 5.
    const durations = new Set(POLICY_PARAMETERS.hybrid.filter((p) => p.kind === 'duration').map((p) => p.key));
    expect(durations.size).toBeGreaterThan(0);
    for (const [key, v] of Object.entries(stamp.policy.settings as Record<string, number>)) expect(stamp.compressedPolicy.settings[key]).toBe(durations.has(key) ? v / 5 : v);
    const settings = Object.entries(stamp.compressedPolicy.settings as Record<string, number>).flatMap(([k, v]) => ['--policy-set', `${k}=${v}`]);
    const replayed = join(out, 'replayed.csv');
    const rep = await sockml(['replay', join(dir, 'metrics.csv'), '--out', replayed, '--poll-interval', '6s', '--policy', 'hybrid', ...settings, '--initial-replicas', '1']);
    expect(rep.code, rep.stderr).toBe(0);
    const live = labDecisions(dir);
    const offline = replayDecisions(replayed);
    expect(live.some((d) => d.includes('SCALE_UP'))).toBe(true);
    expect([...offline].sort()).toEqual([...live].sort());
  });

  it('never overwrites earlier runs', async () => {
    const out = scratch();
    writeFileSync(join(out, 'reactive_step_run01.jsonl'), 'keep me\n');
    const r = await sockml(['lab', '--pattern', 'step', '--condition', 'reactive', '--duration', '1m', '--out', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/reactive_step_run01.jsonl exists/);
    expect(readFileSync(join(out, 'reactive_step_run01.jsonl'), 'utf8')).toBe('keep me\n');
  });
});
