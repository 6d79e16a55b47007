/**
 * `experiment analyze --report` rendered by a real headless Chromium (Debian package `chromium`,
 * installed by scripts/test.sh when run as root): the charts must come out of the browser's own DOM,
 * and the screenshot must be a real page. Under CI=true a missing Chromium fails the test.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO, sockml } from '../../test-support.js';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);

function chromium(args: string[]) {
  const profile = mkdtempSync(join(tmpdir(), 'sockml-chromium-'));
  const r = spawnSync(
    CHROMIUM,
    ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', `--user-data-dir=${profile}`, ...args],
    { encoding: 'utf8', timeout: 90_000, maxBuffer: 64 << 20 },
  );
  if (r.error) throw r.error;
  return r;
}

const count = (html: string, re: RegExp) => (html.match(re) ?? []).length;

describe.runIf(available || process.env.CI === 'true')('experiment analyze --report in headless Chromium', () => {
  it('renders every chart and table (DOM) and a non-trivial screenshot', async () => {
    if (!available) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (scripts/test.sh does this as root)`);
    const dir = mkdtempSync(join(tmpdir(), 'sockml-report-'));
    const report = join(dir, 'report.html');
    const r = await sockml(['experiment', 'analyze', join(REPO, 'fixtures/seed-experiments'), '--report', report]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain(`report written to ${report}`);

    // Self-contained: no scripts, no links, no fetched resources (the SVG namespace is not a fetch).
    const html = readFileSync(report, 'utf8');
    expect(html).not.toMatch(/<script|<link|\bsrc=|\bhref=|url\(/i);
    expect(html.replace(/xmlns="http:\/\/www\.w3\.org\/2000\/svg"/g, '')).not.toMatch(/https?:/);

    const dom = chromium(['--dump-dom', `file://${report}`]);
    expect(dom.status, dom.stderr).toBe(0);
    const d = dom.stdout;
    // Four overview charts, then per pattern (4) and condition (2) a replicas chart and a violations strip.
    expect(count(d, /<svg class="chart"/g)).toBe(4 + 4 * 2 * 2);
    expect(count(d, /<figure class="panel"/g)).toBe(8);
    expect(count(d, /<svg class="chart" data-chart="violations-[a-z]+-(proactive|reactive)" data-kind="strip"/g)).toBe(8);
    // The seed's step runs: 20 intervals; 7 services plus the all-services row.
    const stepStrip = d.slice(d.indexOf('data-chart="violations-step-proactive"'), d.indexOf('</svg>', d.indexOf('data-chart="violations-step-proactive"')));
    expect(count(stepStrip, /<rect class="cell"/g)).toBe(8 * 20);
    expect(count(stepStrip, /<rect class="cell" data-row="front-end"/g)).toBe(20);
    const stepReplicas = d.slice(d.indexOf('data-chart="replicas-step-reactive"'), d.indexOf('</svg>', d.indexOf('data-chart="replicas-step-reactive"')));
    expect(count(stepReplicas, /<path class="series"/g)).toBe(7);
    expect(stepReplicas).toMatch(/<path class="series" data-series="front-end" d="M[^"]+" fill="none" stroke="#000000" stroke-width="3"/);
    // Two conditions per line chart, 20 intervals each; 7 services × 2 and 4 patterns × 2 bars.
    const chart = (id: string) => d.slice(d.indexOf(`data-chart="${id}"`), d.indexOf('</svg>', d.indexOf(`data-chart="${id}"`)));
    for (const id of ['violation-timeline', 'replica-timeline']) {
      expect(count(chart(id), /<path class="series"/g)).toBe(2);
      expect(count(chart(id), /<circle class="point"/g)).toBe(40);
      expect(chart(id)).toMatch(/<path class="series" data-series="proactive" d="M[\d.]+,[\d.]+(L[\d.]+,[\d.]+){19}"/);
    }
    expect(count(chart('service-violations'), /<rect class="bar"/g)).toBe(14);
    expect(count(chart('pattern-violations'), /<rect class="bar"/g)).toBe(8);
    expect(count(d, /<table data-table=/g)).toBe(4);
    expect(d).toContain('How to read this');
    expect(d).toMatch(/cells vs runs/);

    const png = join(dir, 'report.png');
    const shot = chromium([`--screenshot=${png}`, '--window-size=1200,2000', '--hide-scrollbars', `file://${report}`]);
    expect(shot.status, shot.stderr).toBe(0);
    expect(existsSync(png)).toBe(true);
    const bytes = readFileSync(png);
    expect(bytes.subarray(1, 4).toString()).toBe('PNG');
    expect([bytes.readUInt32BE(16), bytes.readUInt32BE(20)]).toEqual([1200, 2000]); // IHDR width, height
    // A blank 1200×2000 page compresses to a few KB; charts, text and tables make it far larger.
    expect(statSync(png).size).toBeGreaterThan(60_000);
    if (process.env.SOCKML_KEEP_REPORT) console.log(`report: ${report}, screenshot: ${png}`);
  });

  it('draws static as a third series, bar group and table when there are static runs', async () => {
    if (!available) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (scripts/test.sh does this as root)`);
    // Two step runs per condition: the seed's proactive and reactive runs 1 and 2, and the reactive ones
    // relabelled static (what matters here is what is drawn, not the numbers).
    const dir = mkdtempSync(join(tmpdir(), 'sockml-report-static-'));
    const seed = join(REPO, 'fixtures/seed-experiments');
    for (const run of ['01', '02']) {
      for (const c of ['proactive', 'reactive']) copyFileSync(join(seed, `${c}_step_run${run}.jsonl`), join(dir, `${c}_step_run${run}.jsonl`));
      const text = readFileSync(join(seed, `reactive_step_run${run}.jsonl`), 'utf8').replaceAll('"condition": "reactive"', '"condition": "static"');
      writeFileSync(join(dir, `static_step_run${run}.jsonl`), text);
    }
    const report = join(dir, 'report.html');
    const r = await sockml(['experiment', 'analyze', dir, '--report', report, '--resamples', '200']);
    expect(r.code, r.stderr).toBe(0);

    const dom = chromium(['--dump-dom', `file://${report}`]);
    expect(dom.status, dom.stderr).toBe(0);
    const d = dom.stdout;
    const chart = (id: string) => d.slice(d.indexOf(`data-chart="${id}"`), d.indexOf('</svg>', d.indexOf(`data-chart="${id}"`)));
    for (const id of ['violation-timeline', 'replica-timeline']) {
      expect(count(chart(id), /<path class="series"/g)).toBe(3);
      expect(count(chart(id), /<circle class="point" data-series="static"/g)).toBe(20);
    }
    // 7 services × 3 conditions; one pattern × 3.
    expect(count(chart('service-violations'), /<rect class="bar"/g)).toBe(21);
    expect(count(chart('service-violations'), /<rect class="bar"[^>]*data-series="static"/g)).toBe(7);
    expect(count(chart('pattern-violations'), /<rect class="bar"/g)).toBe(3);
    expect(count(d, /<table data-table=/g)).toBe(5);
    expect([...d.matchAll(/<figure class="panel" data-pattern="([a-z]+)" data-condition="([a-z]+)"/g)].map((m) => `${m[1]} ${m[2]}`)).toEqual(['step proactive', 'step reactive', 'step static']);
    const staticTable = d.slice(d.indexOf('data-table="static-comparisons"'), d.indexOf('</table>', d.indexOf('data-table="static-comparisons"')));
    expect(count(staticTable, /<td>proactive-vs-static<\/td>/g)).toBe(2); // all patterns and step
    expect(count(staticTable, /<td>reactive-vs-static<\/td>/g)).toBe(2);
  });
});
