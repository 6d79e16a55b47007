import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { readMetricsCsv } from '../../io/metrics-csv-reader.js';
import { metricsCsvHeader } from '../../schema.js';
import { ArrivalSchedule } from '../arrival-schedule.js';
import { loadPattern } from './registry.js';
import { parseTrace, traceDurationMs, tracePattern } from './trace.js';

const FIXTURES = resolve(__dirname, '../../../../../fixtures');
const RATES = 't_seconds,rps\n0,10\n60,50\n120,50\n';
const HEADER = metricsCsvHeader();
/** A metrics row; `rps` is written as given ('' and 'nan' are "no data"). */
const row = (time: string, service: string, rps: string | number) => `2026-04-08T20:${time}+00:00,${service},${rps},0.0,2.5,4.75,4.95,0.8,80.5,,,,0`;
const RECORDING = [
  HEADER,
  row('00:00', 'carts', 1),
  row('00:00', 'front-end', ''), // before the first rate: left out
  row('00:30', 'front-end', 10),
  row('00:30', 'carts', 2),
  row('01:00', 'front-end', 'nan'), // a gap: bridged from 10 to 40
  row('01:30', 'front-end', 40),
  row('02:30', 'front-end', 40), // a missing poll (02:00): bridged, as a gap
].join('\n');
const seg = (durationMs: number, fromRps: number, toRps: number) => ({ durationMs, fromRps, toRps });

