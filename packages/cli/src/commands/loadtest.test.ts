import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../test-support.js';

// The CLI runs as a separate process, so the target must too: a tiny server on 127.0.0.1 (checkouts → 500).
const SERVER = `
const http = require('node:http');
const s = http.createServer((req, res) => { req.resume(); req.on('end', () => { res.statusCode = req.url.startsWith('/orders') ? 500 : 200; res.end('{}'); }); });
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port) + '\\n'));
`;

let server: ReturnType<typeof spawn>;
let target: string;
const dir = mkdtempSync(join(tmpdir(), 'sockml-loadtest-'));

beforeAll(async () => {
  server = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<string>((done) => server.stdout!.once('data', (d) => done(String(d).trim())));
  target = `http://127.0.0.1:${port}`;
});
afterAll(() => {
  server.kill();
});

/**
 * An SLO no local run misses, for tests about something else: on a machine shared with other test
 * processes even this tiny server's p95 can reach seconds, which is an SLO miss (exit 99) by design.
 */
const LENIENT_SLO = ['--slo', '600000'];

/** Runs the built CLI asynchronously (the server above must keep answering meanwhile). */
function sockml(args: string[], o: { interruptOn?: RegExp; env?: Record<string, string> } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, [resolve(REPO, 'packages/cli/bin/run.js'), ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1', ...o.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    let interrupted = false;
    child.stderr.on('data', (d) => {
      stderr += d;
      // Ctrl-C once the output shows the command at work (its signal handlers are in place by then).
      if (o.interruptOn && !interrupted && o.interruptOn.test(stderr)) {
        interrupted = true;
        child.kill('SIGINT');
      }
    });
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(guard);
      done({ code, stdout, stderr });
    });
  });
}

writeFileSync(join(dir, 'unsorted.csv'), 't_seconds,rps\n0,5\n2,5\n1,5\n');
writeFileSync(join(dir, 'carts-only.csv'), 'timestamp,service,request_rate_rps,error_rate_pct,p50_latency_ms,p95_latency_ms,p99_latency_ms,cpu_usage_pct,memory_usage_mb\n2026-04-08T20:00:00Z,carts,1,0,2,4,5,1,300\n2026-04-08T20:00:30Z,carts,1,0,2,4,5,1,300\n');

