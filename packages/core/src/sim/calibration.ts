/**
 * Calibration of the emulator against recordings of the real Sock Shop: what the recordings say about
 * each service's latency and CPU against its request rate (the measuring half), and what the emulator
 * answers when it is driven at the same rates (the emulating half). `experiments/calibration/calibrate.mjs`
 * prints both; `calibration.test.ts` fails when they drift apart.
 *
 * The recordings' latencies are `histogram_quantile` over Prometheus buckets of 5, 10, 25, 50, 100 … ms,
 * interpolated linearly inside a bucket, so they snap to bucket artefacts (2.5 / 4.75 ms when all requests
 * fall in the first bucket, 17.5 / 24.25 ms when all fall in 10–25 ms). The emulator's quantiles here go
 * through the same buckets and the same interpolation, so the two are compared like for like; neither says
 * more about the true latency than its bucket allows.
 */
import { intervalQuantile } from '../experiments/run/exposition.js';
import { median, quantile } from '../experiments/statistics.js';
import { DEFAULT_JOURNEY, JourneyPicker, journeyRequests, type JourneyOptions, type WeightedRequest } from '../load/journey.js';
import { DEFAULT_POLL_INTERVAL_MS, type MetricsSample } from '../schema.js';
import { SockShopEmulator, type EmulatorOptions } from './emulator.js';
import { REQUEST_DURATION_BUCKETS, routeRequest, SOCKSHOP_SERVICES, type ServiceCall, type SockShopService } from './topology.js';

/** One recorded run: its name (for reports) and its polls, all services. */
export interface CalibrationRecording {
  name: string;
  samples: readonly MetricsSample[];
}

export interface SteadyPollOptions {
  /** A poll is steady when its rate is within this fraction of the previous poll's: its 1 m rate and latency windows then saw one load. */
  steadyTolerance: number;
  /** Slack added to the tolerance at low rates, rps. */
  steadySlackRps: number;
  /** Polls below this rate are left out (a latency over a handful of requests is noise). */
  minRps: number;
}

export const DEFAULT_STEADY_POLLS: SteadyPollOptions = { steadyTolerance: 0.1, steadySlackRps: 0.05, minRps: 0.1 };

/** A steady poll of one service, with the front-end's poll at the same time (if any) and whether that one is steady too. */
export interface SteadyPoll {
  recording: string;
  sample: MetricsSample;
}

/**
 * The polls of each service that measured one load: a latency, a rate of at least minRps, and a rate
 * within the tolerance of the same service's previous poll (one poll interval earlier, not across a gap).
 * Load changes, start-up and the polls after a gap are left out: a poll's p95 spans a 1 m window, two
 * polls, and mixes two loads when the rate changed.
 */
export function steadyPolls(recordings: readonly CalibrationRecording[], o: SteadyPollOptions = DEFAULT_STEADY_POLLS): SteadyPoll[] {
  const out: SteadyPoll[] = [];
  for (const r of recordings) {
    const byService = new Map<string, MetricsSample[]>();
    for (const s of r.samples) byService.set(s.service, [...(byService.get(s.service) ?? []), s]);
    for (const series of byService.values()) {
      series.sort((a, b) => a.timeMs - b.timeMs);
      for (let i = 1; i < series.length; i++) {
        const s = series[i];
        const prev = series[i - 1];
        const rps = s.requestRateRps;
        if (rps === null || rps < o.minRps || s.p50LatencyMs === null || s.p95LatencyMs === null) continue;
        if (prev.requestRateRps === null || s.timeMs - prev.timeMs > 1.5 * DEFAULT_POLL_INTERVAL_MS) continue;
        if (Math.abs(rps - prev.requestRateRps) > o.steadyTolerance * rps + o.steadySlackRps) continue;
        out.push({ recording: r.name, sample: s });
      }
    }
  }
  return out;
}

/** Medians of a set of polls (null where no poll had the value). */
export interface PollSummary {
  polls: number;
  rps: number;
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** Interquartile range of the polls' p95: how much one poll's p95 varies at this load. */
  p95Q1: number | null;
  p95Q3: number | null;
  cpuPct: number | null;
}

