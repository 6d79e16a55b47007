import { parse as parseCsvSync } from 'csv-parse/sync';
import { SchemaError } from '../schema.js';

/** One CSV record and the line it starts on (1-based), for `file:line` errors. */
export interface CsvRecord {
  cells: string[];
  line: number;
}

/**
 * Splits a whole CSV text into records by the metrics reader's rules (`readMetricsCsv`): a leading BOM is
 * dropped, lines end in LF or CRLF, a blank line carries nothing, and a record with a quote goes through
 * csv-parse (RFC 4180 quoting; it may span lines and is named by its first line). For small files read
 * whole, such as load traces, whose checks after parsing (are the times in order?) must still name a line,
 * which the streaming reader does not keep per sample.
 *
 * A CR that is not followed by LF is refused, naming its line: a CR-only file (classic Mac OS line ends)
 * would otherwise read as one long line, i.e. as a header and nothing else.
 */
export function csvRecords(text: string, name: string): CsvRecord[] {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const loneCr = /\r(?!\n)/.exec(body);
  if (loneCr) {
    const line = countOf(body.slice(0, loneCr.index), '\n') + 1;
    throw new SchemaError('a carriage return without a line feed: line ends must be LF or CRLF (a file with CR-only line ends reads as one line)', `${name}:${line}`);
  }
  const records: CsvRecord[] = [];
  let pending = '';
  let pendingLine = 0;
  const lines = body.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i].endsWith('\r') ? lines[i].slice(0, -1) : lines[i];
    if (pending === '' && !l.includes('"')) {
      if (l !== '') records.push({ cells: l.split(','), line: i + 1 });
      continue;
    }
    if (pending === '') pendingLine = i + 1;
    pending = pending === '' ? l : `${pending}\n${l}`;
    if (countOf(pending, '"') % 2 !== 0) continue; // a quoted field still open: the record goes on
    let parsed: string[][];
    try {
      parsed = parseCsvSync(pending, { relax_column_count: true }) as string[][];
    } catch (e) {
      throw new SchemaError(`unreadable CSV record (${(e as Error).message})`, `${name}:${pendingLine}`);
    }
    for (const cells of parsed) records.push({ cells, line: pendingLine });
    pending = '';
  }
  if (pending !== '') throw new SchemaError('unterminated quoted field at end of file', `${name}:${pendingLine}`);
  return records;
}

function countOf(s: string, ch: string): number {
  let n = 0;
  for (let i = s.indexOf(ch); i >= 0; i = s.indexOf(ch, i + 1)) n++;
  return n;
}
