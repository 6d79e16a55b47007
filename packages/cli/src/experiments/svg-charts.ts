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
  /** Line width (default 2.5): a thicker line picks out the series that matters most. */
  width?: number;
  /** An SVG stroke-dasharray, e.g. '5 3' for a summary line. */
  dash?: string;
  /** A <circle class="point"> per value (default true); off for busy panels. */
  dots?: boolean;
}

/** A chart's outer size and left margin (room for the y labels); the report's wide charts use the default. */
export interface ChartSize {
  width: number;
  height: number;
  left: number;
  /** Width of one legend entry (default 120); entries wrap onto more rows when they do not fit. */
  legendItem?: number;
}

/** A step (1, 2 or 5 × 10^k) that gives about `count` ticks up to max, and the axis top it implies. */
export function niceScale(max: number, count = 5): { top: number; step: number } {
  if (!(max > 0)) return { top: 1, step: 0.2 };
  const rough = max / count;
  const mag = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= rough)!;
  return { top: Math.ceil(max / step - 1e-9) * step, step };
}

const DEFAULT_SIZE: ChartSize = { width: 560, height: 300, left: 56 };
const MARGIN = { top: 52, right: 16, bottom: 48 };
const LEGEND_ITEM = 120;
const LEGEND_ROW = 16;
const fmt = (v: number) => (Math.abs(v) >= 100 ? v.toFixed(0) : String(+v.toFixed(2)));

/** A chart's plot area: legends that do not fit on one row wrap, and push the plot down. */
function layout(size: ChartSize, legendItems: number) {
  const item = size.legendItem ?? LEGEND_ITEM;
  const perRow = Math.max(1, Math.floor((size.width - size.left - MARGIN.right - 8) / item));
  const rows = Math.max(1, Math.ceil(legendItems / perRow));
  const top = MARGIN.top + (rows - 1) * LEGEND_ROW;
  return { ...size, item, perRow, top, right: MARGIN.right, bottom: MARGIN.bottom, iw: size.width - size.left - MARGIN.right, ih: size.height - top - MARGIN.bottom };
}
type Layout = ReturnType<typeof layout>;

function legendItems(L: Layout, legend: { name: string; color: string; dash?: string }[]): string {
  return legend
    .map((l, i) => {
      const x = L.left + 8 + (i % L.perRow) * L.item;
      const y = MARGIN.top - 16 + Math.floor(i / L.perRow) * LEGEND_ROW;
      // A white swatch (a scale's zero) gets an outline, or it would not show.
      const outline = /^#f{6}$/i.test(l.color) ? ' stroke="#999"' : '';
      const mark = l.dash ? `<line x1="0" x2="12" y1="-4" y2="-4" stroke="${l.color}" stroke-width="2.5" stroke-dasharray="${l.dash}"/>` : `<rect width="12" height="12" y="-10" fill="${l.color}"${outline}/>`;
      return `<g transform="translate(${x},${y})">${mark}<text x="16" font-size="12">${escapeHtml(l.name)}</text></g>`;
    })
    .join('');
}

function svgOpen(kind: string, id: string, title: string, L: Layout): string[] {
  return [
    `<svg class="chart" data-chart="${escapeHtml(id)}" data-kind="${kind}" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${L.width} ${L.height}" width="${L.width}" height="${L.height}" role="img" aria-label="${escapeHtml(title)}">`,
    `<title>${escapeHtml(title)}</title>`,
    `<text x="${L.left}" y="18" font-size="14" font-weight="bold">${escapeHtml(title)}</text>`,
  ];
}

