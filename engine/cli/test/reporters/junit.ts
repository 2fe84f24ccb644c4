/**
 * @module JUnit XML, as CI systems (Jenkins, GitLab, GitHub Actions test reporters) read it: a
 * testsuite per test file, a testcase per case with its file and line, failures with the full
 * message and the failing request's steps; coverage in the suites' system-out.
 */
import { formatCoverage } from '../coverage-table.js';
import type { CaseResult } from '../run-case.js';
import { formatSteps } from '../../testing/step-records.js';
import { coverageShortfalls } from './types.js';
import type { Reporter, Sink, SuiteSummary } from './types.js';

/**
 * Creates the JUnit reporter; it writes everything at the end.
 *
 * @example
 * junitReporter(write); // <?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="braid test" ...>
 */
export function junitReporter(write: Sink): Reporter {
  const results: CaseResult[] = [];
  return {
    caseDone: r => void results.push(r),
    end(s) {
      const files = [...new Set(results.map(r => r.file))];
      const out = [
        `<?xml version="1.0" encoding="UTF-8"?>`,
        `<testsuites name="braid test" tests="${results.length}" failures="${s.failed}" skipped="${s.skipped}" time="${seconds(s.durationMs)}">`,
      ];
      for (const file of files) {
        const cases = results.filter(r => r.file === file);
        const failed = cases.filter(r => r.status === 'failed').length;
        const skipped = cases.filter(r => r.status === 'skipped').length;
        const time = cases.reduce((t, r) => t + r.durationMs, 0);
        out.push(
          `  <testsuite name="${esc(file)}" tests="${cases.length}" failures="${failed}" skipped="${skipped}" time="${seconds(time)}">`,
        );
        for (const r of cases) out.push(...testcase(r));
        out.push('  </testsuite>');
      }
      if (s.coverage.length > 0) out.push(...coverageSuite(s));
      out.push('</testsuites>');
      write(`${out.join('\n')}\n`);
    },
  };
}

/** Coverage as a suite of its own: one testcase per pipeline, failed when below --coverage-min. */
function coverageSuite(s: SuiteSummary): string[] {
  const short = new Map(coverageShortfalls(s).map(f => [f.pipeline, f.message]));
  const out = [
    `  <testsuite name="pipeline coverage" tests="${s.coverage.length}" failures="${short.size}" skipped="0" time="0.000">`,
  ];
  for (const c of s.coverage) {
    const failure = short.get(c.pipeline);
    out.push(`    <testcase classname="coverage" name="${esc(c.pipeline)}" time="0.000">`);
    if (failure) out.push(`      <failure message="${esc(failure)}">${esc(failure)}</failure>`);
    out.push(
      `      <system-out>${esc(formatCoverage(c).join('\n'))}</system-out>`,
      '    </testcase>',
    );
  }
  out.push('  </testsuite>');
  return out;
}

function testcase(r: CaseResult): string[] {
  const open = `    <testcase classname="${esc(r.pipeline)}" name="${esc(r.name)}" file="${esc(r.file)}" line="${r.line}" time="${seconds(r.durationMs)}"`;
  const notes =
    r.notes && r.notes.length > 0
      ? [`      <system-out>${esc(r.notes.join('\n'))}</system-out>`]
      : [];
  if (r.status === 'passed')
    return notes.length > 0 ? [`${open}>`, ...notes, '    </testcase>'] : [`${open}/>`];
  if (r.status === 'skipped') return [`${open}>`, '      <skipped/>', '    </testcase>'];
  const body = [
    ...r.failures,
    ...(r.steps && r.steps.length > 0
      ? ['steps:', ...formatSteps(r.steps).map(l => `  ${l}`)]
      : []),
    `at ${r.file}:${r.line}`,
  ];
  return [
    `${open}>`,
    `      <failure message="${esc(r.failures[0] ?? 'failed')}">${esc(body.join('\n'))}</failure>`,
    ...notes,
    '    </testcase>',
  ];
}

function seconds(ms: number): string {
  return (ms / 1000).toFixed(3);
}

/** Escapes text for XML attributes and content; characters XML 1.0 cannot hold are dropped. */
export function esc(s: string): string {
  return s
    .replace(/[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu, '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}
