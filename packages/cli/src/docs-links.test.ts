import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './test-support.js';

/*
 * Every `file.md#anchor` and `#anchor` link of README.md and docs/*.md names a heading of its target, as
 * GitHub makes them: the heading's text without inline markup, lower-cased, every character but letters,
 * digits, `_`, `-` and spaces left out, spaces made `-`; a repeated heading gets `-1`, `-2`, … A bold
 * paragraph is not a heading and has no anchor.
 */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  let fence = false;
  for (const line of markdown.split('\n')) {
    if (/^\s*(```|~~~)/.test(line)) {
      fence = !fence;
      continue;
    }
    const m = fence ? null : /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (!m) continue;
    const text = m[1]
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/`/g, '')
      .replace(/\*/g, '');
    const slug = text.toLowerCase().replace(/[^\p{L}\p{M}\p{N}_\- ]/gu, '').replace(/ /g, '-');
    const n = seen.get(slug) ?? 0;
    seen.set(slug, n + 1);
    anchors.add(n === 0 ? slug : `${slug}-${n}`);
  }
  for (const m of markdown.matchAll(/<a\s+(?:name|id)="([^"]+)"/g)) anchors.add(m[1]);
  return anchors;
}

const docs = [join(REPO, 'README.md'), ...readdirSync(join(REPO, 'docs')).filter((f) => f.endsWith('.md')).map((f) => join(REPO, 'docs', f))];

describe('Markdown anchor links', () => {
  it('headingAnchors makes the anchors GitHub makes', () => {
    const md = ['# Experiments: proactive vs reactive', '### sockml over the HPA: the HPA as the floor (`--hpa-floor`, 2026-12-05)', '## Notes', '## Notes', '```', '# not a heading', '```', '**Callee attribution** (2026-12-06)'].join('\n');
    expect([...headingAnchors(md)]).toEqual(['experiments-proactive-vs-reactive', 'sockml-over-the-hpa-the-hpa-as-the-floor---hpa-floor-2026-12-05', 'notes', 'notes-1']);
  });

  it.each(docs.map((f) => relative(REPO, f)))('%s: every #anchor link names a heading of its target', (file) => {
    const text = readFileSync(join(REPO, file), 'utf8');
    const problems: string[] = [];
    for (const m of text.matchAll(/\]\(([^)\s#]*)#([^)\s]+)\)/g)) {
      const [, target, anchor] = m;
      if (/^[a-z]+:/.test(target)) continue; // another site
      const path = target === '' ? join(REPO, file) : resolve(dirname(join(REPO, file)), target);
      if (!existsSync(path)) problems.push(`${target}#${anchor}: no such file`);
      else if (path.endsWith('.md') && !headingAnchors(readFileSync(path, 'utf8')).has(anchor)) problems.push(`${target}#${anchor}: no such heading in ${relative(REPO, path)}`);
    }
    expect(problems).toEqual([]);
  });
});