function frame(kind: string, id: string, title: string, yLabel: string, xLabel: string, top: number, step: number, body: string[], legend: { name: string; color: string; dash?: string }[], L: Layout): string {
  const y = (v: number) => L.top + L.ih - (v / top) * L.ih;
  const grid: string[] = [];
  for (let v = 0; v <= top + 1e-9; v += step) {
    grid.push(`<line x1="${L.left}" x2="${L.width - L.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#e3e3e3"/>`);
    grid.push(`<text x="${L.left - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#555">${fmt(v)}</text>`);
  }
  return [
    ...svgOpen(kind, id, title, L),
    ...grid,
    `<line x1="${L.left}" x2="${L.left}" y1="${L.top}" y2="${L.top + L.ih}" stroke="#888"/>`,
    `<line x1="${L.left}" x2="${L.width - L.right}" y1="${L.top + L.ih}" y2="${L.top + L.ih}" stroke="#888"/>`,
    `<text transform="translate(14,${L.top + L.ih / 2}) rotate(-90)" text-anchor="middle" font-size="12" fill="#333">${escapeHtml(yLabel)}</text>`,
    `<text x="${L.left + L.iw / 2}" y="${L.height - 6}" text-anchor="middle" font-size="12" fill="#333">${escapeHtml(xLabel)}</text>`,
    legendItems(L, legend),
    ...body,
    '</svg>',
  ].join('\n');
}

/** A line chart over numeric x; one <path class="series"> per series, one <circle class="point"> per value (unless `dots: false`). */
export function lineChart(o: { id: string; title: string; xLabel: string; yLabel: string; series: Series[]; yMin0?: boolean; size?: ChartSize }): string {
  const L = layout(o.size ?? DEFAULT_SIZE, o.series.length);
  const xs = o.series.flatMap((s) => s.points.map((p) => p[0]));
  const ys = o.series.flatMap((s) => s.points.map((p) => p[1]).filter((v): v is number => v !== null));
  const xMin = Math.min(...xs, 0);
  const xMax = Math.max(...xs, 1);
  const { top, step } = niceScale(Math.max(...ys, 0));
  const x = (v: number) => L.left + ((v - xMin) / (xMax - xMin || 1)) * L.iw;
  const y = (v: number) => L.top + L.ih - (v / top) * L.ih;
  const body: string[] = [];
  const xStep = Math.max(1, Math.ceil((xMax - xMin) / 10));
  for (let v = Math.ceil(xMin); v <= xMax; v += xStep) {
    body.push(`<text x="${x(v).toFixed(1)}" y="${L.top + L.ih + 16}" text-anchor="middle" font-size="11" fill="#555">${v}</text>`);
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
    body.push(`<path class="series" data-series="${escapeHtml(s.name)}" d="${d}" fill="none" stroke="${s.color}" stroke-width="${s.width ?? 2.5}"${s.dash ? ` stroke-dasharray="${s.dash}"` : ''}/>`);
    if (s.dots === false) continue;
    for (const [px, py] of s.points) {
      if (py !== null) body.push(`<circle class="point" data-series="${escapeHtml(s.name)}" cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="3" fill="${s.color}"><title>${escapeHtml(`${s.name} @ ${px}: ${fmt(py)}`)}</title></circle>`);
    }
  }
  return frame('line', o.id, o.title, o.yLabel, o.xLabel, top, step, body, o.series, L);
}

/** Grouped bars: one group per category, one <rect class="bar"> per (category, group) with a value. */
export function barChart(o: { id: string; title: string; yLabel: string; xLabel: string; categories: string[]; groups: { name: string; color: string; values: (number | null)[] }[] }): string {
  const L = layout(DEFAULT_SIZE, o.groups.length);
  const ys = o.groups.flatMap((g) => g.values.filter((v): v is number => v !== null));
  const { top, step } = niceScale(Math.max(...ys, 0));
  const slot = L.iw / Math.max(1, o.categories.length);
  const bw = (slot * 0.75) / Math.max(1, o.groups.length);
  const y = (v: number) => L.top + L.ih - (v / top) * L.ih;
  const body: string[] = [];
  o.categories.forEach((cat, i) => {
    const x0 = L.left + i * slot + slot * 0.125;
    body.push(`<text x="${(L.left + i * slot + slot / 2).toFixed(1)}" y="${L.top + L.ih + 16}" text-anchor="middle" font-size="11" fill="#333">${escapeHtml(cat)}</text>`);
    o.groups.forEach((g, j) => {
      const v = g.values[i];
      if (v === null) return; // no data is no bar, never a zero-height one
      body.push(
        `<rect class="bar" data-category="${escapeHtml(cat)}" data-series="${escapeHtml(g.name)}" x="${(x0 + j * bw).toFixed(1)}" y="${y(v).toFixed(1)}" width="${(bw - 2).toFixed(1)}" height="${(L.top + L.ih - y(v)).toFixed(1)}" fill="${g.color}"><title>${escapeHtml(`${cat}, ${g.name}: ${fmt(v)}`)}</title></rect>`,
      );
    });
  });
  return frame('bar', o.id, o.title, o.yLabel, o.xLabel, top, step, body, o.groups, L);
}

