/**
 * @module What every reporter of `braid test` receives: each case as it ends, then the summary.
 */
import type { PipelineCoverage } from '../coverage.js';
import type { CaseResult } from '../run-case.js';

/** The whole run, once it is over. */
export interface SuiteSummary {
  readonly passed: number;
  readonly failed: number;
  readonly skipped: number;
  readonly durationMs: number;
  /** Per tested pipeline, when coverage was asked for. */
  readonly coverage: readonly PipelineCoverage[];
  /** --coverage-min, in percent. */
  readonly coverageMin?: number;
}

/**
 * The pipelines whose coverage is below --coverage-min, with a message each.
 *
 * @example
 * coverageShortfalls({ coverage: [ocr], coverageMin: 100 }); // [{ pipeline: 'ocr', message: "coverage of pipeline 'ocr' is 86.7%, below --coverage-min 100" }]
 */
export function coverageShortfalls(
  s: Pick<SuiteSummary, 'coverage' | 'coverageMin'>,
): { readonly pipeline: string; readonly message: string }[] {
  const min = s.coverageMin;
  if (min === undefined) return [];
  return s.coverage
    .filter(c => c.percent < min)
    .map(c => ({
      pipeline: c.pipeline,
      message: `coverage of pipeline '${c.pipeline}' is ${Number(c.percent.toFixed(1))}%, below --coverage-min ${min}`,
    }));
}

/** Turns results into one output format, written through the sink it was made with. */
export interface Reporter {
  /** Called as each case ends, in run order. */
  caseDone(result: CaseResult): void;
  /** Called once, last. */
  end(summary: SuiteSummary): void;
}

/** Where a reporter writes: text as it comes, newlines included. */
export type Sink = (text: string) => void;

/** The line every reporter ends with, exactly. */
export function summaryLine(s: Pick<SuiteSummary, 'passed' | 'failed'>): string {
  return `${s.passed} passed, ${s.failed} failed`;
}

/** How results name a case: `pipeline › case`. */
export function caseTitle(r: Pick<CaseResult, 'pipeline' | 'name'>): string {
  return `${r.pipeline} › ${r.name}`;
}
