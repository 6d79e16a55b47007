import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
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

/** Runs the built CLI asynchronously (the server above must keep answering meanwhile). */
function sockml(args: string[], o: { killAfterMs?: number; env?: Record<string, string> } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) => {
    const child = spawn(process.execPath, [resolve(REPO, 'packages/cli/bin/run.js'), ...args], { cwd: dir, env: { ...process.env, NO_COLOR: '1', ...o.env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    if (o.killAfterMs) setTimeout(() => child.kill('SIGINT'), o.killAfterMs);
    const guard = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('close', (code) => {
      clearTimeout(guard);
      done({ code, stdout, stderr });
    });
  });
}

describe('sockml loadtest', () => {
  it('runs a pattern, prints the summary and streams a stamped CSV timeline', async () => {
    const out = join(dir, 'timeline.csv');
    const r = await sockml(['loadtest', '--pattern', 'step', '--duration', '4s', '--target', target, '--peak-rps', '100', '--out', out]);
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
    const r = await sockml(['loadtest', '--pattern', 'constant', '--duration', '2s', '--target', target, '--peak-rps', '50', '--model', 'closed', '--vus', '2', '--out', out, '--json']);
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
    const r = await sockml(['loadtest', '--pattern', 'constant', '--duration', '1m', '--target', target, '--peak-rps', '20', '--json'], { killAfterMs: 2500 });
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

  it.each([
    [['--pattern', 'zigzag'], /Expected --pattern=zigzag to be one of/],
    [['--pattern', 'ramp', '--duration', '10'], /--duration: '10' is not a duration/],
    [['--pattern', 'ramp', '--mix', 'shop=1'], /--mix: unknown journey step 'shop'/],
    [['--pattern', 'ramp', '--engine', 'k6', '--model', 'closed'], /open model only/],
  ])('bad input %j → exit 2', async (args, message) => {
    const r = await sockml(['loadtest', '--target', target, ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});
