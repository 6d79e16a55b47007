import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, sockml } from '../test-support.js';
import { AtomicOutput } from './output-file.js';
import { SOCKML_BIN } from './sockml-child.js';

const STEP = join(REPO, 'fixtures/sockshop-gke/runs/step/run_3.csv');
const SEED_RUN = join(REPO, 'fixtures/seed-experiments/proactive_step_run01.jsonl');
const scratch = () => mkdtempSync(join(tmpdir(), 'sockml-out-'));
/** Nothing listens on port 1: a target that refuses at once (the output checks come before any request). */
const DEAD = 'http://127.0.0.1:1';

/** A sockml error: one line on stderr, no stack trace. */
function expectOneLine(r: { stderr: string }, pattern: RegExp) {
  const lines = r.stderr.trim().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(r.stderr).toMatch(pattern);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

/** Files a run left beside its output: only what was there before may remain (no temporary files). */
const leftovers = (dir: string) => readdirSync(dir).filter((f) => f.endsWith('.tmp'));

/**
 * Runs the CLI with a file-size limit of 0 blocks and SIGXFSZ ignored, so every write to a file fails
 * with EFBIG, as a full disk fails with ENOSPC: the same write error path, reproducible without a
 * small file system.
 */
function sockmlWithoutSpace(args: string[], cwd: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const child = spawn('bash', ['-c', 'trap "" XFSZ; ulimit -f 0; exec "$@"', 'sockml', process.execPath, SOCKML_BIN, ...args], { cwd, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

describe('an output that is also an input is refused (exit 2), the input untouched', () => {
  const dir = scratch();
  const input = join(dir, 'run_3.csv');
  copyFileSync(STEP, input);
  symlinkSync(input, join(dir, 'link.csv'));
  linkSync(input, join(dir, 'hard.csv.bak'));
  const runs = join(dir, 'runs');
  mkdirSync(runs);
  copyFileSync(SEED_RUN, join(runs, 'proactive_step_run01.jsonl'));
  const before = readFileSync(input, 'utf8');

  it.each([
    ['replay --out the same path', ['replay', input, '--out', input]],
    ['replay --out a symlink to the input', ['replay', input, '--out', join(dir, 'link.csv')]],
    ['replay --out a hard link to the input', ['replay', input, '--out', join(dir, 'hard.csv.bak')]],
    ['replay of a directory --out a file in it', ['replay', dir, '--out', join(dir, 'run_3.csv')]],
    ['dataset build -o the input', ['dataset', 'build', input, '-o', input, '--feature-set', 'seed-v1']],
    ['loadtest --out its --trace', ['loadtest', '--pattern', 'trace', '--trace', input, '--target', DEAD, '--out', input]],
  ])('%s', async (_, args) => {
    const r = await sockml(args);
    expect(r.code, r.stderr).toBe(2);
    expectOneLine(r, /is also an input/);
    expect(readFileSync(input, 'utf8')).toBe(before);
  });

  it('experiment analyze --report onto an input .jsonl', async () => {
    const target = join(runs, 'proactive_step_run01.jsonl');
    const was = readFileSync(target, 'utf8');
    const r = await sockml(['experiment', 'analyze', runs, '--report', target, '--resamples', '100']);
    expect(r.code, r.stderr).toBe(2);
    expectOneLine(r, /--report .*proactive_step_run01\.jsonl is also an input/);
    expect(readFileSync(target, 'utf8')).toBe(was);
  });
});

describe('a failed run leaves the earlier output as it was and no partial file', () => {
  it.each([
    ['replay --out', (bad: string, out: string) => ['replay', STEP, bad, '--out', out]],
    ['dataset build -o', (bad: string, out: string) => ['dataset', 'build', STEP, bad, '-o', out, '--feature-set', 'seed-v1']],
  ])('%s: a malformed row in the second recording, after the first one was written', async (_, args) => {
    const dir = scratch();
    const out = join(dir, 'result.csv');
    writeFileSync(out, 'EARLIER RESULT\n');
    const bad = join(dir, 'bad.csv');
    const lines = readFileSync(STEP, 'utf8').split('\n');
    lines[20] = lines[20].replace(/,[^,]*$/, ',maybe');
    writeFileSync(bad, lines.join('\n'));
    const r = await sockml(args(bad, out));
    expect(r.code, r.stderr).toBe(2);
    expectOneLine(r, /bad\.csv:21: column 'sla_violated'/);
    expect(readFileSync(out, 'utf8')).toBe('EARLIER RESULT\n');
    expect(leftovers(dir)).toEqual([]);
  });
});

describe('output-path errors are one line and exit code 2', () => {
  const dir = scratch();
  const aFile = join(dir, 'a-file');
  writeFileSync(aFile, 'x');
  const missing = join(dir, 'no-such-dir', 'out.csv');
  const cases: [string, string[], RegExp][] = [
    ['replay --out in a missing directory', ['replay', STEP, '--out', missing], /--out .*out\.csv: directory .*no-such-dir does not exist/],
    ['replay --out a directory', ['replay', STEP, '--out', dir], /--out .*: is a directory/],
    ['dataset build -o in a missing directory', ['dataset', 'build', STEP, '-o', missing], /-o .*: directory .*no-such-dir does not exist/],
    ['dataset build -o a directory', ['dataset', 'build', STEP, '-o', dir], /-o .*: is a directory/],
    ['experiment analyze --report in a missing directory', ['experiment', 'analyze', SEED_RUN, '--report', join(dir, 'no-such-dir', 'r.html')], /--report .*does not exist/],
    ['experiment analyze --report a directory', ['experiment', 'analyze', SEED_RUN, '--report', dir], /--report .*: is a directory/],
    ['loadtest --out in a missing directory', ['loadtest', '--pattern', 'constant', '--duration', '1s', '--target', DEAD, '--out', missing], /--out .*does not exist/],
    ['loadtest --out a directory', ['loadtest', '--pattern', 'constant', '--duration', '1s', '--target', DEAD, '--out', dir], /--out .*: is a directory/],
    ['loadtest --k6-script in a missing directory', ['loadtest', '--pattern', 'constant', '--duration', '1s', '--target', DEAD, '--engine', 'k6', '--k6-script', join(dir, 'no-such-dir', 'x.js')], /--k6-script .*does not exist/],
    ['loadtest --k6-script a directory', ['loadtest', '--pattern', 'constant', '--duration', '1s', '--target', DEAD, '--engine', 'k6', '--k6-script', dir], /--k6-script .*: is a directory/],
    ['experiment run --out a file', ['experiment', 'run', '--pattern', 'step', '--condition', 'static', '--out', aFile], /--out .*a-file: (is not a directory|cannot create)/],
    ['experiment run --out under a file', ['experiment', 'run', '--pattern', 'step', '--condition', 'static', '--out', join(aFile, 'runs')], /--out .*a-file\/runs: cannot create/],
  ];
  it.each(cases)('%s', async (_, args, message) => {
    const r = await sockml(args, { env: { PATH: '/usr/bin:/bin' } }); // k6 is not on PATH either way
    expect(r.code, r.stderr).toBe(2);
    expectOneLine(r, message);
  });
});

describe('a full disk (every write failing) is one line, exit code 2, and keeps the earlier output', () => {
  const cases: [string, (out: string) => string[], string][] = [
    ['replay --out', (out) => ['replay', STEP, '--out', out], 'decisions.csv'],
    ['dataset build -o', (out) => ['dataset', 'build', STEP, '-o', out, '--feature-set', 'seed-v1'], 'train.csv'],
    ['experiment analyze --report', (out) => ['experiment', 'analyze', SEED_RUN, '--report', out, '--resamples', '100'], 'report.html'],
    ['loadtest --out .csv', (out) => ['loadtest', '--pattern', 'constant', '--duration', '1s', '--peak-rps', '5', '--target', DEAD, '--out', out], 'timeline.csv'],
    ['loadtest --out .json', (out) => ['loadtest', '--pattern', 'constant', '--duration', '1s', '--peak-rps', '5', '--target', DEAD, '--out', out], 'timeline.json'],
    ['loadtest --k6-script', (out) => ['loadtest', '--pattern', 'constant', '--duration', '1s', '--target', DEAD, '--engine', 'k6', '--k6-script', out], 'load.k6.js'],
  ];
  it.each(cases)('%s', async (_, args, name) => {
    const dir = scratch();
    const out = join(dir, name);
    writeFileSync(out, ''); // an earlier result (empty: the limit forbids writing even the fixture)
    const r = await sockmlWithoutSpace(args(out), dir);
    expect(r.code, r.stderr).toBe(2);
    expectOneLine(r, /cannot write \(EFBIG: file too large\)/);
    expect(readFileSync(out, 'utf8')).toBe('');
    expect(leftovers(dir)).toEqual([]);
  });

  it('experiment run --out: a run file that cannot be written', async () => {
    const dir = scratch();
    const r = await sockmlWithoutSpace(
      ['experiment', 'run', '--pattern', 'step', '--condition', 'static', '--duration', '20s', '--interval', '5s', '--time-scale', '10', '--settle', '1ms', '--peak-rps', '5', '--out', join(dir, 'runs')],
      dir,
    );
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/sockml experiment run: .*static_step_run01\.jsonl: cannot write \(EFBIG: file too large\)/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readdirSync(join(dir, 'runs')).filter((f) => f.endsWith('.jsonl') || f.endsWith('.tmp'))).toEqual([]);
  });
});

describe('AtomicOutput', () => {
  it('writes through a symlink (the link stays), keeps the replaced file\'s mode, and writes a device in place', async () => {
    const dir = scratch();
    const real = join(dir, 'real.csv');
    writeFileSync(real, 'old\n');
    chmodSync(real, 0o600);
    symlinkSync(real, join(dir, 'link.csv'));
    const out = AtomicOutput.open(join(dir, 'link.csv'), { flag: '--out' });
    out.write('new\n');
    await out.commit();
    expect(lstatSync(join(dir, 'link.csv')).isSymbolicLink()).toBe(true);
    expect(readFileSync(real, 'utf8')).toBe('new\n');
    expect(statSync(real).mode & 0o777).toBe(0o600);
    // /dev/null cannot be replaced by a rename, and must never be.
    const devNull = AtomicOutput.open('/dev/null', { flag: '--out' });
    devNull.write('discarded\n');
    await devNull.commit();
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true);
    expect(readdirSync(dir).sort()).toEqual(['link.csv', 'real.csv']);
  });


  it('a process killed by a signal it does not handle leaves no temporary file and no target', async () => {
    const dir = scratch();
    const target = join(dir, 'out.csv');
    // The built module, in a process of its own that signals itself half-way through writing.
    const script = `
      import { AtomicOutput } from ${JSON.stringify(resolve(REPO, 'packages/cli/dist/lib/output-file.js'))};
      const out = AtomicOutput.open(${JSON.stringify(target)}, { flag: '--out' });
      out.write('half a result\\n');
      await out.drained();
      process.kill(process.pid, 'SIGTERM');
      setTimeout(() => {}, 5000);
    `;
    const r = await new Promise<{ signal: NodeJS.Signals | null }>((done) => {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: 'inherit' });
      child.on('close', (_code, signal) => done({ signal }));
    });
    expect(r.signal).toBe('SIGTERM');
    expect(readdirSync(dir)).toEqual([]);
    expect(existsSync(target)).toBe(false);
  });
});
