import { describe, expect, it } from 'vitest';
import { barChart, escapeHtml, lineChart, niceScale, shade, stripChart } from './svg-charts.js';

describe('niceScale', () => {
  it.each([
    [38, { top: 40, step: 10 }], // rough step 7.6 → 10
    [22.4, { top: 25, step: 5 }], // 4.48 → 5
    [0.9, { top: 1, step: 0.2 }], // 0.18 → 0.2
    [100, { top: 100, step: 20 }],
    [0, { top: 1, step: 0.2 }], // nothing to show still gives an axis
  ])('max %d → %j', (max, want) => {
    const s = niceScale(max);
    expect(s.step).toBeCloseTo(want.step, 12);
    expect(s.top).toBeCloseTo(want.top, 12);
  });
});

describe('charts', () => {
  it('a missing value is a gap in the line (a new M segment), not a point at 0', () => {
    const svg = lineChart({ id: 't', title: 'T', xLabel: 'x', yLabel: 'y', series: [{ name: 'a', color: '#000', points: [[0, 1], [1, null], [2, 3], [3, 2]] }] });
    const d = /<path class="series" data-series="a" d="([^"]+)"/.exec(svg)![1];
    expect(d.match(/[ML]/g)).toEqual(['M', 'M', 'L']);
    expect((svg.match(/<circle class="point"/g) ?? []).length).toBe(3);
  });

  it('draws one bar per value, none for a missing one, and escapes names', () => {
    const svg = barChart({ id: 'b', title: 'B', xLabel: 'x', yLabel: 'y', categories: ['a<b', 'c'], groups: [{ name: 'g', color: '#000', values: [1, null] }, { name: 'h', color: '#111', values: [0, 2] }] });
    expect((svg.match(/<rect class="bar"/g) ?? []).length).toBe(3);
    expect(svg).toContain('data-category="a&lt;b"');
    expect(svg).not.toContain('a<b');
    expect(escapeHtml(`<&>"'`)).toBe('&lt;&amp;&gt;&quot;&#39;');
  });
});

describe('panel charts', () => {
  it('line styles: width and dash per series, and no points when dots are off', () => {
    const svg = lineChart({
      id: 'p',
      title: 'P',
      xLabel: 'x',
      yLabel: 'y',
      series: [
        { name: 'a', color: '#000000', width: 3, dots: false, points: [[0, 1], [1, 2]] },
        { name: 'b', color: '#111111', dash: '5 3', points: [[0, 1], [1, 2]] },
      ],
    });
    expect(svg).toMatch(/<path class="series" data-series="a" d="[^"]+" fill="none" stroke="#000000" stroke-width="3"\/>/);
    expect(svg).toMatch(/<path class="series" data-series="b" d="[^"]+" fill="none" stroke="#111111" stroke-width="2.5" stroke-dasharray="5 3"\/>/);
    expect((svg.match(/<circle class="point" data-series="a"/g) ?? []).length).toBe(0);
    expect((svg.match(/<circle class="point" data-series="b"/g) ?? []).length).toBe(2);
  });

  it('a legend that does not fit wraps onto more rows and pushes the plot down', () => {
    const series = (n: number) => Array.from({ length: n }, (_, i) => ({ name: `s${i}`, color: '#000000', points: [[0, 1]] as [number, number | null][] }));
    const axisTop = (svg: string) => Number(/<line x1="\d+" x2="\d+" y1="([\d.]+)" y2="[\d.]+" stroke="#888"\/>/.exec(svg)![1]);
    const legendYs = (svg: string) => [...svg.matchAll(/<g transform="translate\([\d.]+,([\d.]+)\)">/g)].map((m) => Number(m[1]));
    const size = { width: 380, height: 300, left: 48, legendItem: 95 }; // 3 entries a row
    const one = lineChart({ id: 'a', title: 'A', xLabel: 'x', yLabel: 'y', size, series: series(3) });
    const three = lineChart({ id: 'b', title: 'B', xLabel: 'x', yLabel: 'y', size, series: series(7) });
    expect(new Set(legendYs(one)).size).toBe(1);
    expect([...new Set(legendYs(three))]).toEqual([36, 52, 68]);
    expect(axisTop(three) - axisTop(one)).toBe(32);
  });

  it('shade mixes a colour with white', () => {
    expect([shade('#D55E00', 0), shade('#D55E00', 1), shade('#000000', 0.5), shade('#D55E00', 7)]).toEqual(['#ffffff', '#d55e00', '#808080', '#d55e00']);
    expect(() => shade('red', 1)).toThrow(/not a #rrggbb/);
  });

  it('a strip: one cell per (row, x), its value stamped, no data grey (not white), names escaped', () => {
    const svg = stripChart({
      id: 's',
      title: 'S',
      xLabel: 'x',
      xs: [0, 1, 2],
      rows: [
        { name: 'all', values: [0, 0.5, 1], bold: true, gapAfter: true },
        { name: 'a<b', values: [null, 0.25, 0] },
      ],
      color: '#D55E00',
      valueLabel: (v) => `${Math.round(v * 100)} %`,
    });
    expect(svg).toMatch(/data-kind="strip"/);
    const cells = [...svg.matchAll(/<rect class="cell" data-row="([^"]+)" data-x="(\d+)" data-value="([^"]*)"[^>]* fill="(#[0-9a-f]+)"/g)].map((m) => m.slice(1));
    expect(cells).toEqual([
      ['all', '0', '0', '#ffffff'],
      ['all', '1', '0.5', shade('#D55E00', 0.5)],
      ['all', '2', '1', '#d55e00'],
      ['a&lt;b', '0', '', '#d9d9d9'],
      ['a&lt;b', '1', '0.25', shade('#D55E00', 0.25)],
      ['a&lt;b', '2', '0', '#ffffff'],
    ]);
    expect(svg).toContain('<title>a&lt;b @ 0: no data</title>');
    expect(svg).not.toContain('a<b');
    // The scale's zero is outlined in the legend, or it would not show on white.
    expect(svg).toMatch(/<rect width="12" height="12" y="-10" fill="#ffffff" stroke="#999"\/><text x="16" font-size="12">0 %<\/text>/);
    // A gap sets the first row apart: the second row starts a row height plus 6 below it.
    const ys = [...svg.matchAll(/<rect class="cell" data-row="[^"]+" data-x="0"[^>]* y="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(ys[1] - ys[0]).toBeCloseTo(22 + 6, 1);
  });
});
