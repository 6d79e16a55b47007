import { resolve } from 'node:path';
import { Flags } from '@oclif/core';
import { checkThresholds, DEFAULT_JOURNEY, journeyRequests, LOAD_PATTERN_NAMES, loadPattern, parseDuration, parseJourneyWeights, traceLoadPattern, type TimelineRow } from '@sockml/core';
import { EXIT, InputError, SockmlCommand } from '../lib/base-command.js';
import { BuiltinEngine } from '../load/builtin.js';
import { K6Engine, K6MissingError } from '../load/k6.js';
import { LOAD_MODELS, type LoadEngine, type LoadModel, type LoadRunSpec } from '../load/load-engine.js';
import { progressLine, renderLoadReport, sloMet } from '../load/report.js';
import { checkOutputPath } from '../lib/output-file.js';
import { withoutCredentials } from '../lib/urls.js';
import { openTimelineSink, type LoadRunStamp, type TimelineSink } from '../load/timeline-sink.js';
import { readTraceFlag, traceFlag } from '../load/trace-flag.js';

const DEFAULT_DURATION = '10m';
const DEFAULT_PEAK_RPS = 100;

export default class Loadtest extends SockmlCommand {
  static summary = 'Put a load pattern (constant, ramp, step, spike, mixed, or a trace) on the Sock Shop front-end and measure it.';

  static description = `The pattern is a request rate over --duration, shaped like the recordings and scaled to --peak-rps:
constant; ramp (up for half the run, hold a fifth, down); step (35 %, 70 %, 35 %, 100 % of the peak);
spike (15 % base, bursts of 50 % and 100 %); mixed (the four in turn); trace (--trace FILE: a recorded
rate curve, see below). Each request is a step of the Sock Shop journey (home, catalogue, category, item,
login, add to cart, basket, checkout) drawn by weight (--mix) with a seeded PRNG.

Open model (default): requests start at the pattern's arrival times whatever the responses; at most
--max-in-flight at once, and an arrival beyond that is a dropped iteration (as in k6). Closed model:
--vus users looping (fewer while the pattern is below its peak), so a slow target lowers the load.

The builtin engine keeps connections alive, records every latency in an HDR-style histogram and writes a
per-second timeline (--out .csv or .json) stamped with the pattern and its parameters. --engine k6 writes
a k6 script with the same arrival-rate stages (and --slo as a p(95) threshold) and runs it if k6 is on PATH.
Stops at --duration or on Ctrl-C.

Trace-driven load: --pattern trace --trace FILE plays a rate curve, either a CSV with the header
t_seconds,rps (the rate runs straight from point to point) or a metrics recording, whose front-end
request_rate_rps over its timestamps is the curve (rows without a rate are bridged). Without --duration it
runs for the trace's own length; a shorter --duration plays its beginning and cuts the rest, a longer one
stretches its time axis (never repeats it). Without --peak-rps the trace's own rates are offered; with it,
every rate is scaled so the highest one played is the peak. Rates are rounded to whole rps. The file's
name, hash, points and scaling are stamped into --out and the k6 script. A bad trace (missing column,
non-numeric or negative rate, times not increasing, fewer than two points, no front-end rows) is exit 2
naming file and line.

Thresholds, as k6's: errors (error responses, and requests that got no response at all: refused, reset,
timed out, which are never counted as responses) above --max-error-rate % of the requests, or a p95 above
--slo, fail the run with exit code 99 (k6's code for failed thresholds), after the full summary.
Credentials in --target (user:password@) are never printed or stamped into results.

Exit codes: 0 success, thresholds met (also when stopped by Ctrl-C), 2 bad input (also an --out or
--k6-script that cannot be written), 4 k6 not installed (the script is written and the command to run it
printed), 99 a threshold failed (--max-error-rate, --slo).`;

  static examples = [
    { description: 'A 10-minute ramp to 100 rps against a local Sock Shop', command: '<%= config.bin %> loadtest --pattern ramp --duration 10m --target http://localhost:80 --peak-rps 100 --out timeline.csv' },
    { description: 'The same load as a closed model of 50 users, for comparison', command: '<%= config.bin %> loadtest --pattern ramp --target http://localhost:80 --model closed --vus 50' },
    { description: 'Write (and, if installed, run) the k6 version', command: '<%= config.bin %> loadtest --pattern spike --target http://localhost:80 --engine k6 --k6-script spike.k6.js' },
    { description: 'Play a recording’s front-end rate, scaled to peak at 200 rps', command: '<%= config.bin %> loadtest --pattern trace --trace fixtures/sockshop-gke/runs/step/run_3.csv --peak-rps 200 --target http://localhost:80' },
    { description: 'The bundled example trace, stretched over 20 minutes at its own rates', command: '<%= config.bin %> loadtest --pattern trace --trace fixtures/traces/flash-crowd.csv --duration 20m --target http://localhost:80' },
  ];

