/**
 * @module TAP version 13 (Test Anything Protocol): one test point per case, failures with a
 * YAML diagnostic block, skipped cases as `# SKIP`, the plan last; coverage as comments.
 */
import { formatCoverage } from '../coverage-table.js';
import { formatSteps } from '../../testing/step-records.js';
import { caseTitle, coverageShortfalls, summaryLine } from './types.js';
import type { Reporter, Sink } from './types.js';

/**
 * Creates the TAP reporter.
 *
 * @example
 * tapReporter(write); // TAP version 13\nok 1 - ocr › reads the sign\n...\n1..4
 */
export function tapReporter(write: Sink): Reporter {
  let n = 0;
  write('TAP version 13\n');
  return {
    caseDone(r) {
      n++;
      const title = caseTitle(r).replace(/#/g, '\\#');
      if (r.status === 'skipped') return write(`ok ${n} - ${title} # SKIP\n`);
      const notes = (r.notes ?? []).map(note => `# ${note}\n`).join('');
      if (r.status === 'passed') return write(`ok ${n} - ${title}\n${notes}`);
      const yaml = [
        '  ---',
        '  message: |',
        ...r.failures.map(l => `    ${l}`),
        `  at: ${JSON.stringify(`${r.file}:${r.line}`)}`,
        `  duration_ms: ${Math.round(r.durationMs)}`,
      ];
      if (r.steps && r.steps.length > 0)
        yaml.push('  steps: |', ...formatSteps(r.steps).map(l => `    ${l}`));
      yaml.push('  ...');
      write(`not ok ${n} - ${title}\n${yaml.join('\n')}\n${notes}`);
    },
    end(s) {
      write(`1..${n}\n`);
      for (const c of s.coverage)
        write(
          formatCoverage(c)
            .map(l => `# ${l}\n`)
            .join(''),
        );
      for (const f of coverageShortfalls(s)) write(`# ${f.message}\n`);
      write(`# ${summaryLine(s)}\n`);
    },
  };
}
