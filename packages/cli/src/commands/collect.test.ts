import { describe, expect, it } from 'vitest';
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
    { args: ['--out', '/nonexistent-dir/m.csv'], message: /--out: cannot write \/nonexistent-dir\/m\.csv \(ENOENT\)/ },
  ])('$args', ({ args, message }) => {
    const base = { '--prometheus': 'http://127.0.0.1:9090', '--out': '/dev/null' } as Record<string, string>;
    for (let i = 0; i < args.length; i += 2) base[args[i]] = args[i + 1];
    const r = sockml(['collect', ...Object.entries(base).flat()]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });
});