function summarise(samples: readonly MetricsSample[]): PollSummary {
  const values = (f: (s: MetricsSample) => number | null) => samples.map(f).filter((v): v is number => v !== null);
  const p95s = values((s) => s.p95LatencyMs);
  return {
    polls: samples.length,
    rps: median(values((s) => s.requestRateRps)) ?? 0,
    p50: median(values((s) => s.p50LatencyMs)),
    p95: median(p95s),
    p99: median(values((s) => s.p99LatencyMs)),
    p95Q1: quantile(p95s, 0.25),
    p95Q3: quantile(p95s, 0.75),
    cpuPct: median(values((s) => s.cpuUsagePct)),
  };
}

/** Rate bands (rps) wide enough to hold several polls each, narrow enough to show where latency turns. */
export const CALIBRATION_BAND_EDGES = [0.1, 0.5, 1, 2, 5, 10, 20, 30, 40, 50, 60, 80, 100, 120, 150, 200];

export interface RateBand extends PollSummary {
  fromRps: number;
  toRps: number;
}

function bandOf(rps: number, edges: readonly number[]): number {
  for (let i = 0; i + 1 < edges.length; i++) if (rps > edges[i] && rps <= edges[i + 1]) return i;
  return -1;
}

/** One service's steady polls grouped by its own request rate: latency and CPU against rate. */
export function latencyByRate(polls: readonly SteadyPoll[], service: string, edges: readonly number[] = CALIBRATION_BAND_EDGES): RateBand[] {
  const groups = new Map<number, MetricsSample[]>();
  for (const p of polls) {
    if (p.sample.service !== service) continue;
    const b = bandOf(p.sample.requestRateRps!, edges);
    if (b >= 0) groups.set(b, [...(groups.get(b) ?? []), p.sample]);
  }
  return [...groups.entries()].sort((a, b) => a[0] - b[0]).map(([b, samples]) => ({ fromRps: edges[b], toRps: edges[b + 1], ...summarise(samples) }));
}

/** A band of front-end rates, with what every service measured in the same polls. */
export interface FrontEndBand {
  fromRps: number;
  toRps: number;
  services: Record<string, PollSummary>;
}

/**
 * The front-end's steady polls grouped by its rate, and for each band what every service measured at
 * the same polls: the recordings' picture of the whole shop at one load, which the emulator is compared
 * against (driven at the band's front-end rate, its services see their rates through the journey mix).
 */
export function frontEndBands(recordings: readonly CalibrationRecording[], polls: readonly SteadyPoll[], edges: readonly number[] = CALIBRATION_BAND_EDGES, minRps = DEFAULT_STEADY_POLLS.minRps): FrontEndBand[] {
  const at = new Map<string, MetricsSample[]>();
  for (const r of recordings) for (const s of r.samples) at.set(`${r.name}\u0000${s.timestamp}`, [...(at.get(`${r.name}\u0000${s.timestamp}`) ?? []), s]);
  const groups = new Map<number, MetricsSample[][]>();
  for (const p of polls) {
    if (p.sample.service !== 'front-end') continue;
    const b = bandOf(p.sample.requestRateRps!, edges);
    if (b >= 0) groups.set(b, [...(groups.get(b) ?? []), at.get(`${p.recording}\u0000${p.sample.timestamp}`) ?? [p.sample]]);
  }
  return [...groups.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([b, pollsAt]) => {
      const services: Record<string, PollSummary> = {};
      // A service with no traffic at a poll has no latency there: it is left out of that poll's medians.
      const measured = pollsAt.flat().filter((s) => s.requestRateRps !== null && s.requestRateRps >= minRps && s.p95LatencyMs !== null);
      for (const service of new Set(measured.map((s) => s.service))) services[service] = summarise(measured.filter((s) => s.service === service));
      return { fromRps: edges[b], toRps: edges[b + 1], services };
    });
}

/** y = intercept + slope · x, least squares. */
export interface LinearFit {
  intercept: number;
  slope: number;
  n: number;
}

export function linearFit(xs: readonly number[], ys: readonly number[]): LinearFit | null {
  const n = xs.length;
  if (n < 3) return null;
  const mx = xs.reduce((a, b) => a + b, 0) / n;
  const my = ys.reduce((a, b) => a + b, 0) / n;
  let sxx = 0;
  let sxy = 0;
  for (let i = 0; i < n; i++) {
    sxx += (xs[i] - mx) ** 2;
    sxy += (xs[i] - mx) * (ys[i] - my);
  }
  if (!(sxx > 0)) return null;
  const slope = sxy / sxx;
  return { intercept: my - slope * mx, slope, n };
}