describe('trace patterns: good traces', () => {
  it.each([
    { what: 'a rate trace at its own length and rates', text: RATES, o: {}, durationMs: 120_000, peakRps: 50, segments: [seg(60_000, 10, 50), seg(60_000, 50, 50)] },
    { what: '--peak-rps scales the rates to the peak', text: RATES, o: { peakRps: 100 }, durationMs: 120_000, peakRps: 100, segments: [seg(60_000, 20, 100), seg(60_000, 100, 100)] },
    { what: 'scaling down rounds to whole rps', text: RATES, o: { peakRps: 7 }, durationMs: 120_000, peakRps: 7, segments: [seg(60_000, 1, 7), seg(60_000, 7, 7)] },
    { what: 'a shorter duration cuts it (at a point)', text: RATES, o: { durationMs: 60_000 }, durationMs: 60_000, peakRps: 50, segments: [seg(60_000, 10, 50)] },
    { what: 'a shorter duration cuts it (between points: the rate there)', text: RATES, o: { durationMs: 30_000 }, durationMs: 30_000, peakRps: 30, segments: [seg(30_000, 10, 30)] },
    { what: 'cut, then scaled: the peak is the played part’s', text: RATES, o: { durationMs: 30_000, peakRps: 60 }, durationMs: 30_000, peakRps: 60, segments: [seg(30_000, 20, 60)] },
    { what: 'a longer duration stretches time', text: RATES, o: { durationMs: 300_000 }, durationMs: 300_000, peakRps: 50, segments: [seg(150_000, 10, 50), seg(150_000, 50, 50)] },
    { what: 'a time scale compresses it (experiment run --time-scale 3)', text: RATES, o: { timeScale: 3 }, durationMs: 40_000, peakRps: 50, segments: [seg(20_000, 10, 50), seg(20_000, 50, 50)] },
    { what: 'time scale and a shorter duration: cut in trace time', text: RATES, o: { timeScale: 3, durationMs: 10_000 }, durationMs: 10_000, peakRps: 30, segments: [seg(10_000, 10, 30)] },
    { what: 'fractional rates round to whole rps', text: 't_seconds,rps\n0,10.4\n30,10.6\n', o: {}, durationMs: 30_000, peakRps: 11, segments: [seg(30_000, 10, 11)] },
    { what: 'time runs from the first point', text: 't_seconds,rps\n30,5\n90,15\n', o: {}, durationMs: 60_000, peakRps: 15, segments: [seg(60_000, 5, 15)] },
    { what: 'columns in any order, others ignored', text: 'rps,note,t_seconds\n5,a,0\n15,b,10\n', o: {}, durationMs: 10_000, peakRps: 15, segments: [seg(10_000, 5, 15)] },
    { what: 'a BOM, CRLF line ends and blank lines', text: '\ufefft_seconds,rps\r\n0,5\r\n\r\n10,15\r\n', o: {}, durationMs: 10_000, peakRps: 15, segments: [seg(10_000, 5, 15)] },
    { what: 'points closer than a ms after compression become a jump', text: 't_seconds,rps\n0,5\n0.0001,15\n10,15\n', o: {}, durationMs: 10_000, peakRps: 15, segments: [seg(0, 5, 15), seg(10_000, 15, 15)] },
    {
      what: 'a recording: the front-end’s rate, gaps and missing polls bridged, other services ignored',
      text: RECORDING,
      o: {},
      durationMs: 120_000,
      peakRps: 40,
      segments: [seg(60_000, 10, 40), seg(60_000, 40, 40)],
    },
  ])('$what', ({ text, o, durationMs, peakRps, segments }) => {
    const p = tracePattern(text, 't.csv', o);
    expect(p.name).toBe('trace');
    expect(p.durationMs).toBe(durationMs);
    expect(p.peakRps).toBe(peakRps);
    expect(p.segments).toEqual(segments);
  });

  it('stamps where the load came from and what was done to it', () => {
    expect(tracePattern(RATES, 'traces/a.csv', { durationMs: 30_000, peakRps: 60 }).params).toEqual({
      file: 'traces/a.csv',
      format: 'rate-csv',
      sha256: createHash('sha256').update(RATES).digest('hex'),
      points: 3,
      traceSeconds: 120,
      playedSeconds: 30,
      timeStretch: 1,
      traceMaxRps: 30,
      rateScale: 2,
    });
    const rec = tracePattern(RECORDING, 'r.csv', { durationMs: 240_000 }).params;
    expect(rec).toMatchObject({ format: 'metrics-csv', points: 3, traceSeconds: 120, playedSeconds: 120, timeStretch: 2, traceMaxRps: 40, rateScale: 1, unratedRows: 2 });
    // The hash tells two versions of one file apart.
    expect(tracePattern(RATES, 'a.csv').params.sha256).not.toBe(tracePattern(RATES.replace('50\n120', '51\n120'), 'a.csv').params.sha256);
  });

  it('a bundled recording is a trace: the front-end rates as the metrics reader reads them', async () => {
    const file = resolve(FIXTURES, 'sockshop-gke/runs/step/run_3.csv');
    const text = readFileSync(file, 'utf8');
    const frontEnd = [];
    for await (const batch of readMetricsCsv(Readable.from([text]), 'run_3.csv')) frontEnd.push(...batch.filter((s) => s.service === 'front-end'));
    const trace = parseTrace(text, 'run_3.csv');
    expect(trace.format).toBe('metrics-csv');
    expect(trace.points).toEqual(frontEnd.map((s) => ({ tSeconds: (s.timeMs - frontEnd[0].timeMs) / 1000, rps: s.requestRateRps })));
    expect(trace.points).toHaveLength(25);
    expect(Math.abs(traceDurationMs(trace) - 24 * 30_000)).toBeLessThan(100); // 25 polls 30 s apart (the recorder drifts ~0.5 ms a poll)
    // Its own rates, rounded: the step's top is 146.69 rps → 147.
    const p = tracePattern(text, 'run_3.csv');
    expect(p.peakRps).toBe(147);
    expect(p.rate(0)).toBe(1); // 0.67 rps
  });

  it('the bundled example trace is what its README says: 10 minutes, 20 → 90 → 40 → 120 → 30 rps', () => {
    const p = tracePattern(readFileSync(resolve(FIXTURES, 'traces/flash-crowd.csv'), 'utf8'), 'flash-crowd.csv');
    expect(p.durationMs).toBe(600_000);
    expect([0, 200_000, 400_000, 540_000, 599_999].map((t) => Math.round(p.rate(t)))).toEqual([20, 90, 40, 120, 30]);
  });

  it.each([
    { what: 'own length', o: {} },
    { what: 'scaled and cut', o: { peakRps: 1234, durationMs: 123_457 } },
    { what: 'stretched', o: { durationMs: 3_600_000, peakRps: 7 } },
    { what: 'compressed to a fractional wall length', o: { timeScale: 7, durationMs: 85_714.28571428571 } },
  ])('$what: covers the run, whole rps, and the schedule offers its integral', ({ o }) => {
    const text = readFileSync(resolve(FIXTURES, 'sockshop-gke/runs/spike/run_1.csv'), 'utf8');
    const p = tracePattern(text, 'spike.csv', o);
    expect(p.segments.reduce((s, x) => s + x.durationMs, 0)).toBe(p.durationMs);
    for (const s of p.segments) expect(Number.isInteger(s.fromRps) && Number.isInteger(s.toRps) && s.durationMs >= 0).toBe(true);
    if ('peakRps' in o) expect(Math.max(...p.segments.map((s) => s.toRps))).toBe(o.peakRps);
    expect(new ArrivalSchedule(p).size).toBe(Math.ceil(p.expected(p.durationMs) - 1e-9));
  });
});

