/**
 * Just enough of the Prometheus text exposition format to poll a target directly (no Prometheus
 * server): samples by metric name, and per-interval quantiles from the difference of two histogram
 * scrapes, interpolated within the bucket as PromQL's histogram_quantile does.
 */
import { histogramQuantile } from '../../collect/histogram-quantile.js';

export interface ExpositionSample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)(?:\s+\d+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;

export function parseExposition(text: string): ExpositionSample[] {
  const out: ExpositionSample[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = SAMPLE.exec(line);
    if (!m) continue;
    const value = m[3] === '+Inf' ? Infinity : m[3] === '-Inf' ? -Infinity : Number(m[3]);
    if (Number.isNaN(value)) continue;
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(LABEL)) labels[l[1]] = l[2].replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));
    out.push({ name: m[1], labels, value });
  }
  return out;
}

/** The sum of a metric's samples whose labels include `labels`, or undefined when none matches. */
export function sampleSum(samples: readonly ExpositionSample[], name: string, labels: Readonly<Record<string, string>> = {}): number | undefined {
  let total: number | undefined;
  for (const s of samples) {
    if (s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v)) total = (total ?? 0) + s.value;
  }
  return total;
}

/** Sums a metric's samples by one label's value. */
export function sumBy(samples: readonly ExpositionSample[], name: string, label: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of samples) {
    if (s.name !== name || s.labels[label] === undefined) continue;
    out.set(s.labels[label], (out.get(s.labels[label]) ?? 0) + s.value);
  }
  return out;
}

/** Cumulative bucket counts per group (`le` → count), summed over the other labels. */
export function histogramBuckets(samples: readonly ExpositionSample[], name: string, groupLabel: string): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const s of samples) {
    if (s.name !== `${name}_bucket`) continue;
    const g = s.labels[groupLabel];
    const le = s.labels.le === '+Inf' ? Infinity : Number(s.labels.le);
    if (g === undefined || Number.isNaN(le)) continue;
    const buckets = out.get(g) ?? new Map<number, number>();
    buckets.set(le, (buckets.get(le) ?? 0) + s.value);
    out.set(g, buckets);
  }
  return out;
}

/**
 * The q-quantile of the observations between two scrapes of cumulative buckets (`le` → count), or null
 * when there were none (histogramQuantile's rules).
 */
export function intervalQuantile(q: number, before: ReadonlyMap<number, number> | undefined, after: ReadonlyMap<number, number>): number | null {
  if (!(q >= 0 && q <= 1)) throw new Error(`quantile must be in [0, 1], got ${q}`);
  const bounds = [...after.keys()].sort((a, b) => a - b);
  const counts = bounds.map((le) => Math.max(0, (after.get(le) ?? 0) - (before?.get(le) ?? 0)));
  return histogramQuantile(q, bounds, counts);
}