/**
 * Requests each service serves per front-end request (the slope of its rate against the front-end's, at
 * polls where the front-end is steady), and the traffic it has without any (the intercept: health
 * probes and the like).
 */
export function fanOut(recordings: readonly CalibrationRecording[], polls: readonly SteadyPoll[]): Record<string, LinearFit> {
  const at = new Map<string, MetricsSample[]>();
  for (const r of recordings) for (const s of r.samples) at.set(`${r.name}\u0000${s.timestamp}`, [...(at.get(`${r.name}\u0000${s.timestamp}`) ?? []), s]);
  const xs = new Map<string, number[]>();
  const ys = new Map<string, number[]>();
  for (const p of polls) {
    if (p.sample.service !== 'front-end') continue;
    for (const s of at.get(`${p.recording}\u0000${p.sample.timestamp}`) ?? []) {
      if (s.service === 'front-end' || s.requestRateRps === null) continue;
      xs.set(s.service, [...(xs.get(s.service) ?? []), p.sample.requestRateRps!]);
      ys.set(s.service, [...(ys.get(s.service) ?? []), s.requestRateRps]);
    }
  }
  const out: Record<string, LinearFit> = {};
  for (const [service, x] of xs) {
    const fit = linearFit(x, ys.get(service)!);
    if (fit) out[service] = fit;
  }
  return out;
}

/** CPU (% of one core) against the service's own rate over its steady polls: idle CPU and CPU per request. */
export function cpuByRate(polls: readonly SteadyPoll[], service: string): (LinearFit & { cpuMsPerRequest: number; idleCores: number }) | null {
  const own = polls.filter((p) => p.sample.service === service && p.sample.cpuUsagePct !== null);
  const fit = linearFit(
    own.map((p) => p.sample.requestRateRps!),
    own.map((p) => p.sample.cpuUsagePct!),
  );
  // % of a core per rps → core-milliseconds per request: × 10.
  return fit && { ...fit, cpuMsPerRequest: fit.slope * 10, idleCores: fit.intercept / 100 };
}

export interface LatencyShape {
  /** The low-load band: the lowest at ≥ 1 rps with enough polls. */
  base: RateBand | null;
  /** The first band from which every band above has a p95 more than riseFactor × the base's; null when none does. */
  rise: RateBand | null;
  /** The highest rate with enough steady polls. */
  maxRps: number;
}

export function latencyShape(bands: readonly RateBand[], o: { minPolls: number; riseFactor: number } = { minPolls: 3, riseFactor: 1.25 }): LatencyShape {
  const enough = bands.filter((b) => b.polls >= o.minPolls && b.p95 !== null);
  const base = enough.find((b) => b.fromRps >= 1) ?? null;
  let rise: RateBand | null = null;
  if (base) {
    const above = enough.filter((b) => b.fromRps > base.fromRps);
    for (let i = 0; i < above.length; i++) {
      if (above.slice(i).every((b) => b.p95! > o.riseFactor * base.p95!)) {
        rise = above[i];
        break;
      }
    }
  }
  return { base, rise, maxRps: Math.max(0, ...enough.map((b) => b.rps)) };
}

/** How many calls each service serves for one request of each journey step the fan-out mix uses. */
function callsPerStep(): Record<string, Record<string, number>> {
  const sample: Record<string, [string, string]> = { home: ['GET', '/'], browse: ['GET', '/catalogue'], login: ['GET', '/login'], addToCart: ['POST', '/cart'], checkout: ['POST', '/orders'] };
  const out: Record<string, Record<string, number>> = {};
  for (const [step, [method, path]] of Object.entries(sample)) {
    const counts: Record<string, number> = {};
    const walk = (c: ServiceCall) => {
      counts[c.service] = (counts[c.service] ?? 0) + 1;
      c.calls.forEach(walk);
    };
    walk(routeRequest(method, path)!);
    out[step] = counts;
  }
  return out;
}

/**
 * Journey weights whose requests reach each service as often per front-end request as in the
 * recordings, given the emulator's call trees: checkout for orders, then login for the rest of user,
 * add-to-cart for the rest of carts, catalogue and item pages for the rest of catalogue, and the home
 * page (the front-end's own pages) for what is left. A share the call trees cannot give (negative) is 0.
 */
