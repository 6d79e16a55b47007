/**
 * Parses a duration such as `30s`, `1m30s`, `500ms`, `2h` into milliseconds (the spelling of
 * Prometheus and the collect flags). A bare number is rejected: `30` could mean seconds or ms.
 */
export function parseDuration(raw: string, options: { allowZero?: boolean } = {}): number {
  const text = raw.trim();
  // With allowZero a zero needs no unit: '0' is 0 in every one.
  if (options.allowZero && /^0+(\.0*)?$/.test(text)) return 0;
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < text.length) {
    part.lastIndex = at;
    const m = part.exec(text);
    if (!m) throw new Error(`'${raw}' is not a duration (e.g. 500ms, 30s, 1m30s, 2h)`);
    total += Number(m[1]) * UNIT_MS[m[2] as keyof typeof UNIT_MS];
    at = part.lastIndex;
  }
  if (text.length === 0 || (!options.allowZero && !(total > 0))) {
    throw new Error(`'${raw}' is not a ${options.allowZero ? '' : 'positive '}duration (e.g. ${options.allowZero ? '0, ' : ''}500ms, 30s, 1m30s, 2h)`);
  }
  return total;
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const;

/** The shortest Prometheus spelling of a whole number of milliseconds, for range selectors (`[1m]`). */
export function formatPromDuration(ms: number): string {
  if (!Number.isInteger(ms) || ms <= 0) throw new Error(`a Prometheus duration must be a positive whole number of ms, got ${ms}`);
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}
