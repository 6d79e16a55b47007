/**
 * Hand-written inline SVG charts for the self-contained HTML report: no chart library, no external
 * resource, so the report opens anywhere (also offline, also from a mail attachment). Every drawn
 * element carries a class and data-* attributes so tests can check what was drawn from the DOM.
 */

export const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

export interface Series {
  name: string;
  color: string;
  /** [x, y]; a null y is a gap in the line, not a zero. */
  points: [number, number | null][];
}

/** A step (1, 2 or 5 × 10^k) that gives about `count` ticks up to max, and the axis top it implies. */
export function niceScale(max: number, count = 5): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 0.2 };
  const rough = max / count;
  const mag = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= rough)!;
  return { top: Math.ceil(max / step - 1e-9) * step, step };
}

const W = 560;
const H = 300;
const M = { top: 52, right: 16, bottom: 48, left: 56 };
const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : String(+v.toFixed(2)));

function frame(kind: string, id: string, title: string, yLabel: string, xLabel: string, top: number, step: number, body: string[], legend: { name: string; color: string }[]): string {
  const ih = H - M.top - M.bottom;
  const y = (v: number) => M.top + ih - (v / top) * ih;
  const grid: string[] = [];
  for (let v = 0; v <= top + 1e-9; v += step) {
    grid.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e3e3e3"/>`);
    grid.push(`<text x="${M.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#555">${fmt(v)}</text>`);
  }
  const items = legend
    .map((l, i) => `<g transform="translate(${M.left + 8 + i * 120},${M.top - 16})"><rect width="12" height="12" y="-10" fill="${l.color}"/><text x="16" font-size="12">${escapeHtml(l.name)}</text></g>`)
    .join('');
  return [
    `<svg class="chart" data-chart="${escapeHtml(id)}" data-kind="${kind}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${escapeHtml(title)}">`,
    `<title>${escapeHtml(title)}</title>`,
    `<text x="${M.left}" y="18" font-size="14" font-weight="bold">${escapeHtml(title)}</text>`,
    ...grid,
    `<line x1="${M.left}" x2="${M.left}" y1="${M.top}" y2="${M.top + ih}" stroke="#888"/>`,
    `<line x1="${M.left}" x2="${W - M.right}" y1="${M.top + ih}" y2="${M.top + ih}" stroke="#888"/>`,
    `<text transform="translate(14,${M.top + ih / 2}) rotate(-90)" text-anchor="middle" font-size="12" fill="#333">${escapeHtml(yLabel)}</text>`,
    `<text x="${M.left + (W - M.left - M.right) / 2}" y="${H - 6}" text-anchor="middle" font-size="12" fill="#333">${escapeHtml(xLabel)}</text>`,
    items,
    ...body,
    '</svg>',
  ].join('\n');
}

/** A line chart over numeric x; one <path class="series"> per series, one <circle class="point"> per value. */
export function lineChart(o: { id: string; title: string; xLabel: string; yLabel: string; series: Series[]; yMin0?: boolean }): string {
  const xs = o.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = o.series.flatMap((s) => s.points.map((p) => p[1]).filter((v): v is number => v !== null));
  const xMin = Math.min(...xs, 0);
  const xMax = Math.max(...xs, 1);
  const { top, step } = niceScale(Math.max(...ys, 0));
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  const x = (v: number) => M.left + ((v - xMin) / (xMax - xMin || 1)) * iw;
  const y = (v: number) => M.top + ih - (v / top) * ih;
  const body: string[] = [];
  const xStep = Math.max(1, Math.ceil((xMax - xMin) / 10));
  for (let v = Math.ceil(xMin); v <= xMax; v += xStep) {
    body.push(`<text x="${x(v).toFixed(1)}" y="${M.top + ih + 16}" text-anchor="middle" font-size="11" fill="#555">${v}</text>`);
  }
  for (const s of o.series) {
    let d = '';
    let pen = false;
    for (const [px, py] of s.points) {
      if (py === null) {
        pen = false; // a gap: the next value starts a new segment
        continue;
      }
      d += `${pen ? 'L' : 'M'}${x(px).toFixed(1)},${y(py).toFixed(1)}`;
      pen = true;
    }
    body.push(`<path class="series" data-series="${escapeHtml(s.name)}" d="${d}" fill="none" stroke="${s.color}" stroke-width="2.5"/>`);
    for (const [px, py] of s.points) {
      if (py !== null) body.push(`<circle class="point" data-series="${escapeHtml(s.name)}" cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="3" fill="${s.color}"><title>${escapeHtml(`${s.name} @ ${px}: ${fmt(py)}`)}</title></circle>`);
    }
  }
  return frame('line', o.id, o.title, o.yLabel, o.xLabel, top, step, body, o.series);
}

/** Grouped bars: one group per category, one <rect class="bar"> per (category, group) with a value. */
export function barChart(o: { id: string; title: string; yLabel: string; xLabel: string; categories: string[]; groups: { name: string; color: string; values: (number | null)[] }[] }): string {
  const ys = o.groups.flatMap((g) => g.values.filter((v): v is number => v !== null));
  const { top, step } = niceScale(Math.max(...ys, 0));
  const iw = W - M.left - M.right;
  const ih = H - M.top - M.bottom;
  const slot = iw / Math.max(1, o.categories.length);
  const bw = (slot * 0.75) / Math.max(1, o.groups.length);
  const y = (v: number) => M.top + ih - (v / top) * ih;
  const body: string[] = [];
  o.categories.forEach((cat, i) => {
    const x0 = M.left + i * slot + slot * 0.125;
    body.push(`<text x="${(M.left + i * slot + slot / 2).toFixed(1)}" y="${M.top + ih + 16}" text-anchor="middle" font-size="11" fill="#333">${escapeHtml(cat)}</text>`);
    o.groups.forEach((g, j) => {
      const v = g.values[i];
      if (v === null) return; // no data is no bar, never a zero-height one
      body.push(
        `<rect class="bar" data-category="${escapeHtml(cat)}" data-series="${escapeHtml(g.name)}" x="${(x0 + j * bw).toFixed(1)}" y="${y(v).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${(M.top + ih - y(v)).toFixed(1)}" fill="${g.color}"><title>${escapeHtml(`${cat}, ${g.name}: ${fmt(v)}`)}</title></rect>`,
      );
    });
  });
  return frame('bar', o.id, o.title, o.yLabel, o.xLabel, top, step, body, o.groups);
}
