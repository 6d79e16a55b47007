/**
 * Recovers a metrics CSV whose `collect` did not finish (killed, crashed, power lost): the CSV holds the
 * labelled rows, `<out>.pending` the rows still waiting for their label (csv-sample-sink.ts).
 *
 * Two crash windows make a blind concatenation wrong, and this is why recovery is a step of its own:
 *  - between appending a poll's newly labelled rows to the CSV and rewriting the journal, the same rows
 *    are in both files (labelled in the CSV, unlabelled in the journal): keep the CSV's, drop the copy;
 *  - in the middle of an append, the CSV can end in a torn line: it is cut off (its row is still in the
 *    journal, which is replaced atomically and so is never torn).
 * The journal's rows are appended unlabelled, in time order, as `collect` does when it stops normally;
 * their label needs polls that were never collected. Each journal line is checked by the CSV reader's
 * own rules first: a line `replay` would refuse (a torn write, a disk error, a hand edit) is dropped and
 * counted, never appended to a file that would then fail to read.
 */
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, rmSync, truncateSync, writeSync } from 'node:fs';
import { metricsCsvHeader, metricsCsvLayout, parseMetricsCsvLine, SchemaError } from '@sockml/core';

export interface RecoveryResult {
  /** Rows the CSV already held. */
  kept: number;
  /** Journal rows appended (unlabelled). */
  appended: number;
  /** Journal rows that were already in the CSV (the first crash window). */
  duplicates: number;
  /** Bytes of a torn last line cut from the CSV (0 if none). */
  tornBytes: number;
  /** Journal lines the CSV reader would refuse (torn, malformed): dropped, not appended. */
  invalid: number;
  /** The first few of them, `file:line: reason`. */
  invalidExamples: string[];
}

export class RecoveryError extends Error {}

/** The journal beside a CSV. */
export const journalPath = (csv: string) => `${csv}.pending`;

/** The pid of the collect writing a CSV, beside it while it runs. */
export const lockPath = (csv: string) => `${csv}.lock`;

/** The pid in a CSV's lock when that process still runs, else null (no lock, or a crashed writer's). */
export function liveWriter(csv: string): number | null {
  let pid: number;
  try {
    pid = Number(readFileSync(lockPath(csv), 'utf8').trim());
  } catch {
    return null;
  }
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? pid : null;
  }
}

/** (timestamp, service): one row per service per poll. */
const keyOf = (line: string) => {
  const [timestamp, service] = line.split(',', 2);
  return `${timestamp}|${service}`;
};

export function recoverCollectedCsv(csv: string): RecoveryResult {
  const journal = journalPath(csv);
  if (!existsSync(journal)) throw new RecoveryError(`${journal} does not exist: ${csv} has nothing to recover (collect finished, or ran without --slo)`);
  if (!existsSync(csv)) throw new RecoveryError(`${csv} does not exist, but its journal ${journal} does: recover from a copy of both files`);
  const writer = liveWriter(csv);
  if (writer !== null) throw new RecoveryError(`${csv} is still being written by collect (pid ${writer}): stop it first; it appends its journal itself when it stops`);

  const header = metricsCsvHeader();
  let text = readFileSync(csv, 'utf8');
  let tornBytes = 0;
  if (text.length > 0 && !text.endsWith('\n')) {
    const keep = text.lastIndexOf('\n') + 1;
    tornBytes = Buffer.byteLength(text.slice(keep));
    text = text.slice(0, keep);
  }
  const rows = text.split('\n').filter((l) => l !== '');
  if (rows.length > 0 && rows[0] !== header) throw new RecoveryError(`${csv}:1: not a collect CSV (header differs from collect's)`);
  const journalLines = readFileSync(journal, 'utf8').split('\n');
  if (journalLines[0] !== header) throw new RecoveryError(`${journal}:1: not a collect journal (header differs from collect's)`);
  const layout = metricsCsvLayout(header.split(','));
  const width = header.split(',').length;
  const valid: string[] = [];
  const invalidExamples: string[] = [];
  let invalid = 0;
  for (let i = 1; i < journalLines.length; i++) {
    const line = journalLines[i];
    if (line === '') continue;
    try {
      parseMetricsCsvLine(line, layout, width, `${journal}:${i + 1}`);
      valid.push(line);
    } catch (e) {
      if (!(e instanceof SchemaError)) throw e;
      invalid++;
      if (invalidExamples.length < 5) invalidExamples.push(e.message);
    }
  }

  const present = new Set(rows.slice(1).map(keyOf));
  const missing = valid.filter((l) => !present.has(keyOf(l)));
  // Time order, then the journal's order (services within a poll).
  const ordered = missing.map((l, i) => ({ l, i, t: Date.parse(l.slice(0, l.indexOf(','))) })).sort((a, b) => a.t - b.t || a.i - b.i);

  if (tornBytes > 0) truncateSync(csv, Buffer.byteLength(text));
  const fd = openSync(csv, 'a');
  try {
    const head = rows.length === 0 ? header + '\n' : '';
    const body = ordered.map((o) => o.l + '\n').join('');
    if (head + body !== '') writeSync(fd, head + body);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  rmSync(journal, { force: true });
  rmSync(`${journal}.tmp`, { force: true });
  rmSync(lockPath(csv), { force: true });
  return { kept: Math.max(0, rows.length - 1), appended: ordered.length, duplicates: valid.length - missing.length, tornBytes, invalid, invalidExamples };
}
