import { StringDecoder } from 'node:string_decoder';
import { parse as parseCsvSync } from 'csv-parse/sync';
import { metricsCsvLayout, parseIsoTime, parseMetricsRow, SchemaError, type MetricsCsvLayout, type MetricsSample } from '../schema.js';

export interface MetricsCsvReadOptions {
  /** Skip malformed rows (counted in `stats`) instead of failing on the first one. */
  skipInvalid?: boolean;
  /** Samples per yielded batch; replay feeds them to the models in batches this size. */
  batchSize?: number;
  /**
   * The file is one run: a row whose service already had a poll at the same time or later stops the
   * read with file:line (also under `skipInvalid`: the row is well formed, the file is not one run in
   * time order). Without it, such rows are read, and the feature extractor refuses them without a line.
   */
  requireTimeOrder?: boolean;
}

export interface MetricsCsvReadStats {
  rows: number;
  invalid: number;
  /** The first few skipped rows' errors, `file:line: reason`, for the report. */
  invalidExamples: string[];
}

/**
 * Streams a recorded metrics CSV as batches of validated samples.
 *
 * Records are split by a fast path for lines without a quote character (all recorded files), and by
 * csv-parse for any record that has one (RFC 4180 quoting, embedded commas or newlines). csv-parse
 * alone tops out near 150 000 rows/s on this project's 2-core machine, below the replay target; the
 * two paths are checked against each other in the tests. Validation is the schema module's: within the
 * fast path, a line whose cells are all in the plain form recorders write (see `LineParser`) is read
 * straight from the text; any other line is split and goes through `parseMetricsRow`, which accepts or
 * rejects it (with file:line) exactly as it always has.
 */
export async function* readMetricsCsv(
  source: AsyncIterable<string | Buffer>,
  name: string,
  options: MetricsCsvReadOptions = {},
  stats: MetricsCsvReadStats = { rows: 0, invalid: 0, invalidExamples: [] },
): AsyncGenerator<MetricsSample[]> {
  const batchSize = options.batchSize ?? 4096;
  let layout: MetricsCsvLayout | undefined;
  let batch: MetricsSample[] = [];
  let lineNo = 0;
  let rest = '';
  let pending = ''; // a quoted record still open across lines
  let pendingLine = 0;
  let headerWidth = 0;
  let fast: LineParser | undefined;
  let dataRecords = 0; // data records after the header, valid or not
  // Each service's latest poll so far and its line, when the rows must be in time order.
  const latest = options.requireTimeOrder ? new Map<string, { timeMs: number; line: number }>() : undefined;
  const inOrder = (s: MetricsSample, line: number) => {
    const last = latest!.get(s.service);
    if (last === undefined) latest!.set(s.service, { timeMs: s.timeMs, line });
    else if (s.timeMs <= last.timeMs) {
      throw new SchemaError(
        `service '${s.service}' has a poll at ${s.timestamp} that is not after its previous poll (line ${last.line}); polls of one service must be in time order and not repeated`,
        `${name}:${line}`,
      );
    } else {
      last.timeMs = s.timeMs;
      last.line = line;
    }
  };

  const take = (cells: string[], line: number) => {
    if (!layout) {
      const where = `${name}:${line}`;
      if (cells.length > 0 && cells[0].charCodeAt(0) === 0xfeff) cells[0] = cells[0].slice(1);
      layout = metricsCsvLayout(cells, where);
      headerWidth = cells.length;
      fast = new LineParser(layout, headerWidth);
      return;
    }
    dataRecords++;
    let sample: MetricsSample;
    try {
      try {
        sample = parseMetricsCells(cells, layout, headerWidth);
      } catch (e) {
        // Name file and line only on the error path: building `file:line` for every row is measurable.
        throw e instanceof SchemaError ? new SchemaError(e.message, `${name}:${line}`) : e;
      }
    } catch (e) {
      if (!(e instanceof SchemaError) || !options.skipInvalid) throw e;
      stats.invalid++;
      if (stats.invalidExamples.length < 5) stats.invalidExamples.push(e.message);
      return;
    }
    if (latest) inOrder(sample, line);
    batch.push(sample);
    stats.rows++;
  };

  const line = (raw: string) => {
    lineNo++;
    const l = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (pending !== '' || l.includes('"')) {
      if (pending === '') pendingLine = lineNo;
      pending = pending === '' ? l : `${pending}\n${l}`;
      // A record is complete once its quotes balance.
      if (countQuotes(pending) % 2 !== 0) return;
      const text = pending;
      pending = '';
      let records: string[][];
      try {
        records = parseCsvSync(text, { relax_column_count: true }) as string[][];
      } catch (e) {
        const err = new SchemaError(`unreadable CSV record (${(e as Error).message})`, `${name}:${pendingLine}`);
        if (!layout || !options.skipInvalid) throw err;
        dataRecords++;
        stats.invalid++;
        if (stats.invalidExamples.length < 5) stats.invalidExamples.push(err.message);
        return;
      }
      for (const r of records) take(r, pendingLine);
      return;
    }
    if (l === '') return; // blank lines carry nothing
    take(l.split(','), lineNo);
  };

  const plain = (text: string, start: number, nl: number) => {
    lineNo++;
    if (nl === start) return;
    const sample = fast!.parse(text, start, nl);
    if (sample !== undefined) {
      if (latest) inOrder(sample, lineNo);
      batch.push(sample);
      stats.rows++;
      dataRecords++;
    } else take(text.slice(start, nl).split(','), lineNo);
  };

  // A character split across two chunks is decoded whole.
  const decoder = new StringDecoder('utf8');
  for await (const chunk of source) {
    const str = typeof chunk === 'string' ? chunk : decoder.write(chunk);
    if (pending === '' && layout && str.indexOf('"') < 0 && str.indexOf('\r') < 0 && rest.indexOf('"') < 0 && rest.indexOf('\r') < 0) {
      // Fast path for a chunk of plain lines (every recorded file): no quotes, no CR to strip. Lines
      // are read from the chunk's own (flat) string; only the line spanning the previous chunk is joined.
      let start = 0;
      if (rest !== '') {
        const nl = str.indexOf('\n');
        if (nl < 0) {
          rest += str;
          continue;
        }
        const joined = rest + str.slice(0, nl);
        plain(joined, 0, joined.length);
        start = nl + 1;
      }
      const end = str.lastIndexOf('\n');
      while (start <= end) {
        const nl = str.indexOf('\n', start);
        plain(str, start, nl);
        start = nl + 1;
      }
      rest = str.slice(start);
    } else {
      // Lines end in LF, CRLF or a lone CR (old Mac files): all three, so that no row is lost. A CR that
      // ends the text may be half of a CRLF split across chunks: it waits for the next chunk.
      const text = rest + str;
      let start = 0;
      let nextLf = text.indexOf('\n');
      let nextCr = text.indexOf('\r');
      for (;;) {
        if (nextLf >= 0 && nextLf < start) nextLf = text.indexOf('\n', start);
        if (nextCr >= 0 && nextCr < start) nextCr = text.indexOf('\r', start);
        let end: number;
        let next: number;
        if (nextCr >= 0 && (nextLf < 0 || nextCr < nextLf)) {
          if (nextCr === text.length - 1) break; // CR at the end: wait for what follows
          end = nextCr;
          next = text.charCodeAt(nextCr + 1) === 10 ? nextCr + 2 : nextCr + 1;
        } else if (nextLf >= 0) {
          end = nextLf;
          next = nextLf + 1;
        } else break;
        line(text.slice(start, end));
        start = next;
      }
      rest = text.slice(start);
    }
    if (batch.length >= batchSize) {
      yield batch;
      batch = [];
    }
  }
  rest += decoder.end();
  if (rest !== '') line(rest);
  if (pending !== '') {
    const err = new SchemaError('unterminated quoted field at end of file', `${name}:${pendingLine}`);
    if (!options.skipInvalid) throw err;
    stats.invalid++;
    if (stats.invalidExamples.length < 5) stats.invalidExamples.push(err.message);
  }
  if (!layout) throw new SchemaError('file is empty: no header row', `${name}:1`);
  // A header and nothing else is not an empty recording to report as zero rows: it is a broken one.
  if (dataRecords === 0) throw new SchemaError('no rows after the header (an empty recording)', name);
  if (batch.length > 0) yield batch;
}