  static enableJsonFlag = true;

  static flags = {
    pattern: Flags.string({ description: 'load pattern', options: [...LOAD_PATTERN_NAMES], required: true }),
    trace: traceFlag,
    duration: Flags.string({ description: `length of the run (e.g. 30s, 10m, 1h) [default: ${DEFAULT_DURATION}; with --pattern trace, the trace's own length]` }),
    target: Flags.string({ description: 'base URL of the Sock Shop front-end, e.g. http://localhost:80', required: true }),
    engine: Flags.string({ description: 'who sends the requests', options: ['builtin', 'k6'], default: 'builtin' }),
    'peak-rps': Flags.integer({ description: `the pattern’s highest request rate (requests per second) [default: ${DEFAULT_PEAK_RPS}; with --pattern trace, the trace's own rates]`, min: 1 }),
    model: Flags.string({ description: "'open': arrivals on schedule; 'closed': --vus users looping", options: [...LOAD_MODELS], default: 'open' }),
    vus: Flags.integer({ description: 'closed model: virtual users at the peak', default: 50, min: 1 }),
    'max-in-flight': Flags.integer({ description: 'open model: most requests in flight at once (k6: maxVUs); arrivals beyond it are dropped', default: 1000, min: 1 }),
    mix: Flags.string({ description: `journey weights, step=weight,… (steps: home, catalogue, category, item, login, addToCart, basket, checkout) [default: ${Object.entries(DEFAULT_JOURNEY.weights).map(([k, v]) => `${k}=${v}`).join(',')}]` }),
    seed: Flags.integer({ description: 'seed of the journey picker', default: 1 }),
    timeout: Flags.string({ description: 'per-request timeout', default: '10s' }),
    slo: Flags.string({ description: 'p95 SLO in ms: a threshold (exit 99 when missed) and the k6 threshold', default: '35.68' }),
    'max-error-rate': Flags.string({ description: 'threshold: most errors, % of the requests (refused connections count); above it, exit 99', default: '1' }),
    out: Flags.string({ description: 'per-second timeline: .csv (streamed) or .json (builtin engine)' }),
    'k6-script': Flags.string({ description: 'with --engine k6: where to write the script', default: 'loadtest.k6.js' }),
    'k6-summary': Flags.string({ description: 'with --engine k6: where k6 writes its JSON summary', default: 'loadtest.k6-summary.json' }),
    progress: Flags.boolean({ description: 'show a live line on stderr [default: when stderr is a terminal]', allowNo: true }),
  };

