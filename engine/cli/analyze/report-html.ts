/**
 * `braid analyze`'s report: one self-contained HTML page (inline CSS and SVG, no script, no
 * network) with the throughput-versus-latency curve of every candidate, the chosen point
 * against the budget, the recommended config, and every measurement.
 *
 * @module
 */
import type { LevelResult } from '../perf/measure-level.js';
import type { AnalyzeResult, CandidateRun } from './run-analyze.js';
import { throughputGain } from './run-analyze.js';
import { describePoint } from './score.js';
import { escapeXml, renderPlot, seriesColor } from './svg-plot.js';
import type { PlotSeries } from './svg-plot.js';

const STYLE = `
body { font: 14px/1.45 system-ui, sans-serif; margin: 24px auto; max-width: 1100px; color: #222; padding: 0 16px; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; }
table { border-collapse: collapse; margin: 8px 0; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th { background: #f3f3f3; text-align: center; } td.text { text-align: left; }
tr.best td { background: #eef8ee; font-weight: 600; } tr.failed td { color: #a00; }
.swatch { display: inline-block; width: 12px; height: 12px; border-radius: 2px; vertical-align: middle; }
pre { background: #f7f7f7; border: 1px solid #ddd; padding: 10px; overflow-x: auto; }
svg .grid { stroke: #e6e6e6; } svg .axis { stroke: #444; } svg .tick { font-size: 11px; fill: #555; }
svg .label { font-size: 12px; fill: #333; } svg .curve { fill: none; }
svg .budget { stroke: #c00; stroke-dasharray: 6 4; stroke-width: 1.5; } svg .budget-label { fill: #c00; font-size: 12px; }
svg .chosen { fill: none; stroke: #000; stroke-width: 2.5; } svg .chosen-label { font-size: 12px; font-weight: 600; }
`;

function fixed(n: number | undefined, digits: number): string {
  return n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : '–';
}

function cells(values: readonly string[], textColumns: readonly number[] = []): string {
  return values
    .map((v, i) => `<td${textColumns.includes(i) ? ' class="text"' : ''}>${v}</td>`)
    .join('');
}

function series(r: AnalyzeResult): PlotSeries[] {
  return r.runs.map((run, i) => ({
    label: `#${run.index} ${run.label}`,
    color: seriesColor(i),
    highlight: run === r.best || run.isDefault,
    points: run.levels
      .filter(l => Number.isFinite(l.latencyMs.p99) && l.throughput > 0)
      .map(l => {
        const p = { concurrency: l.level.value, throughput: l.throughput, p99Ms: l.latencyMs.p99 };
        return { x: p.p99Ms, y: p.throughput, note: describePoint(p) };
      }),
  }));
}

function summary(r: AnalyzeResult): string {
  const c = r.constraints;
  const limits = [
    c.latencyBudgetMs === undefined ? undefined : `p99 latency ≤ ${c.latencyBudgetMs} ms`,
    c.minThroughput === undefined ? undefined : `throughput ≥ ${c.minThroughput} infer/s`,
  ].filter(x => x !== undefined);
  const point = (run: CandidateRun) =>
    escapeXml(run.score.point ? describePoint(run.score.point) : 'no valid point');
  const ratio = throughputGain(r);
  const gain = ratio === undefined ? '' : ` (${ratio.toFixed(2)}× the current config)`;
  const currentMiss = r.defaultRun.score.feasible ? '' : ' (misses the constraints)';
  const bestMiss = r.best.score.feasible
    ? ''
    : ' (no candidate meets the constraints; this one comes nearest)';
  const constraints = escapeXml(limits.join(', ') || 'none');
  return [
    `<p>Objective: <b>${r.objective}</b>; constraints: ${constraints}; search: ${r.search}; ` +
      `${r.runs.length} candidates measured.</p>`,
    `<p>Current config: ${point(r.defaultRun)}${currentMiss}.<br/>`,
    `Recommended (#${r.best.index}, ${escapeXml(r.best.label)}): <b>${point(r.best)}</b>${gain}${bestMiss}.</p>`,
  ].join('\n');
}

