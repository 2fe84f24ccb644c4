/**
 * @module Pipeline coverage as a table for the terminal: one row per step with how often each
 * outcome was seen, the guard and map columns for the steps that have them, a marker on rows
 * with a branch never taken, then the totals per kind and what was missed.
 */
import type { Fraction, PipelineCoverage } from './coverage.js';
import { percentOf } from './coverage.js';

const COLUMNS = [
  'ran',
  'skipped',
  'returned',
  'failed',
  'cancelled',
  'retried',
  'fell back',
  'guard t/f',
  'map 0/n',
] as const;

/**
 * Renders the coverage of one pipeline.
 *
 * @example
 * formatCoverage(report).join('\n');
 * // Coverage of pipeline 'ocr': 15/15 (100%)
 * //   step          ran  skipped  returned  failed  retried  fell back  guard t/f  map 0/n
 * //   prepare        12        0         0       1        0          0
 * //   ...
 */
export function formatCoverage(c: PipelineCoverage): string[] {
  const rows = c.steps.map(s => {
    const t = s.tally;
    const cells = [
      String(t.ran),
      String(t.skipped),
      String(t.returned),
      String(t.failed),
      String(t.cancelled),
      s.retry ? String(t.retried) : '',
      s.onError ? String(t.fellBack) : '',
      s.guard ? `${t.guardTrue}/${t.guardFalse}` : '',
      s.map ? `${t.mapEmpty}/${t.mapItems}` : '',
    ];
    const complete =
      t.ran + t.returned + t.failed + t.defaulted + t.fellBack > 0 &&
      (!s.guard || (t.guardTrue > 0 && t.guardFalse > 0)) &&
      (!s.map || (t.mapEmpty > 0 && t.mapItems > 0)) &&
      (!s.retry || t.retried > 0) &&
      (!s.onError || t.fellBack > 0);
    return { name: s.name, cells, complete };
  });
  const nameWidth = Math.max(4, ...rows.map(r => r.name.length));
  const widths = COLUMNS.map((h, i) => Math.max(h.length, ...rows.map(r => r.cells[i]!.length)));
  const line = (name: string, cells: readonly string[], mark: string) =>
    `  ${mark} ${name.padEnd(nameWidth)}  ${cells.map((c, i) => c.padStart(widths[i]!)).join('  ')}`.trimEnd();
  const k = c.kinds;
  return [
    `Coverage of pipeline '${c.pipeline}': ${fraction(c.total)}`,
    line('step', COLUMNS, ' '),
    ...rows.map(r => line(r.name, r.cells, r.complete ? ' ' : '✗')),
    `  steps ${fraction(k.steps)}, guards ${fraction(k.guards)}, maps ${fraction(k.maps)}, error policies ${fraction(k.policies)}`,
    ...c.missed.map(m => `  not covered: ${m}`),
  ];
}

/** `3/4 (75%)`, or `none` when there is nothing of the kind. */
export function fraction(f: Fraction): string {
  if (f.total === 0) return 'none';
  const p = percentOf(f);
  return `${f.covered}/${f.total} (${Number.isInteger(p) ? p : p.toFixed(1)}%)`;
}
