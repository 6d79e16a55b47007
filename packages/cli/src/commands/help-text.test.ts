import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * --help as oclif renders it: flag descriptions are wrapped to the help width by oclif, so a newline
 * left inside one breaks the text mid-sentence; an example's command is printed after one `$`, so a
 * newline in it reads as one command when pasted; and the long description keeps its own line breaks but
 * wraps a line wider than the help (maxWidth less the 2-space indent), leaving a word or two on a line of
 * their own.
 */
const COMMANDS = __dirname;
const { oclif } = JSON.parse(readFileSync(join(COMMANDS, '../../package.json'), 'utf8'));
const DESCRIPTION_WIDTH = oclif.helpOptions.maxWidth - 2;

const files = readdirSync(COMMANDS, { recursive: true, encoding: 'utf8' })
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))
  .sort();

interface Described {
  description?: string;
  summary?: string;
}
interface CommandClass extends Described {
  flags?: Record<string, Described>;
  args?: Record<string, Described>;
  examples?: (string | { description: string; command: string })[];
}

describe('--help text of every command', () => {
  it('finds the commands', () => {
    expect(files).toEqual(expect.arrayContaining(['lab.ts', 'sim.ts', 'scale.ts', 'serve-model.ts', 'collect.ts', 'experiment/analyze.ts']));
  });

  it.each(files)('%s: flag and argument descriptions are one line, examples one command each, description lines fit', async (file) => {
    const command = (await import(join(COMMANDS, file))).default as CommandClass;
    const problems: string[] = [];
    for (const [kind, entries] of [['flag', command.flags], ['argument', command.args]] as const) {
      for (const [name, entry] of Object.entries(entries ?? {})) {
        for (const key of ['description', 'summary'] as const) {
          if (entry[key]?.includes('\n')) problems.push(`${kind} ${name}: ${key} has a line break: ${JSON.stringify(entry[key])}`);
        }
      }
    }
    for (const example of command.examples ?? []) {
      const text = typeof example === 'string' ? example : example.command;
      if (text.includes('\n')) problems.push(`example has a line break: ${JSON.stringify(text)}`);
    }
    const lines = (command.description ?? '').replaceAll('<%= config.bin %>', oclif.bin).split('\n');
    lines.forEach((line, i) => {
      // oclif drops a line's leading blanks, so only the text counts.
      if (line.trim().length > DESCRIPTION_WIDTH) problems.push(`description line ${i + 1} is ${line.trim().length} > ${DESCRIPTION_WIDTH} characters: ${line.trim()}`);
    });
    expect(problems).toEqual([]);
  });
});