function candidateTable(r: AnalyzeResult): string {
  const names = [
    '',
    '#',
    'candidate',
    'meets constraints',
    'concurrency',
    'infer/s',
    'p99 ms',
    'note',
  ];
  const head = `<tr>${names.map(n => `<th>${n}</th>`).join('')}</tr>`;
  const rows = r.runs.map((run, i) => {
    const p = run.score.point;
    const cls = run === r.best ? ' class="best"' : run.error ? ' class="failed"' : '';
    const role = run.isDefault ? 'current config' : run === r.best ? 'recommended' : '';
    const note = run.error ? escapeXml(run.error.split('\n')[0] ?? '') : role;
    const swatch = `<span class="swatch" style="background:${seriesColor(i)}"></span>`;
    const values = [
      swatch,
      String(run.index),
      escapeXml(run.label),
      run.score.feasible ? 'yes' : 'no',
    ];
    values.push(p ? String(p.concurrency) : '–', fixed(p?.throughput, 1), fixed(p?.p99Ms, 2), note);
    return `<tr${cls}>${cells(values, [2, 7])}</tr>`;
  });
  return `<table>\n${head}\n${rows.join('\n')}\n</table>`;
}

function levelRow(run: CandidateRun, l: LevelResult): string {
  const s = l.server;
  const ms = l.latencyMs;
  const values = [String(run.index), String(l.level.value), fixed(l.throughput, 1)];
  values.push(...[ms.mean, ms.p50, ms.p90, ms.p95, ms.p99].map(v => fixed(v, 2)));
  values.push(
    fixed(s?.queueUs, 0),
    fixed(s?.computeInferUs, 0),
    fixed(s?.overheadUs, 0),
    fixed(s?.averageBatch, 2),
  );
  values.push(String(l.errors.count), l.stable ? 'yes' : 'no');
  return `<tr>${cells(values)}</tr>`;
}

function measurementTable(r: AnalyzeResult): string {
  const names = ['#', 'concurrency', 'infer/s', 'avg ms', 'p50 ms', 'p90 ms', 'p95 ms', 'p99 ms'];
  names.push('queue µs', 'compute µs', 'overhead µs', 'avg batch', 'errors', 'stable');
  const head = `<tr>${names.map(n => `<th>${n}</th>`).join('')}</tr>`;
  const rows = r.runs.flatMap(run => run.levels.map(l => levelRow(run, l)));
  return `<table>\n${head}\n${rows.join('\n')}\n</table>`;
}

/**
 * The report page.
 *
 * @example
 * writeFileSync('report.html', renderReport(result));
 */
export function renderReport(r: AnalyzeResult): string {
  const p = r.best.score.point;
  const plot = renderPlot({
    series: series(r),
    ...(r.constraints.latencyBudgetMs === undefined
      ? {}
      : { budgetMs: r.constraints.latencyBudgetMs }),
    ...(p
      ? { chosen: { x: p.p99Ms, y: p.throughput, label: `recommended #${r.best.index}` } }
      : {}),
  });
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8"/>
<title>braid analyze: ${escapeXml(r.model)}</title>
<style>${STYLE}</style>
</head>
<body>
<h1>braid analyze: model ${escapeXml(r.model)}</h1>
${summary(r)}
<h2>Throughput against p99 latency, one curve per candidate (points are concurrency levels)</h2>
${plot}
<h2>Candidates</h2>
${candidateTable(r)}
<h2>Recommended config.yaml</h2>
<pre>${escapeXml(r.best.configText)}</pre>
<h2>Every measurement (latency is client-side; queue, compute and overhead are the server's, per request)</h2>
${measurementTable(r)}
</body>
</html>
`;
}