export function journeyWeightsForFanOut(perFrontEndRequest: Partial<Record<string, number>>): JourneyOptions['weights'] {
  const f = (s: string) => Math.max(0, perFrontEndRequest[s] ?? 0);
  const c = callsPerStep();
  const n = (step: string, service: string) => c[step][service] ?? 0;
  const checkout = f('orders') / n('checkout', 'orders');
  const login = Math.max(0, (f('user') - checkout * n('checkout', 'user')) / n('login', 'user'));
  const addToCart = Math.max(0, (f('carts') - checkout * n('checkout', 'carts') - login * n('login', 'carts')) / n('addToCart', 'carts'));
  const browse = Math.max(0, (f('catalogue') - addToCart * n('addToCart', 'catalogue')) / n('browse', 'catalogue'));
  const home = Math.max(0, 1 - checkout - login - addToCart - browse);
  return { home, catalogue: browse / 2, item: browse / 2, login, addToCart, checkout, category: 0, basket: 0 };
}

export interface SteadyLoadOptions {
  /** Front-end requests per second, evenly spaced (the open model of `sockml loadtest`). */
  rps: number;
  /** Measured windows, each windowMs long, after warmupMs that are not measured. */
  windows: number;
  windowMs: number;
  warmupMs: number;
  /** The requests and their weights, as `journeyRequests` gives them. */
  requests: readonly WeightedRequest[];
  /** Seeds the journey's picks (and, where the emulator draws latencies, its draws). */
  seed: number;
  emulator?: Partial<EmulatorOptions>;
  /** Replicas per service (1 when not given), all ready from the start. */
  replicas?: Partial<Record<SockShopService, number>>;
}

/** What one service measured, as the recordings' columns would show it. */
export interface EmulatedService {
  rps: number;
  /** Median over the windows of each window's quantile (as the recordings' bands are medians over 1 m polls). */
  p50: number | null;
  p95: number | null;
  p99: number | null;
  /** % of one core, all replicas (the recordings' cpu_usage_pct). */
  cpuPct: number;
  /** Share of its requests answered 5xx, %. */
  errorPct: number;
}

/**
 * Drives the emulator in process, in model time (no wall clock, no HTTP): front-end requests evenly
 * spaced at `rps`, picked from the journey by weight. Each window is measured as one recorded poll is:
 * every service's rate, its p50/p95/p99 from Prometheus buckets exactly as histogram_quantile computes
 * them, its CPU; the result is the median over the windows.
 */
export function emulateSteadyLoad(o: SteadyLoadOptions): Record<string, EmulatedService> {
  if (!(o.rps > 0) || !(o.windows >= 1) || !(o.windowMs > 0) || !(o.warmupMs >= 0)) throw new Error('emulateSteadyLoad needs rps > 0, windows ≥ 1, windowMs > 0 and warmupMs ≥ 0');
  const em = settledEmulator(o);
  const picker = new JourneyPicker(o.requests, o.seed);
  const bounds = REQUEST_DURATION_BUCKETS.map((s) => s * 1000);
  const perWindow = new Map<string, { p50: number[]; p95: number[]; p99: number[]; n: number; errors: number; cpu: number }>();
  for (const s of em.services) perWindow.set(s, { p50: [], p95: [], p99: [], n: 0, errors: 0, cpu: 0 });
  const step = 1000 / o.rps;
  let i = 0;
  const driveUntil = (endMs: number, measure?: Map<string, number[]>) => {
    for (; i * step < endMs; i++) {
      const r = picker.next();
      const res = em.handle(r.method, r.path, i * step);
      if (!measure) continue;
      for (const ob of res.observations) {
        const k = bounds.findIndex((le) => ob.latencyMs <= le);
        measure.get(ob.service)![k < 0 ? bounds.length : k]++;
        if (ob.status >= 500) perWindow.get(ob.service)!.errors++;
      }
    }
  };
  driveUntil(o.warmupMs);
  for (let w = 0; w < o.windows; w++) {
    const from = o.warmupMs + w * o.windowMs;
    const counts = new Map(em.services.map((s) => [s, new Array<number>(bounds.length + 1).fill(0)]));
    const cpuBefore = em.snapshot(from);
    driveUntil(from + o.windowMs, counts);
    const cpuAfter = em.snapshot(from + o.windowMs);
    for (const s of em.services) {
      const acc = perWindow.get(s)!;
      const cumulative = new Map<number, number>();
      let sum = 0;
      counts.get(s)!.forEach((c, k) => cumulative.set(k < bounds.length ? bounds[k] : Infinity, (sum += c)));
      acc.n += sum;
      acc.cpu += cpuAfter[s].cpuSecondsTotal - cpuBefore[s].cpuSecondsTotal;
      for (const [q, into] of [
        [0.5, acc.p50],
        [0.95, acc.p95],
        [0.99, acc.p99],
      ] as const) {
        const v = intervalQuantile(q, undefined, cumulative);
        if (v !== null) into.push(v);
      }
    }
  }
  const seconds = (o.windows * o.windowMs) / 1000;
  const out: Record<string, EmulatedService> = {};
  for (const [s, acc] of perWindow) {
    out[s] = { rps: acc.n / seconds, p50: median(acc.p50), p95: median(acc.p95), p99: median(acc.p99), cpuPct: (100 * acc.cpu) / seconds, errorPct: acc.n > 0 ? (100 * acc.errors) / acc.n : 0 };
  }
  return out;
}