/** The reader's rules for one record: as many cells as the header, each as the schema reads it. */
function parseMetricsCells(cells: readonly string[], layout: MetricsCsvLayout, headerWidth: number, where?: string): MetricsSample {
  if (cells.length !== headerWidth) throw new SchemaError(`expected ${headerWidth} cells as in the header, got ${cells.length}`, where);
  return parseMetricsRow(cells, layout, where);
}

/**
 * One line of a metrics CSV (no line end inside), checked by the reader's own rules — quoting, the
 * header's cell count, every cell as `parseMetricsRow` reads it — for lines read outside a stream, such
 * as the journal `collect recover` merges. Throws a SchemaError naming `where`.
 */
export function parseMetricsCsvLine(line: string, layout: MetricsCsvLayout, headerWidth: number, where: string): MetricsSample {
  let cells: string[];
  if (line.includes('"')) {
    try {
      cells = (parseCsvSync(line, { relax_column_count: true }) as string[][])[0] ?? [];
    } catch (e) {
      throw new SchemaError(`unreadable CSV record (${(e as Error).message})`, where);
    }
  } else cells = line.split(',');
  return parseMetricsCells(cells, layout, headerWidth, where);
}

function countQuotes(s: string): number {
  let n = 0;
  for (let i = s.indexOf('"'); i >= 0; i = s.indexOf('"', i + 1)) n++;
  return n;
}

/** What a column holds, for LineParser. */
const enum Cell {
  Ignored,
  Timestamp,
  Service,
  Rps,
  ErrorPct,
  P50,
  P95,
  P99,
  Cpu,
  Memory,
  Sla,
}

/** 10^0 .. 10^22: every one is exact as a double. */
const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);

