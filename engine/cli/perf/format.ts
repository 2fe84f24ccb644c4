/**
 * The three renderings of a perf report: a console table for people, JSON and CSV for
 * machines. The CSV names its columns as perf_analyzer's `-f` file does where the figure is the
 * same (latencies in µs).
 *
 * @module
 */
import type { LevelResult } from './measure-level.js';
import type { PerfReport } from './run-perf.js';

/** Output formats of `braid perf`. */
export type PerfFormat = 'table' | 'json' | 'csv';

function fixed(n: number | undefined, digits: number): string {
  return n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : '-';
}

function levelLabel(r: LevelResult): string {
  return r.level.kind === 'concurrency' ? String(r.level.value) : `${r.level.value}/s`;
}

function tableRow(r: LevelResult): string[] {
  const l = r.latencyMs;
  const s = r.server;
  return [
    levelLabel(r),
    fixed(r.throughput, 1),
    fixed(l.mean, 3),
    fixed(l.p50, 3),
    fixed(l.p90, 3),
    fixed(l.p95, 3),
    fixed(l.p99, 3),
    fixed(s?.requestUs, 0),
    fixed(s?.queueUs, 0),
    fixed(s?.computeInputUs, 0),
    fixed(s?.computeInferUs, 0),
    fixed(s?.computeOutputUs, 0),
    fixed(s?.overheadUs, 0),
    fixed(s?.averageBatch, 2),
    String(r.errors.count),
    r.stable ? 'yes' : 'no',
  ];
}

/**
 * A console table: one row per level, client latency in ms, the server's breakdown in µs.
 *
 * @example
 * process.stdout.write(formatTable(report));
 */
export function formatTable(report: PerfReport): string {
  const first = report.mode === 'concurrency' ? 'concurrency' : 'rate';
  const head = [first, 'infer/s', 'avg ms', 'p50 ms', 'p90 ms', 'p95 ms', 'p99 ms'];
  head.push(
    'srv µs',
    'queue',
    'c.input',
    'c.infer',
    'c.output',
    'overhead',
    'avg batch',
    'errors',
    'stable',
  );
  const body = report.levels.map(tableRow);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map(r => r[i]!.length)));
  const line = (r: readonly string[]) => r.map((v, i) => v.padStart(widths[i]!)).join('  ');
  const version = report.version ? ` version ${report.version}` : '';
  // Reports written before the gRPC mode have no protocol: they were HTTP.
  const tensors = report.protocol === 'grpc' ? 'gRPC raw tensors' : `${report.encoding} tensors`;
  const title =
    `model '${report.model}'${version} at ${report.url}: batch ${report.batchSize}, ${tensors}, ` +
    `stability on ${report.stabilityMetric} latency`;
  const c = report.generatorCeiling;
  const ceiling = c
    ? [
        `load generator ceiling: ${c.requestsPerSec.toFixed(0)} requests/s at concurrency ${c.concurrency}`,
      ]
    : [];
  const notes = [...ceiling, ...report.warnings.map(w => `warning: ${w}`)];
  return [
    title,
    line(head),
    line(widths.map(w => '-'.repeat(w))),
    ...body.map(line),
    ...notes,
    '',
  ].join('\n');
}

/**
 * The report as JSON (latencies in ms, server phases in µs).
 *
 * @example
 * writeFileSync('perf.json', formatJson(report));
 */
export function formatJson(report: PerfReport): string {
  return JSON.stringify(report, null, 2) + '\n';
}

const CSV_HEAD = [
  'Inferences/Second',
  'Avg latency',
  'p50 latency',
  'p90 latency',
  'p95 latency',
  'p99 latency',
  'Server Queue',
  'Server Compute Input',
  'Server Compute Infer',
  'Server Compute Output',
  'Server Overhead',
  'Server Request',
  'Avg Batch',
  'Errors',
];

/**
 * The report as CSV, one row per level in sweep order; latencies and server phases in µs.
 *
 * @example
 * formatCsv(report).split('\n')[0]; // 'Concurrency,Inferences/Second,...'
 */
export function formatCsv(report: PerfReport): string {
  const head = [report.mode === 'concurrency' ? 'Concurrency' : 'Request Rate', ...CSV_HEAD];
  const us = (ms: number) => fixed(ms * 1000, 0);
  const rows = report.levels.map(r => {
    const s = r.server;
    const l = r.latencyMs;
    const server = [
      s?.queueUs,
      s?.computeInputUs,
      s?.computeInferUs,
      s?.computeOutputUs,
      s?.overheadUs,
      s?.requestUs,
    ];
    return [r.level.value, fixed(r.throughput, 2), ...[l.mean, l.p50, l.p90, l.p95, l.p99].map(us)]
      .concat(
        server.map(v => fixed(v, 0)),
        [fixed(s?.averageBatch, 3), r.errors.count],
      )
      .join(',');
  });
  return [head.join(','), ...rows, ''].join('\n');
}

/**
 * The report in `format`.
 *
 * @example
 * formatReport(report, 'csv');
 */
export function formatReport(report: PerfReport, format: PerfFormat): string {
  return format === 'json'
    ? formatJson(report)
    : format === 'csv'
      ? formatCsv(report)
      : formatTable(report);
}
