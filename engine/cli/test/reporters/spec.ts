/**
 * @module The human reporter (the default): a line per case as it ends, and for a failure the
 * case's file and line, what differed, and how each step of the failing request ended, with
 * its time; then coverage tables and the summary line.
 */
import { formatCoverage } from '../coverage-table.js';
import type { CaseResult } from '../run-case.js';
import { formatSteps } from '../../testing/step-records.js';
import { caseTitle, coverageShortfalls, summaryLine } from './types.js';
import type { Reporter, Sink, SuiteSummary } from './types.js';

/**
 * Creates the spec reporter.
 *
 * @example
 * const reporter = specReporter(text => process.stdout.write(text));
 */
export function specReporter(write: Sink): Reporter {
  const failures: CaseResult[] = [];
  return {
    caseDone(r) {
      if (r.status === 'skipped') return write(`  - ${caseTitle(r)} (skipped)\n`);
      const time = `${Math.round(r.durationMs)} ms`;
      const lat =
        r.latency && r.latency.n > 1
          ? `, p50 ${r.latency.p50.toFixed(1)} ms, p99 ${r.latency.p99.toFixed(1)} ms over ${r.latency.n}`
          : '';
      const notes = (r.notes ?? []).map(n => `      note: ${n}\n`).join('');
      if (r.status === 'passed') return write(`  ✓ ${caseTitle(r)} (${time}${lat})\n${notes}`);
      failures.push(r);
      write(`  ✗ ${caseTitle(r)} (${time}${lat})\n${details(r)}${notes}`);
    },
    end(s: SuiteSummary) {
      if (failures.length > 0) {
        write(`\nFailed:\n`);
        for (const r of failures) write(`  ${caseTitle(r)}  ${r.file}:${r.line}\n`);
      }
      for (const c of s.coverage) write(`\n${formatCoverage(c).join('\n')}\n`);
      for (const f of coverageShortfalls(s)) write(`\n${f.message}\n`);
      if (s.skipped > 0) write(`\n${s.skipped} skipped`);
      write(`\n${summaryLine(s)}\n`);
    },
  };
}

/** A failed case's details, indented under its line. */
export function details(r: CaseResult): string {
  const lines = [`at ${r.file}:${r.line}`, ...r.failures];
  if (r.steps && r.steps.length > 0)
    lines.push('steps:', ...formatSteps(r.steps).map(l => `  ${l}`));
  return lines.map(l => `      ${l}\n`).join('');
}