/**
 * Reads a metrics row straight from the chunk's text, without splitting it into cell strings, when
 * every cell is in the plain form recorders write: timestamp and service without surrounding blanks,
 * numbers as `digits[.digits]` with at most 15 significant digits (or an empty cell: no data),
 * sla_violated as 0, 1, 0.0, 1.0 or empty. Such a number is an integer below 2^53 divided by an exact
 * power of ten, one correctly rounded IEEE division, so it is the very double `Number(cell)` gives.
 * Anything else (signs, exponents, `nan`, blanks, a wrong cell count, a bad time) returns undefined and
 * the caller takes the validating path, so what is accepted, rejected and reported is unchanged.
 */
class LineParser {
  private readonly kinds: Cell[];
  private lastTimestamp = '';
  private lastTimeMs = 0;
  // Values of the line being parsed.
  private timestamp = '';
  private service = '';
  private readonly nums: (number | null)[] = new Array(Cell.Sla + 1).fill(null);
  private sla: 0 | 1 | null = null;

  constructor(layout: MetricsCsvLayout, private readonly width: number) {
    this.kinds = new Array(width).fill(Cell.Ignored);
    const ix = layout.index;
    const set = (i: number, k: Cell) => {
      if (i >= 0) this.kinds[i] = k;
    };
    set(ix.timestamp, Cell.Timestamp);
    set(ix.service, Cell.Service);
    set(ix.request_rate_rps, Cell.Rps);
    set(ix.error_rate_pct, Cell.ErrorPct);
    set(ix.p50_latency_ms, Cell.P50);
    set(ix.p95_latency_ms, Cell.P95);
    set(ix.p99_latency_ms, Cell.P99);
    set(ix.cpu_usage_pct, Cell.Cpu);
    set(ix.memory_usage_mb, Cell.Memory);
    set(ix.sla_violated, Cell.Sla);
  }

  /** The sample on text[start, end) (no line end inside), or undefined if it needs the validating path. */
  parse(text: string, start: number, end: number): MetricsSample | undefined {
    const nums = this.nums;
    for (let k = Cell.Rps; k <= Cell.Memory; k++) nums[k] = null; // optional columns may be absent
    this.sla = null;
    let col = 0;
    let a = start;
    for (;;) {
      let b = text.indexOf(',', a);
      if (b < 0 || b > end) b = end;
      if (col >= this.width) return undefined;
      const kind = this.kinds[col];
      if (kind !== Cell.Ignored && !this.cell(kind, text, a, b)) return undefined;
      col++;
      if (b === end) break;
      a = b + 1;
    }
    if (col !== this.width) return undefined;
    return {
      timestamp: this.timestamp,
      timeMs: this.lastTimeMs,
      service: this.service,
      requestRateRps: nums[Cell.Rps],
      errorRatePct: nums[Cell.ErrorPct],
      p50LatencyMs: nums[Cell.P50],
      p95LatencyMs: nums[Cell.P95],
      p99LatencyMs: nums[Cell.P99],
      cpuUsagePct: nums[Cell.Cpu],
      memoryUsageMb: nums[Cell.Memory],
      slaViolated: this.sla,
    };
  }

  private cell(kind: Cell, text: string, a: number, b: number): boolean {
    if (kind === Cell.Timestamp || kind === Cell.Service) {
      if (b <= a || text.charCodeAt(a) <= 32 || text.charCodeAt(b - 1) <= 32) return false;
      if (kind === Cell.Service) {
        this.service = text.slice(a, b);
        return true;
      }
      // All services of a poll share its timestamp: reuse the string and its parsed time.
      const last = this.lastTimestamp;
      if (b - a === last.length && text.startsWith(last, a)) {
        this.timestamp = last;
        return true;
      }
      const t = text.slice(a, b);
      const ms = parseIsoTime(t);
      if (Number.isNaN(ms)) return false;
      this.timestamp = this.lastTimestamp = t;
      this.lastTimeMs = ms;
      return true;
    }
    if (kind === Cell.Sla) {
      const n = b - a;
      if (n === 0) return true;
      const c = text.charCodeAt(a);
      if ((c !== 48 && c !== 49) || (n !== 1 && !(n === 3 && text.charCodeAt(a + 1) === 46 && text.charCodeAt(a + 2) === 48))) return false;
      this.sla = c === 49 ? 1 : 0;
      return true;
    }
    if (a === b) return true; // empty: no data (already null)
    let m = 0;
    let digits = 0;
    let frac = -1; // digits after the point, -1 without one
    for (let i = a; i < b; i++) {
      const c = text.charCodeAt(i);
      if (c >= 48 && c <= 57) {
        if (digits > 0 || c !== 48) digits++;
        m = m * 10 + (c - 48);
        if (frac >= 0) frac++;
      } else if (c === 46 && frac < 0) frac = 0;
      else return false;
    }
    // "." alone, "5." or ".5" are left to Number() and the validating path.
    if (frac === 0 || digits > 15 || frac > 22 || text.charCodeAt(a) === 46) return false;
    this.nums[kind] = frac > 0 ? m / POW10[frac] : m;
    return true;
  }
}
