import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { pollOf, sampleAt } from '../testing/collected-polls.js';
import { CsvSampleSink } from './csv-sample-sink.js';
import { recoverCollectedCsv, RecoveryError } from './journal-recovery.js';

const poll = (slot: number, p95s: Record<string, number>) => pollOf(slot, Object.entries(p95s).map(([s, p]) => sampleAt(slot, s, p)));
/** [time, service, label] of each data row. */
const rows = (file: string) =>
  readFileSync(file, 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','))
    .map((c) => [c[0].slice(11, 19), c[1], c[12]]);

/** A sink with lookahead 1 that "crashes" (is never closed) after the given polls. */
async function crashedAfter(polls: Record<string, number>[]) {
  const out = join(mkdtempSync(join(tmpdir(), 'sockml-recover-')), 'm.csv');
  const sink = new CsvSampleSink(out, { label: { metric: 'p95_latency_ms', sloMs: 35, lookahead: 1 } });
  for (const [i, p] of polls.entries()) await sink.write(poll(i, p));
  writeFileSync(`${out}.lock`, '999999999\n'); // the writer "died": its pid no longer runs
  return { out, sink };
}

describe('recoverCollectedCsv', () => {
  it('killed after a poll was journalled: the labelled rows stay, the waiting ones are appended unlabelled', async () => {
    const { out } = await crashedAfter([{ a: 10, b: 10 }, { a: 90, b: 10 }]);
    expect(recoverCollectedCsv(out)).toEqual({ kept: 2, appended: 2, duplicates: 0, tornBytes: 0, invalid: 0, invalidExamples: [] });
    expect(rows(out)).toEqual([
      ['22:40:00', 'a', '1'],
      ['22:40:00', 'b', '0'],
      ['22:40:30', 'a', ''],
      ['22:40:30', 'b', ''],
    ]);
    expect(existsSync(`${out}.pending`)).toBe(false);
  });

  it('killed between the append and the journal rewrite: the rows in both files are kept once, labelled', async () => {
    // The journal as it was after poll 0 ...
    const { out } = await crashedAfter([{ a: 10, b: 10 }]);
    // ... beside the CSV after poll 1 labelled poll 0's rows into it: the rewrite never happened.
    const { out: out2 } = await crashedAfter([{ a: 10, b: 10 }, { a: 10, b: 90 }]);
    copyFileSync(`${out}.pending`, `${out2}.pending`);
    expect(recoverCollectedCsv(out2)).toEqual({ kept: 2, appended: 0, duplicates: 2, tornBytes: 0, invalid: 0, invalidExamples: [] });
    expect(rows(out2)).toEqual([
      ['22:40:00', 'a', '0'],
      ['22:40:00', 'b', '1'],
    ]);
  });

  it('cuts a torn last line; its row comes back from the journal', async () => {
    const { out } = await crashedAfter([{ a: 10 }, { a: 10 }]);
    const journalled = readFileSync(`${out}.pending`, 'utf8').trim().split('\n')[1];
    appendFileSync(out, journalled.slice(0, 30)); // half of poll 1's row, no newline
    expect(recoverCollectedCsv(out)).toEqual({ kept: 1, appended: 1, duplicates: 0, tornBytes: 30, invalid: 0, invalidExamples: [] });
    expect(rows(out)).toEqual([
      ['22:40:00', 'a', '0'],
      ['22:40:30', 'a', ''],
    ]);
  });

  it('drops and counts journal lines the CSV reader would refuse (torn, malformed), naming file and line', async () => {
    const { out } = await crashedAfter([{ a: 10, b: 10 }, { a: 90, b: 10 }]);
    const [header, a1, b1] = readFileSync(`${out}.pending`, 'utf8').trim().split('\n');
    const torn = b1.slice(0, 25);
    const malformed = a1.replace(',a,', ',c,').replace(',10,', ',ten,'); // request_rate_rps
    writeFileSync(`${out}.pending`, [header, a1, torn, malformed, b1].join('\n') + '\n');
    const r = recoverCollectedCsv(out);
    expect(r).toMatchObject({ kept: 2, appended: 2, duplicates: 0, invalid: 2 });
    expect(r.invalidExamples).toEqual([
      expect.stringMatching(/m\.csv\.pending:3: expected 13 cells as in the header, got \d+$/),
      expect.stringMatching(/m\.csv\.pending:4: column 'request_rate_rps': 'ten' is not a number/),
    ]);
    expect(rows(out)).toEqual([
      ['22:40:00', 'a', '1'],
      ['22:40:00', 'b', '0'],
      ['22:40:30', 'a', ''],
      ['22:40:30', 'b', ''],
    ]);
  });

  it('refuses when there is nothing to recover or the files are not collect files', async () => {
    const { out, sink } = await crashedAfter([{ a: 10 }]);
    await sink.close();
    expect(() => recoverCollectedCsv(out)).toThrow(RecoveryError);
    expect(() => recoverCollectedCsv(out)).toThrow(/nothing to recover/);
    const { out: other } = await crashedAfter([{ a: 10 }]);
    appendFileSync(`${other}.pending`, '');
    const bad = join(mkdtempSync(join(tmpdir(), 'sockml-recover-')), 'x.csv');
    appendFileSync(bad, 'time,svc\n');
    copyFileSync(`${other}.pending`, `${bad}.pending`);
    expect(() => recoverCollectedCsv(bad)).toThrow(/x\.csv:1: not a collect CSV/);
  });

  it('refuses while the collect that writes the file is alive; a dead writer’s lock is no obstacle', async () => {
    const { out } = await crashedAfter([{ a: 10 }, { a: 10 }]);
    writeFileSync(`${out}.lock`, `${process.pid}\n`); // this test process as the collect still writing it
    expect(() => recoverCollectedCsv(out)).toThrow(new RegExp(`still being written by collect \\(pid ${process.pid}\\)`));
    expect(existsSync(`${out}.pending`)).toBe(true); // nothing touched
    writeFileSync(`${out}.lock`, '999999999\n'); // no such process: the writer crashed
    expect(recoverCollectedCsv(out).appended).toBe(1);
    expect(existsSync(`${out}.lock`)).toBe(false);
  });
});