/** An emulator whose replicas are all ready at t = 0, as a deployment that has settled (no start-up delay). */
function settledEmulator(o: SteadyLoadOptions): SockShopEmulator {
  const em = new SockShopEmulator({ ...o.emulator, seed: o.seed, initialReplicas: 1, queue: { ...o.emulator?.queue, startupDelayMs: 0 } }, 0);
  for (const s of SOCKSHOP_SERVICES) {
    const n = o.replicas?.[s];
    if (n !== undefined && em.services.includes(s)) em.setReplicas(s, n, 0);
  }
  return em;
}

export interface CalibrationOptions {
  steady: SteadyPollOptions;
  bandEdges: readonly number[];
  /** Bands with fewer steady polls are shown but not compared. */
  minPolls: number;
  /** A service is compared in a band only from this recorded rate on (≥ 30 requests per 1 m window). */
  minCompareRps: number;
  /** Front-end bands below this rate are idle: their traffic is health probes, not the journey, and is not compared. */
  minFrontEndRps: number;
  /**
   * Front-end bands whose recorded p50 exceeds this many times the low-load p50 are saturated: there
   * the recordings' closed-loop load generator (Locust) caps the queue at its number of users, while
   * the emulator is driven open-loop, so they are not compared.
   */
  saturationFactor: number;
  /** An emulated quantile matches when within relTolerance of the recorded one, or within absToleranceMs. */
  relTolerance: number;
  absToleranceMs: number;
  emulation: Pick<SteadyLoadOptions, 'windows' | 'windowMs' | 'warmupMs' | 'seed' | 'emulator'>;
  /** Front-end rates and replica counts for the replica table. */
  replicaRates: readonly number[];
  replicaCounts: readonly number[];
}

export const DEFAULT_CALIBRATION: CalibrationOptions = {
  steady: DEFAULT_STEADY_POLLS,
  bandEdges: CALIBRATION_BAND_EDGES,
  minPolls: 3,
  minCompareRps: 0.5,
  minFrontEndRps: 2,
  saturationFactor: 2,
  relTolerance: 0.25,
  absToleranceMs: 2.5,
  emulation: { windows: 5, windowMs: 60_000, warmupMs: 10_000, seed: 1 },
  replicaRates: [27, 54, 80, 105],
  replicaCounts: [1, 2, 3],
};

export interface ComparisonRow {
  /** The front-end band. */
  fromRps: number;
  toRps: number;
  service: string;
  recorded: PollSummary;
  emulated: EmulatedService;
  /** Whether the band is compared, why not when it is not, and the quantiles' verdicts when it is. */
  compared: boolean;
  reason: 'idle' | 'saturated' | 'few polls' | 'low rate' | null;
  p50Ok: boolean | null;
  p95Ok: boolean | null;
}

export interface ServiceCalibration {
  bands: RateBand[];
  shape: LatencyShape;
  cpu: ReturnType<typeof cpuByRate>;
  /** Median resident memory over the steady polls, MiB (all replicas). */
  memoryMb: number | null;
}