describe('trace patterns: bad traces name file and line', () => {
  it.each([
    { what: 'an empty file', text: '', error: /^t\.csv:1: file is empty/ },
    { what: 'a header only', text: 't_seconds,rps\n', error: /^t\.csv:1: a trace needs at least two points \(rows of t_seconds,rps\); this file has 0/ },
    { what: 'one point', text: 't_seconds,rps\n0,5\n', error: /^t\.csv:2: a trace needs at least two points .* has 1/ },
    { what: 'a missing column', text: 't_seconds,rate\n0,1\n1,2\n', error: /^t\.csv:1: missing required column 'rps'/ },
    { what: 'neither kind of header', text: 'time,rate\n0,1\n1,2\n', error: /^t\.csv:1: not a trace: the header must be t_seconds,rps .*header has: time, rate/ },
    { what: 'a non-numeric rate', text: 't_seconds,rps\n0,1\n10,fast\n', error: /^t\.csv:3: column 'rps': 'fast' is not a number/ },
    { what: 'a negative rate', text: 't_seconds,rps\n0,1\n10,-5\n', error: /^t\.csv:3: column 'rps': -5 is below 0/ },
    { what: 'an empty rate', text: 't_seconds,rps\n0,1\n10,\n', error: /^t\.csv:3: column 'rps': '' is not a number/ },
    { what: 'a non-numeric time', text: 't_seconds,rps\n0,1\nlater,5\n', error: /^t\.csv:3: column 't_seconds': 'later' is not a number/ },
    { what: 'unsorted times', text: 't_seconds,rps\n0,1\n60,5\n30,5\n', error: /^t\.csv:4: t_seconds 30 is not after 60 \(line 3\): times must strictly increase/ },
    { what: 'a repeated time', text: 't_seconds,rps\n0,1\n60,5\n\n60,9\n', error: /^t\.csv:5: t_seconds 60 is not after 60 \(line 3\)/ },
    { what: 'a row with too many cells', text: 't_seconds,rps\n0,1\n10,5,7\n', error: /^t\.csv:3: expected 2 cells as in the header, got 3/ },
    { what: 'CR-only line ends', text: 't_seconds,rps\r0,1\r10,5\r', error: /^t\.csv:1: a carriage return without a line feed/ },
    { what: 'an unterminated quote', text: 't_seconds,rps\n0,1\n"10,5\n', error: /^t\.csv:3: unterminated quoted field/ },
    { what: 'a recording without front-end rows', text: [HEADER, row('00:00', 'carts', 1), row('00:30', 'carts', 2)].join('\n'), error: /^t\.csv:1: no front-end rows: .*\(services in the file: carts\)/ },
    { what: 'a recording with one front-end rate', text: [HEADER, row('00:00', 'front-end', 3), row('00:30', 'front-end', ''), row('00:30', 'carts', 2)].join('\n'), error: /^t\.csv:2: a trace needs at least two points \(front-end rows with a request_rate_rps\); this file has 1/ },
    { what: 'a recording missing a column', text: HEADER.replace('p95_latency_ms,', '') + '\n', error: /^t\.csv:1: missing required column 'p95_latency_ms'/ },
    { what: 'a recording out of order', text: [HEADER, row('01:00', 'front-end', 3), row('01:30', 'front-end', 4), row('01:30', 'carts', 4), row('00:30', 'front-end', 5)].join('\n'), error: /^t\.csv:5: front-end row at 2026-04-08T20:00:30\+00:00 is not after the one at 2026-04-08T20:01:30\+00:00 \(line 3\)/ },
    { what: 'a recording with a repeated poll', text: [HEADER, row('01:00', 'front-end', 3), row('01:00', 'front-end', 4)].join('\n'), error: /^t\.csv:3: front-end row at .* is not after/ },
    { what: 'a recording with a negative front-end rate', text: [HEADER, row('01:00', 'front-end', 3), row('01:30', 'front-end', -4)].join('\n'), error: /^t\.csv:3: column 'request_rate_rps': -4 is below 0/ },
    { what: 'a malformed row of another service', text: [HEADER, row('01:00', 'front-end', 3), row('01:00', 'carts', 'many'), row('01:30', 'front-end', 4)].join('\n'), error: /^t\.csv:3: column 'request_rate_rps': 'many' is not a number/ },
  ])('$what', ({ text, error }) => {
    expect(() => tracePattern(text, 't.csv')).toThrow(error);
  });

  it.each([
    { what: 'no load at all', text: 't_seconds,rps\n0,0\n10,0\n', o: {}, error: /^t\.csv: every rate in the trace rounds to 0 whole rps/ },
    { what: 'no load at all, with a peak to scale to', text: 't_seconds,rps\n0,0\n10,0\n', o: { peakRps: 10 }, error: /^t\.csv: every rate in the trace is 0: there is no peak to scale/ },
    { what: 'rates below half an rps', text: 't_seconds,rps\n0,0.2\n10,0.4\n', o: {}, error: /rounds to 0 whole rps: scale it up/ },
    { what: 'a cut that keeps only silence', text: 't_seconds,rps\n0,0\n10,0\n20,50\n', o: { durationMs: 5_000, peakRps: 10 }, error: /every rate in the first 5 s is 0/ },
    { what: 'a zero duration', text: RATES, o: { durationMs: 0 }, error: /positive duration/ },
    { what: 'a zero peak', text: RATES, o: { peakRps: 0 }, error: /peak rate must be positive/ },
  ])('$what', ({ text, o, error }) => {
    expect(() => tracePattern(text, 't.csv', o)).toThrow(error);
  });

  it("loadPattern('trace') says a trace needs a file", () => {
    expect(() => loadPattern('trace', { durationMs: 1000, peakRps: 1 })).toThrow(/plays a file: build it with tracePattern/);
  });
});
