/**
 * A log-linear (HDR-style) histogram of latencies in microseconds: exact below 128 µs, then 64 buckets
 * per power of two, so any recorded value is reported within 1/64 (1.6 %) of itself, in fixed memory
 * (≈ 1.7 k counters) however many requests a run makes. Values above about 35 minutes are clamped.
 */
const LINEAR = 128; // values below this get a bucket each
const SUB = 64; // buckets per power of two above it
const MAX_SHIFT = 24; // 2^31 µs ≈ 35 min, well past any request timeout
const BUCKETS = LINEAR + MAX_SHIFT * SUB;

export class LatencyHistogram {
  private readonly counts = new Uint32Array(BUCKETS);
  private n = 0;
  private min = Infinity;
  private max = 0;
  private sum = 0;

  get count(): number {
    return this.n;
  }

  /** Records one latency in milliseconds (stored at microsecond resolution). */
  record(ms: number): void {
    const us = Math.max(0, Math.round(ms * 1000));
    this.counts[bucketOf(us)]++;
    this.n++;
    this.sum += ms;
    if (ms < this.min) this.min = ms;
    if (ms > this.max) this.max = ms;
  }

  add(other: LatencyHistogram): void {
    for (let i = 0; i < BUCKETS; i++) this.counts[i] += other.counts[i];
    this.n += other.n;
    this.sum += other.sum;
    this.min = Math.min(this.min, other.min);
    this.max = Math.max(this.max, other.max);
  }

  /**
   * The q-quantile in ms (q in [0, 1]): the upper edge of the bucket holding the ⌈q·n⌉-th value, capped by
   * the largest value seen, so a percentile never understates (HDR's "highest equivalent value"). NaN when empty.
   */
  quantile(q: number): number {
    if (this.n === 0) return NaN;
    const rank = Math.max(1, Math.ceil(q * this.n));
    let seen = 0;
    for (let i = 0; i < BUCKETS; i++) {
      seen += this.counts[i];
      if (seen >= rank) return Math.min(Math.max(upperEdgeUs(i) / 1000, this.min), this.max);
    }
    return this.max;
  }

  stats(): { count: number; minMs: number; meanMs: number; p50Ms: number; p90Ms: number; p95Ms: number; p99Ms: number; maxMs: number } {
    const empty = this.n === 0;
    return {
      count: this.n,
      minMs: empty ? NaN : this.min,
      meanMs: empty ? NaN : this.sum / this.n,
      p50Ms: this.quantile(0.5),
      p90Ms: this.quantile(0.9),
      p95Ms: this.quantile(0.95),
      p99Ms: this.quantile(0.99),
      maxMs: empty ? NaN : this.max,
    };
  }
}

function bucketOf(us: number): number {
  if (us < LINEAR) return us;
  // shift ≥ 1 such that us >> shift falls in [SUB, 2·SUB).
  const shift = Math.min(31 - Math.clz32(Math.min(us, 2 ** 31 - 1)) - 6, MAX_SHIFT);
  const sub = Math.min(Math.floor(us / 2 ** shift), 2 * SUB - 1);
  return LINEAR + (shift - 1) * SUB + (sub - SUB);
}

function upperEdgeUs(bucket: number): number {
  if (bucket < LINEAR) return bucket;
  const shift = Math.floor((bucket - LINEAR) / SUB) + 1;
  const sub = ((bucket - LINEAR) % SUB) + SUB;
  return (sub + 1) * 2 ** shift - 1;
}
