import { describe, expect, it } from 'vitest';
import { barChart, escapeHtml, lineChart, niceScale } from './svg-charts.js';

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
