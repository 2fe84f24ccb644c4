/**
 * The throughput-versus-latency plot of `braid analyze`'s report as inline SVG: one curve per
 * candidate through its load levels, the latency budget as a dashed line, the chosen point
 * ringed. No script and no external resource, so the report opens anywhere.
 *
 * @module
 */

/** One curve: a candidate's points in load order. */
export interface PlotSeries {
  readonly label: string;
  readonly color: string;
  /** Drawn bold; the others are drawn thin and faded so the highlighted ones stand out. */
  readonly highlight?: boolean;
  readonly points: readonly { readonly x: number; readonly y: number; readonly note: string }[];
}

/** What to draw. x is p99 latency (ms), y throughput (inferences/s). */
export interface PlotSpec {
  readonly series: readonly PlotSeries[];
  readonly budgetMs?: number;
  readonly chosen?: { readonly x: number; readonly y: number; readonly label: string };
}

const W = 820;
const H = 440;
const M = { left: 70, right: 20, top: 20, bottom: 50 };

/** Escapes text for HTML and XML content and attributes. */
export function escapeXml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    c => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!,
  );
}

/** A distinct colour for the i-th series (golden-angle hues). */
export function seriesColor(i: number): string {
  return `hsl(${Math.round((i * 137.508) % 360)}, 65%, 42%)`;
}

function niceTicks(lo: number, hi: number, count: number): number[] {
  const span = hi - lo || 1;
  const raw = span / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map(m => m * mag).find(s => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step)
    out.push(Number(v.toPrecision(10)));
  return out;
}

/** 1, 2 and 5 times each power of ten between 10^lo and 10^hi. */
function logTicks(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let k = Math.floor(lo); k <= Math.ceil(hi); k++) {
    for (const m of [1, 2, 5]) {
      const v = Number((m * 10 ** k).toPrecision(6));
      if (Math.log10(v) >= lo && Math.log10(v) <= hi) out.push(v);
    }
  }
  return out;
}

interface Scales {
  readonly x: (v: number) => number;
  readonly y: (v: number) => number;
  readonly xTicks: number[];
  readonly yTicks: number[];
  readonly log: boolean;
}

function scales(spec: PlotSpec): Scales {
  const xs = spec.series.flatMap(s => s.points.map(p => p.x)).concat(spec.budgetMs ?? []);
  const ys = spec.series.flatMap(s => s.points.map(p => p.y));
  const xMin = Math.min(...xs, Infinity);
  const xMax = Math.max(...xs, 1e-3);
  const yMax = Math.max(...ys, 1) * 1.08;
  // Latencies across load levels span orders of magnitude; a log axis keeps the low end readable.
  const log = xMin > 0 && xMax / xMin > 20;
  const [lo, hi] = log ? [Math.log10(xMin) - 0.05, Math.log10(xMax) + 0.05] : [0, xMax * 1.08];
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  return {
    x: v => M.left + (((log ? Math.log10(v) : v) - lo) / (hi - lo)) * plotW,
    y: v => M.top + plotH - (v / yMax) * plotH,
    xTicks: log ? logTicks(lo, hi) : niceTicks(lo, hi, 8),
    yTicks: niceTicks(0, yMax, 6).filter(t => t <= yMax),
    log,
  };
}

function fmt(v: number): string {
  return v >= 100
    ? v.toFixed(0)
    : v >= 1
      ? String(Number(v.toPrecision(3)))
      : String(Number(v.toPrecision(2)));
}

function axes(s: Scales): string[] {
  const out: string[] = [];
  const x0 = M.left;
  const y0 = H - M.bottom;
  for (const t of s.yTicks) {
    out.push(
      `<line class="grid" x1="${x0}" x2="${W - M.right}" y1="${s.y(t).toFixed(1)}" y2="${s.y(t).toFixed(1)}"/>`,
    );
    out.push(
      `<text class="tick" x="${x0 - 6}" y="${(s.y(t) + 4).toFixed(1)}" text-anchor="end">${fmt(t)}</text>`,
    );
  }
  for (const t of s.xTicks) {
    out.push(
      `<line class="grid" x1="${s.x(t).toFixed(1)}" x2="${s.x(t).toFixed(1)}" y1="${M.top}" y2="${y0}"/>`,
    );
    out.push(
      `<text class="tick" x="${s.x(t).toFixed(1)}" y="${y0 + 16}" text-anchor="middle">${fmt(t)}</text>`,
    );
  }
  out.push(`<line class="axis" x1="${x0}" x2="${W - M.right}" y1="${y0}" y2="${y0}"/>`);
  out.push(`<line class="axis" x1="${x0}" x2="${x0}" y1="${M.top}" y2="${y0}"/>`);
  const xTitle = `p99 latency (ms${s.log ? ', log scale' : ''})`;
  out.push(
    `<text class="label" x="${(x0 + W - M.right) / 2}" y="${H - 10}" text-anchor="middle">${xTitle}</text>`,
  );
  const turn = `transform="translate(16 ${(M.top + y0) / 2}) rotate(-90)"`;
  out.push(`<text class="label" ${turn} text-anchor="middle">throughput (infer/s)</text>`);
  return out;
}

function curve(series: PlotSeries, s: Scales): string[] {
  if (series.points.length === 0) return [];
  const d = series.points.map(
    (p, i) => `${i === 0 ? 'M' : 'L'}${s.x(p.x).toFixed(1)} ${s.y(p.y).toFixed(1)}`,
  );
  const style = series.highlight ? 'stroke-width="3"' : 'stroke-width="1.3" opacity="0.55"';
  const title = `<title>${escapeXml(series.label)}</title>`;
  const out = [
    `<path class="curve" d="${d.join(' ')}" stroke="${series.color}" ${style}>${title}</path>`,
  ];
  const r = series.highlight ? 4.5 : 3;
  for (const p of series.points) {
    out.push(
      `<circle cx="${s.x(p.x).toFixed(1)}" cy="${s.y(p.y).toFixed(1)}" r="${r}" fill="${series.color}">` +
        `<title>${escapeXml(`${series.label}: ${p.note}`)}</title></circle>`,
    );
  }
  return out;
}

/**
 * The plot as an `<svg>` element.
 *
 * @example
 * const points = [{ x: 1, y: 100, note: 'concurrency 1' }];
 * const svg = renderPlot({ series: [{ label: 'a', color: seriesColor(0), points }], budgetMs: 5 });
 */
export function renderPlot(spec: PlotSpec): string {
  const s = scales(spec);
  const out = [
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img">`,
  ];
  out.push(...axes(s));
  for (const series of spec.series) out.push(...curve(series, s));
  if (spec.budgetMs !== undefined) {
    const x = s.x(spec.budgetMs).toFixed(1);
    out.push(`<line class="budget" x1="${x}" x2="${x}" y1="${M.top}" y2="${H - M.bottom}"/>`);
    out.push(
      `<text class="budget-label" x="${x}" y="${H - M.bottom - 8}" dx="4">budget ${fmt(spec.budgetMs)} ms</text>`,
    );
  }
  if (spec.chosen) {
    const [x, y] = [s.x(spec.chosen.x).toFixed(1), s.y(spec.chosen.y).toFixed(1)];
    out.push(
      `<circle class="chosen" cx="${x}" cy="${y}" r="9"><title>${escapeXml(spec.chosen.label)}</title></circle>`,
    );
    out.push(
      `<text class="chosen-label" x="${x}" y="${y}" dx="12" dy="-10">${escapeXml(spec.chosen.label)}</text>`,
    );
  }
  out.push('</svg>');
  return out.join('\n');
}