describe('sockml loadtest', () => {
  it('runs a pattern, prints the summary and streams a stamped CSV timeline', async () => {
    const out = join(dir, 'timeline.csv');
    // The server fails every checkout on purpose (5 % of the journey): allow it, this test is about the timeline.
    const r = await sockml(['loadtest', '--pattern', 'step', '--duration', '4s', '--target', target, '--peak-rps', '100', '--out', out, '--max-error-rate', '100', ...LENIENT_SLO]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/loadtest: step \(peak 100 rps, 4 s\)/);
    expect(r.stdout).toMatch(/offered +240 requests/); // 35 + 70 + 35 + 100
    expect(r.stdout).toMatch(/dropped +0 iterations/);
    expect(r.stdout).toMatch(/statuses +200: \d+ +500: \d+/);
    const text = readFileSync(out, 'utf8');
    const stamp = JSON.parse(text.split('\n')[0].slice(2));
    expect(stamp).toMatchObject({ tool: 'sockml loadtest', engine: 'builtin', model: 'open', pattern: { name: 'step', peakRps: 100, durationMs: 4000, params: { levels: [0.35, 0.7, 0.35, 1] } } });
    const rows = parse(text, { columns: true, comment: '#', cast: true }) as Record<string, number>[];
    expect(rows.map((x) => x.second)).toEqual([0, 1, 2, 3]);
    expect(rows.map((x) => x.offered)).toEqual([35, 70, 35, 100]);
    for (const row of rows) expect(row.p95_ms).toBeGreaterThan(0);
  });

  it('--json with a .json timeline, closed model', async () => {
    const out = join(dir, 'timeline.json');
    const r = await sockml(['loadtest', '--pattern', 'constant', '--duration', '2s', '--target', target, '--peak-rps', '50', '--model', 'closed', '--vus', '2', '--out', out, '--json', '--max-error-rate', '100', ...LENIENT_SLO]);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result).toMatchObject({ stoppedBy: 'duration', run: { model: 'closed', vus: 2, pattern: { name: 'constant' } }, out });
    expect(result.summary.dropped).toBe(0);
    const file = JSON.parse(readFileSync(out, 'utf8'));
    expect(file.run.pattern.name).toBe('constant');
    expect(file.timeline).toHaveLength(2);
    expect(file.summary.completed).toBe(result.summary.completed);
  });

  it('stops cleanly on Ctrl-C with what it had', async () => {
    const r = await sockml(['loadtest', '--pattern', 'constant', '--duration', '1m', '--target', target, '--peak-rps', '20', '--json', '--mix', 'checkout=0', '--progress', ...LENIENT_SLO], {
      interruptOn: /loadtest: [1-9]\d*\/60 s/,
    });
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout);
    expect(result.stoppedBy).toBe('signal');
    expect(result.summary.windowMs).toBeLessThan(10_000);
  });

  it('--engine k6 without k6: writes the script, says how to run it, exit 4', async () => {
    const r = await sockml(['loadtest', '--pattern', 'ramp', '--duration', '10m', '--target', target, '--engine', 'k6', '--k6-script', 'ramp.k6.js'], { env: { PATH: '/nonexistent' } });
    expect(r.code).toBe(4);
    expect(r.stderr).toContain(`k6 run ${join(dir, 'ramp.k6.js')}`);
    expect(existsSync(join(dir, 'ramp.k6.js'))).toBe(true);
  });

  describe('thresholds, as k6: errors are not responses, and a failed threshold exits 99', () => {
    it('a dead target: refused connections are errors, nothing is achieved, exit 99', async () => {
      const r = await sockml(['loadtest', '--pattern', 'constant', '--duration', '2s', '--target', 'http://127.0.0.1:1', '--peak-rps', '10']);
      expect(r.code, r.stderr).toBe(99);
      expect(r.stdout).toMatch(/achieved +0 responses in the window, 0\.00 rps/);
      expect(r.stdout).toMatch(/no answer +20 requests got no response/);
      expect(r.stdout).toMatch(/SLO +p95 ≤ 35\.68 ms: no responses/);
      expect(r.stdout).not.toMatch(/: met/);
      expect(r.stderr.trim().split('\n')).toEqual(['sockml loadtest: thresholds failed: errors 100.00 % > --max-error-rate 1 %']);
    });

    it('errors above --max-error-rate (default 1 %) exit 99; --json says which threshold', async () => {
      // Every checkout fails (500): ~5 % of the default journey.
      const r = await sockml(['loadtest', '--pattern', 'constant', '--duration', '2s', '--target', target, '--peak-rps', '100', '--json', ...LENIENT_SLO]);
      expect(r.code, r.stderr).toBe(99);
      const j = JSON.parse(r.stdout);
      expect(j.thresholds).toMatchObject({ maxErrorRatePct: 1, passed: false, sloMet: true });
      expect(j.thresholds.errorRatePct).toBeGreaterThan(1);
      expect(j.thresholds.failures).toEqual([expect.stringMatching(/^errors \d+\.\d\d % > --max-error-rate 1 %$/)]);
    });

    it('an SLO miss exits 99', async () => {
      const r = await sockml(['loadtest', '--pattern', 'constant', '--duration', '1s', '--target', target, '--peak-rps', '20', '--mix', 'checkout=0', '--slo', '0.001']);
      expect(r.code, r.stderr).toBe(99);
      expect(r.stderr).toMatch(/thresholds failed: p95 [\d.]+ ms > --slo 0\.001 ms/);
    });

    it('met thresholds exit 0', async () => {
      const r = await sockml(['loadtest', '--pattern', 'constant', '--duration', '1s', '--target', target, '--peak-rps', '20', '--mix', 'checkout=0', '--slo', '5000']);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/thresholds passed/);
    });
  });

  it('--peak-rps 10⁹ does not hang: SIGTERM stops it within a second, the excess counted as dropped', async () => {
    const child = spawn(process.execPath, [resolve(REPO, 'packages/cli/bin/run.js'), 'loadtest', '--pattern', 'constant', '--duration', '1m', '--target', 'http://127.0.0.1:1', '--peak-rps', '1000000000', '--json', '--progress'], {
      cwd: dir,
      env: { ...process.env, NO_COLOR: '1' },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    // Signalled once the load runs (its progress line after a second or more), not while Node starts.
    const running = new Promise<void>((r) => child.stderr.on('data', (d) => (stderr += d) && /loadtest: [1-9]\d*\/60 s/.test(stderr) && r()));
    await running;
    const signalled = performance.now();
    child.kill('SIGTERM');
    const guard = setTimeout(() => child.kill('SIGKILL'), 20_000);
    const code = await new Promise<number | null>((done) => child.on('close', done));
    clearTimeout(guard);
    expect(performance.now() - signalled).toBeLessThan(1000);
    expect(code).toBe(99); // every request refused: the error threshold failed
    const j = JSON.parse(stdout);
    expect(j.stoppedBy).toBe('signal');
    expect(j.summary.dropped).toBeGreaterThan(0.99 * j.summary.offered);
  });

  it('never prints credentials from --target', async () => {
    const out = join(dir, 'credentials.csv');
    const withCredentials = target.replace('http://', 'http://alice:s3cret-pass@');
    const r = await sockml(['loadtest', '--pattern', 'constant', '--duration', '1s', '--target', withCredentials, '--peak-rps', '5', '--mix', 'checkout=0', '--out', out]);
    const json = await sockml(['loadtest', '--pattern', 'constant', '--duration', '1s', '--target', withCredentials, '--peak-rps', '5', '--mix', 'checkout=0', '--json']);
    const k6 = await sockml(['loadtest', '--pattern', 'constant', '--duration', '1s', '--target', withCredentials, '--engine', 'k6', '--k6-script', 'cred.k6.js'], { env: { PATH: '/nonexistent' } });
    for (const run of [r, json, k6]) {
      expect(run.stdout + run.stderr).not.toMatch(/alice|s3cret/);
    }
    expect(r.stdout).toContain(target.replace('http://', 'http://***@'));
    expect(readFileSync(out, 'utf8')).not.toMatch(/alice|s3cret/);
    expect(JSON.parse(json.stdout).run.target).toBe(target.replace('http://', 'http://***@') + '/');
  });

  describe('--pattern trace', () => {
    // 10 → 30 rps over 2 s, then 30 rps for 2 s: 40 + 60 = 100 requests.
    const trace = join(dir, 'short.trace.csv');
    writeFileSync(trace, 't_seconds,rps\n0,10\n2,30\n4,30\n');

    it('plays the trace at its own length and rates, and stamps where it came from', async () => {
      const out = join(dir, 'trace-own.csv');
      // The server fails every checkout on purpose: allowed here, where the trace is what is tested.
      const r = await sockml(['loadtest', '--pattern', 'trace', '--trace', trace, '--target', target, '--out', out, '--max-error-rate', '100', ...LENIENT_SLO]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(`loadtest: trace ${trace} (peak 30 rps, 4 s)`);
      expect(r.stdout).toMatch(/offered +100 requests/);
      const text = readFileSync(out, 'utf8');
      const stamp = JSON.parse(text.split('\n')[0].slice(2));
      expect(stamp.pattern).toMatchObject({
        name: 'trace',
        peakRps: 30,
        durationMs: 4000,
        params: { file: trace, format: 'rate-csv', sha256: createHash('sha256').update(readFileSync(trace)).digest('hex'), points: 3, traceSeconds: 4, playedSeconds: 4, timeStretch: 1, traceMaxRps: 30, rateScale: 1 },
      });
      const rows = parse(text, { columns: true, comment: '#', cast: true }) as Record<string, number>[];
      expect(rows.map((x) => x.offered)).toEqual([15, 25, 30, 30]); // ∫ of 10 + 10t over each second, then flat
    });

    it('--duration shorter cuts it, --peak-rps scales what is played', async () => {
      const out = join(dir, 'trace-cut.csv');
      // The first 2 s (10 → 30 rps), scaled ×2: 20 → 60 rps, 80 requests.
      const r = await sockml(['loadtest', '--pattern', 'trace', '--trace', trace, '--duration', '2s', '--peak-rps', '60', '--target', target, '--out', out, '--max-error-rate', '100', ...LENIENT_SLO]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/offered +80 requests/);
      const rows = parse(readFileSync(out, 'utf8'), { columns: true, comment: '#', cast: true }) as Record<string, number>[];
      expect(rows.map((x) => x.offered)).toEqual([30, 50]);
    });

    it('--engine k6: the script stretches the bundled example over --duration at its own rates', async () => {
      const script = join(dir, 'trace.k6.js');
      const file = join(REPO, 'fixtures/traces/flash-crowd.csv');
      const r = await sockml(['loadtest', '--pattern', 'trace', '--trace', file, '--duration', '20m', '--target', target, '--engine', 'k6', '--k6-script', script], { env: { PATH: '/nonexistent' } });
      expect(r.code).toBe(4);
      const source = readFileSync(script, 'utf8');
      const options = JSON.parse(/^export const options = (\{[\s\S]*?\n\});$/m.exec(source)![1]);
      // The file's points (0, 120, 150, 270, 330, 480, 510, 570, 600 s) at twice the time apart.
      expect(options.scenarios.sockml.startRate).toBe(20);
      expect(options.scenarios.sockml.stages).toEqual(
        [[240, 20], [60, 90], [240, 90], [120, 40], [300, 40], [60, 120], [120, 120], [60, 30]].map(([s, target]) => ({ duration: `${s * 1000}ms`, target })),
      );
      const stamp = JSON.parse(/^const STAMP = (.*);$/m.exec(source)![1]);
      expect(stamp.pattern).toMatchObject({ name: 'trace', peakRps: 120, durationMs: 1_200_000, params: { file, points: 9, timeStretch: 2, rateScale: 1 } });
    });
  });

  it.each([
    [['--pattern', 'trace'], /--pattern trace needs --trace FILE/],
    [['--pattern', 'ramp', '--trace', 'x.csv'], /--trace is for --pattern trace \(got --pattern ramp\)/],
    [['--pattern', 'trace', '--trace', 'missing.csv'], /--trace missing\.csv: no such file/],
    [['--pattern', 'trace', '--trace', 'unsorted.csv'], /^sockml loadtest: unsorted\.csv:4: t_seconds 1 is not after 2 \(line 3\): times must strictly increase$/m],
    [['--pattern', 'trace', '--trace', 'carts-only.csv'], /^sockml loadtest: carts-only\.csv:1: no front-end rows/m],
    [['--pattern', 'zigzag'], /Expected --pattern=zigzag to be one of/],
    [['--pattern', 'ramp', '--duration', '10'], /--duration: '10' is not a duration/],
    [['--pattern', 'ramp', '--mix', 'shop=1'], /--mix: unknown journey step 'shop'/],
    [['--pattern', 'ramp', '--engine', 'k6', '--model', 'closed'], /open model only/],
    [['--pattern', 'ramp', '--max-error-rate', '101'], /--max-error-rate must be a percentage from 0 to 100, got '101'/],
  ])('bad input %j → exit 2', async (args, message) => {
    const r = await sockml(['loadtest', '--target', target, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