/** One row of a strip chart: a value in [0, 1] per x, null where there is no data. */
export interface StripRow {
  name: string;
  values: (number | null)[];
  /** A bold label (the row that matters most). */
  bold?: boolean;
  /** A gap below the row, setting it apart from the rows after it. */
  gapAfter?: boolean;
}

const NO_DATA_FILL = '#d9d9d9';

/** `color` at strength v ∈ [0, 1], mixed with white: 0 is white, 1 is the colour itself. */
export function shade(color: string, v: number): string {
  const c = /^#([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(color);
  if (!c) throw new Error(`shade: '${color}' is not a #rrggbb colour`);
  const t = Math.min(1, Math.max(0, v));
  return '#' + c.slice(1).map((h) => Math.round(255 + (parseInt(h, 16) - 255) * t).toString(16).padStart(2, '0')).join('');
}

/**
 * A heat strip per row over numeric x (interval indices): one <rect class="cell"> per (row, x) with its
 * value in data-value, coloured from white (0) to `color` (1); a null value is a grey "no data" cell, never
 * a white one. Rows are labelled on the left; the legend shows the scale.
 */
export function stripChart(o: { id: string; title: string; xLabel: string; xs: number[]; rows: StripRow[]; color: string; valueLabel: (v: number) => string; size?: ChartSize }): string {
  const legend = [
    { name: o.valueLabel(0), color: shade(o.color, 0) },
    { name: o.valueLabel(0.5), color: shade(o.color, 0.5) },
    { name: o.valueLabel(1), color: shade(o.color, 1) },
    { name: 'no data', color: NO_DATA_FILL },
  ];
  const L = layout(o.size ?? DEFAULT_SIZE, legend.length);
  const xMin = Math.min(...o.xs, 0);
  const xMax = Math.max(...o.xs, 0);
  const cw = L.iw / (xMax - xMin + 1);
  const gaps = o.rows.filter((r, i) => r.gapAfter && i < o.rows.length - 1).length;
  const gap = 6;
  const rh = Math.min(22, (L.ih - gaps * gap) / Math.max(1, o.rows.length));
  const body: string[] = [];
  let y = L.top;
  for (const row of o.rows) {
    body.push(`<text x="${L.left - 6}" y="${(y + rh / 2 + 4).toFixed(1)}" text-anchor="end" font-size="11" fill="#333"${row.bold ? ' font-weight="bold"' : ''}>${escapeHtml(row.name)}</text>`);
    o.xs.forEach((x, i) => {
      const v = row.values[i] ?? null;
      const label = v === null ? 'no data' : o.valueLabel(v);
      body.push(
        `<rect class="cell" data-row="${escapeHtml(row.name)}" data-x="${x}" data-value="${v === null ? '' : +v.toFixed(4)}" x="${(L.left + (x - xMin) * cw).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(0.5, cw - 0.5).toFixed(2)}" height="${(rh - 1).toFixed(1)}" fill="${v === null ? NO_DATA_FILL : shade(o.color, v)}"><title>${escapeHtml(`${row.name} @ ${x}: ${label}`)}</title></rect>`,
      );
    });
    y += rh + (row.gapAfter ? gap : 0);
  }
  const xStep = Math.max(1, Math.ceil((xMax - xMin + 1) / 10));
  for (let v = Math.ceil(xMin); v <= xMax; v += xStep) {
    body.push(`<text x="${(L.left + (v - xMin + 0.5) * cw).toFixed(1)}" y="${(y + 14).toFixed(1)}" text-anchor="middle" font-size="11" fill="#555">${v}</text>`);
  }
  return [
    ...svgOpen('strip', o.id, o.title, L),
    legendItems(L, legend),
    ...body,
    `<text x="${L.left + L.iw / 2}" y="${L.height - 6}" text-anchor="middle" font-size="12" fill="#333">${escapeHtml(o.xLabel)}</text>`,
    '</svg>',
  ].join('\n');
}
