import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { metricsCsvHeader } from '@sockml/core';
import { spawnSockml } from '../lib/sockml-child.js';
import { sockml } from '../test-support.js';

// Flag problems are reported before any network access: one line on stderr, exit code 2.
describe('sockml collect: bad input', () => {
  it.each([
    { args: ['--interval', '30'], message: /--interval: '30' is not a duration/ },
    { args: ['--duration', 'soon'], message: /--duration: 'soon' is not a duration/ },
    { args: ['--slo', '-3'], message: /--slo must be a positive number of ms, got '-3'/ },
    { args: ['--metric', 'request_duration_seconds_bucket'], message: /base name, without _bucket/ },
    { args: ['--metric', 'a{b="c"}'], message: /not a Prometheus metric name/ },
    { args: ['--prometheus', 'localhost 9090'], message: /is not a URL/ },
    { args: ['--out', ''], message: /collect needs somewhere to put the polls: --out metrics.csv \(development\) and\/or --kafka host:port \(production\)/ },
    { args: ['--out', '/nonexistent-dir/m.csv'], message: /--out \/nonexistent-dir\/m\.csv: directory \/nonexistent-dir does not exist/ },
  ])('$args', async ({ args, message }) => {
    const base = { '--prometheus': 'http://127.0.0.1:9090', '--out': '/dev/null' } as Record<string, string>;
    for (let i = 0; i < args.length; i += 2) base[args[i]] = args[i + 1];
    const r = await sockml(['collect', ...Object.entries(base).flat()]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});

describe('sockml collect after a crash', () => {
  it('refuses to overwrite a file with a journal; collect recover merges it', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sockml-collect-crash-')), 'm.csv');
    const row = (t: string, label: string) => `${t},carts,10,0,5,9,12,3,64,,,,${label}`;
    writeFileSync(out, [metricsCsvHeader(), row('2026-04-08T22:40:00.000Z', '0')].join('\n') + '\n');
    writeFileSync(`${out}.pending`, [metricsCsvHeader(), row('2026-04-08T22:40:00.000Z', ''), row('2026-04-08T22:40:30.000Z', '')].join('\n') + '\n');

    const refused = await sockml(['collect', '--prometheus', 'http://127.0.0.1:9', '--out', out, '--slo', '35']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(/m\.csv\.pending exists: .*sockml collect recover .*m\.csv/);
    expect(readFileSync(out, 'utf8').split('\n')).toHaveLength(3); // untouched

    const r = await sockml(['collect', 'recover', out, '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ kept: 1, appended: 1, duplicates: 1, tornBytes: 0 });
    expect(readFileSync(out, 'utf8').trim().split('\n').slice(1)).toEqual([row('2026-04-08T22:40:00.000Z', '0'), row('2026-04-08T22:40:30.000Z', '')]);
    expect(existsSync(`${out}.pending`)).toBe(false);
    expect((await sockml(['collect', 'recover', out])).code).toBe(2); // nothing left to recover
  });

  it('collect recover drops a malformed journal line and says so', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sockml-collect-crash-')), 'm.csv');
    const row = (t: string, p95: string) => `${t},carts,10,0,5,${p95},12,3,64,,,,`;
    writeFileSync(out, metricsCsvHeader() + '\n');
    writeFileSync(`${out}.pending`, [metricsCsvHeader(), row('2026-04-08T22:40:00.000Z', '9'), row('2026-04-08T22:40:30.000Z', 'slow'), '2026-04-08T22:41:00.000Z,car'].join('\n') + '\n');
    const r = await sockml(['collect', 'recover', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/1 appended .*, 2 malformed journal lines dropped/);
    expect(r.stderr).toMatch(/m\.csv\.pending:3: column 'p95_latency_ms': 'slow' is not a number/);
    expect(readFileSync(out, 'utf8').trim().split('\n').slice(1)).toEqual([row('2026-04-08T22:40:00.000Z', '9')]);
  });
});

describe('sockml collect: one writer per file', () => {
  it('a second collect on the file the first is writing is refused; a collect that never completes a poll leaves the earlier file', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'sockml-collect-lock-')), 'm.csv');
    writeFileSync(out, 'an earlier recording\n');
    // Nothing answers on port 9: every poll of this collect is missing.
    const first = spawnSockml(['collect', '--prometheus', 'http://127.0.0.1:9', '--interval', '1s', '--out', out, '--slo', '35'], { timeoutMs: 60_000 });
    try {
      for (const until = Date.now() + 20_000; !existsSync(`${out}.lock`); ) {
        if (Date.now() > until) throw new Error(`collect did not take its lock:\n${first.stderr()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
      const second = await sockml(['collect', '--prometheus', 'http://127.0.0.1:9', '--interval', '1s', '--duration', '1s', '--out', out]);
      expect(second.code, second.stderr).toBe(2);
      expect(second.stderr.trim().split('\n')).toHaveLength(1);
      expect(second.stderr).toMatch(new RegExp(`m\\.csv is being written by another collect \\(pid ${first.child.pid}\\)`));
      await new Promise((r) => setTimeout(r, 1500)); // the first one misses a poll or two
    } finally {
      await first.stop('SIGTERM');
    }
    expect(readFileSync(out, 'utf8')).toBe('an earlier recording\n');
    expect(existsSync(`${out}.lock`)).toBe(false);
    expect(existsSync(`${out}.pending`)).toBe(false);
  });
});