export interface CalibrationReport {
  recordings: string[];
  steadyPolls: number;
  services: Record<string, ServiceCalibration>;
  fanOut: Record<string, LinearFit>;
  journeyWeights: JourneyOptions['weights'];
  comparison: ComparisonRow[];
  /** Emulated front-end p50/p95 at each rate with n front-end replicas (the others at 1). */
  replicas: { rps: number; replicas: number; p50: number | null; p95: number | null }[];
  /** The emulator under sockml's own default journey mix (what `loadtest` and `experiment run` offer), one replica each. */
  defaultJourney: { rps: number; services: Record<string, EmulatedService> }[];
}

export const withinTolerance = (emulated: number | null, recorded: number | null, o: Pick<CalibrationOptions, 'relTolerance' | 'absToleranceMs'>): boolean | null =>
  emulated === null || recorded === null ? null : Math.abs(emulated - recorded) <= Math.max(o.relTolerance * recorded, o.absToleranceMs);

/**
 * The whole calibration: the recordings measured (per service, by its own rate; the fan-out; CPU), the
 * emulator driven at every front-end band's rate with the recordings' fan-out as its journey mix, each
 * service compared with what the recordings measured at the same polls, and the emulated front-end
 * against its replicas.
 */
export function calibrate(recordings: readonly CalibrationRecording[], options: Partial<CalibrationOptions> = {}): CalibrationReport {
  const o = { ...DEFAULT_CALIBRATION, ...options };
  const polls = steadyPolls(recordings, o.steady);
  const services: Record<string, ServiceCalibration> = {};
  for (const s of SOCKSHOP_SERVICES) {
    const bands = latencyByRate(polls, s, o.bandEdges);
    const memory = polls.filter((p) => p.sample.service === s && p.sample.memoryUsageMb !== null).map((p) => p.sample.memoryUsageMb!);
    if (bands.length > 0) services[s] = { bands, shape: latencyShape(bands, { minPolls: o.minPolls, riseFactor: 1.25 }), cpu: cpuByRate(polls, s), memoryMb: median(memory) };
  }
  const fan = fanOut(recordings, polls);
  const journeyWeights = journeyWeightsForFanOut(Object.fromEntries(Object.entries(fan).map(([s, f]) => [s, f.slope])));
  const requests = journeyRequests({ ...DEFAULT_JOURNEY, weights: journeyWeights });
  const comparison: ComparisonRow[] = [];
  const feBaseP50 = services['front-end']?.shape.base?.p50 ?? null;
  for (const band of frontEndBands(recordings, polls, o.bandEdges, o.steady.minRps)) {
    const fe = band.services['front-end'];
    if (!fe || fe.polls < o.minPolls) continue;
    const emulated = emulateSteadyLoad({ ...o.emulation, rps: fe.rps, requests });
    const bandReason = fe.rps < o.minFrontEndRps ? 'idle' : feBaseP50 !== null && fe.p50 !== null && fe.p50 > o.saturationFactor * feBaseP50 ? 'saturated' : null;
    for (const s of SOCKSHOP_SERVICES) {
      const recorded = band.services[s];
      if (!recorded || !emulated[s]) continue;
      const reason = bandReason ?? (recorded.polls < o.minPolls ? 'few polls' : recorded.rps < o.minCompareRps ? 'low rate' : null);
      const compared = reason === null;
      comparison.push({
        fromRps: band.fromRps,
        toRps: band.toRps,
        service: s,
        recorded,
        emulated: emulated[s],
        compared,
        reason,
        p50Ok: compared ? withinTolerance(emulated[s].p50, recorded.p50, o) : null,
        p95Ok: compared ? withinTolerance(emulated[s].p95, recorded.p95, o) : null,
      });
    }
  }
  const replicas: CalibrationReport['replicas'] = [];
  for (const rps of o.replicaRates) {
    for (const n of o.replicaCounts) {
      const fe = emulateSteadyLoad({ ...o.emulation, rps, requests, replicas: { 'front-end': n } })['front-end'];
      replicas.push({ rps, replicas: n, p50: fe?.p50 ?? null, p95: fe?.p95 ?? null });
    }
  }
  const defaultRequests = journeyRequests(DEFAULT_JOURNEY);
  const defaultJourney = o.replicaRates.map((rps) => ({ rps, services: emulateSteadyLoad({ ...o.emulation, rps, requests: defaultRequests }) }));
  return { recordings: recordings.map((r) => r.name), steadyPolls: polls.length, services, fanOut: fan, journeyWeights, comparison, replicas, defaultJourney };
}
