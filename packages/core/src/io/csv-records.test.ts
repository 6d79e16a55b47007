import { describe, expect, it } from 'vitest';
import { csvRecords } from './csv-records.js';

describe('csvRecords', () => {
  it.each([
    { what: 'LF', text: 'a,b\n1,2\n3,4\n', want: [[['a', 'b'], 1], [['1', '2'], 2], [['3', '4'], 3]] },
    { what: 'CRLF, a BOM, no final line end', text: '\ufeffa,b\r\n1,2\r\n3,4', want: [[['a', 'b'], 1], [['1', '2'], 2], [['3', '4'], 3]] },
    { what: 'blank lines carry nothing but count', text: 'a,b\n\n1,2\r\n\r\n3,4\n\n', want: [[['a', 'b'], 1], [['1', '2'], 3], [['3', '4'], 5]] },
    { what: 'a quoted record spanning lines is named by its first line', text: 'a,b\n"x\ny",2\n3,4\n', want: [[['a', 'b'], 1], [['x\ny', '2'], 2], [['3', '4'], 4]] },
    { what: 'quoted commas', text: 'a,b\n"1,5",2\n', want: [[['a', 'b'], 1], [['1,5', '2'], 2]] },
    { what: 'nothing', text: '', want: [] },
  ])('$what', ({ text, want }) => {
    expect(csvRecords(text, 'f.csv').map((r) => [r.cells, r.line])).toEqual(want);
  });

  it.each([
    { what: 'CR-only line ends', text: 'a,b\r1,2\r', error: /^f\.csv:1: a carriage return without a line feed/ },
    { what: 'a stray CR further down', text: 'a,b\n1,2\n3\r,4\n', error: /^f\.csv:3: a carriage return without a line feed/ },
    { what: 'an unterminated quote', text: 'a,b\n1,2\n"3,4\n', error: /^f\.csv:3: unterminated quoted field at end of file/ },
  ])('refuses $what, naming the line', ({ text, error }) => {
    expect(() => csvRecords(text, 'f.csv')).toThrow(error);
  });
});