  async run() {
    const { flags } = await this.parse(Loadtest);
    const bad = (what: string, e: unknown) => new InputError(`${what}: ${(e as Error).message}`);
    let timeoutMs: number, target: URL, weights;
    const trace = readTraceFlag(flags.pattern, flags.trace);
    let durationMs: number | undefined;
    try {
      durationMs = flags.duration === undefined ? (trace ? undefined : parseDuration(DEFAULT_DURATION)) : parseDuration(flags.duration);
    } catch (e) {
      throw bad('--duration', e);
    }
    try {
      timeoutMs = parseDuration(flags.timeout);
    } catch (e) {
      throw bad('--timeout', e);
    }
    try {
      target = new URL(flags.target);
    } catch {
      throw new InputError(`--target: '${flags.target.replace(/\/\/[^/@]*@/, '//***@')}' is not a URL (e.g. http://localhost:80)`);
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') throw new InputError(`--target must be http(s), got ${target.protocol}`);
    try {
      weights = flags.mix === undefined ? DEFAULT_JOURNEY.weights : parseJourneyWeights(flags.mix);
    } catch (e) {
      throw bad('--mix', e);
    }
    const sloMs = Number(flags.slo);
    if (!(sloMs > 0)) throw new InputError(`--slo must be a positive number of ms, got '${flags.slo}'`);
    const maxErrorRatePct = Number(flags['max-error-rate']);
    if (!(maxErrorRatePct >= 0 && maxErrorRatePct <= 100) || flags['max-error-rate'].trim() === '') {
      throw new InputError(`--max-error-rate must be a percentage from 0 to 100, got '${flags['max-error-rate']}'`);
    }
    const model = flags.model as LoadModel;
    if (flags.engine === 'k6' && model === 'closed') throw new InputError('--engine k6 runs the open model only; use --engine builtin for --model closed');
    if (flags.engine === 'k6' && flags.out) throw new InputError('--out is the builtin engine’s timeline; k6 writes its summary to --k6-summary');
    let pattern, requests;
    try {
      pattern = trace ? traceLoadPattern(trace, { durationMs, peakRps: flags['peak-rps'] }) : loadPattern(flags.pattern, { durationMs: durationMs!, peakRps: flags['peak-rps'] ?? DEFAULT_PEAK_RPS });
      requests = journeyRequests({ ...DEFAULT_JOURNEY, weights });
    } catch (e) {
      throw new InputError((e as Error).message);
    }

    const stamp: LoadRunStamp = {
      tool: 'sockml loadtest',
      engine: flags.engine as 'builtin' | 'k6',
      model,
      pattern: { name: pattern.name, peakRps: pattern.peakRps, durationMs: pattern.durationMs, params: { ...pattern.params } },
      target: withoutCredentials(target),
      startedAt: new Date().toISOString(),
      seed: flags.seed,
      maxInFlight: flags['max-in-flight'],
      vus: model === 'closed' ? flags.vus : null,
      mix: weights as Record<string, number>,
      sloMs,
    };

    const showProgress = (flags.progress ?? Boolean(process.stderr.isTTY)) && flags.engine === 'builtin';
    let lastRow: TimelineRow | undefined;
    let sink: TimelineSink | undefined;
    const inputs = flags.trace ? [flags.trace] : [];
    if (flags.engine === 'k6') {
      checkOutputPath(flags['k6-script'], { flag: '--k6-script', inputs: [...inputs, flags['k6-summary']] });
      checkOutputPath(flags['k6-summary'], { flag: '--k6-summary', inputs });
    }
    if (flags.out) sink = openTimelineSink(flags.out, stamp, inputs);
    const engine: LoadEngine =
      flags.engine === 'k6'
        ? new K6Engine({ scriptPath: resolve(flags['k6-script']), summaryPath: resolve(flags['k6-summary']), stamp: stamp as unknown as Record<string, unknown> })
        : new BuiltinEngine({ onProgress: showProgress ? ({ elapsedMs, inFlight }) => process.stderr.write(`\r\u001b[2K${progressLine(lastRow, elapsedMs, pattern.durationMs, inFlight)}`) : undefined });

    const stop = new AbortController();
    const onSignal = () => stop.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const spec: LoadRunSpec = {
      pattern,
      target,
      model,
      vus: flags.vus,
      maxInFlight: flags['max-in-flight'],
      requests,
      seed: flags.seed,
      timeoutMs,
      sloMs,
      signal: stop.signal,
      onRow: (row) => {
        lastRow = row;
        sink?.write(row);
      },
    };

    let result;
    try {
      result = await engine.run(spec);
    } catch (e) {
      await sink?.abort();
      if (e instanceof K6MissingError) {
        process.stderr.write(`sockml loadtest: ${e.message}\n`);
        process.exitCode = EXIT.environment;
        return { run: stamp, k6: { script: e.scriptPath, summary: resolve(flags['k6-summary']), ran: false, command: e.command } };
      }
      throw e;
    } finally {
      if (showProgress) process.stderr.write('\n');
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
    const thresholds = checkThresholds(result.summary, { maxErrorRatePct, sloMs });
    this.log(renderLoadReport(stamp, result.summary, result.stoppedBy, thresholds));
    // After the report: a timeline that cannot be written (exit 2) does not hide what the run measured.
    await sink?.close({ ...result.summary, stoppedBy: result.stoppedBy });
    if (flags.out) this.log(`timeline written to ${flags.out}`);
    if (!thresholds.passed) {
      process.stderr.write(`sockml loadtest: thresholds failed: ${thresholds.failures.join('; ')}\n`);
      process.exitCode = EXIT.thresholds;
    }
    return {
      run: stamp,
      stoppedBy: result.stoppedBy,
      summary: result.summary,
      sloMet: sloMet(result.summary, sloMs),
      thresholds: { maxErrorRatePct, sloMs, ...thresholds },
      out: flags.out ?? null,
    };
  }
}
