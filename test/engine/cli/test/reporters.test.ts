import { describe, expect, it } from 'vitest';
import type { PipelineCoverage } from '../../../../engine/cli/test/coverage.js';
import { junitReporter } from '../../../../engine/cli/test/reporters/junit.js';
import { specReporter } from '../../../../engine/cli/test/reporters/spec.js';
import { tapReporter } from '../../../../engine/cli/test/reporters/tap.js';
import type { Reporter, SuiteSummary } from '../../../../engine/cli/test/reporters/types.js';
import type { CaseResult } from '../../../../engine/cli/test/run-case.js';

const results: CaseResult[] = [
  {
    file: 'ocr/tests/a.test.yaml',
    line: 7,
    pipeline: 'ocr',
    name: 'reads the sign',
    status: 'passed',
    durationMs: 120.4,
    failures: [],
  },
  {
    file: 'ocr/tests/a.test.yaml',
    line: 19,
    pipeline: 'ocr',
    name: 'reads <the> "receipt" #2',
    status: 'failed',
    durationMs: 300,
    failures: [
      "output 'TEXT': 1 of 4 element(s) differ",
      '    at [1]: expected "Espresso", received "Espress0"',
    ],
    steps: [
      { pipeline: 'ocr', step: 'prepare', status: 'ran', durationMs: 12.34 },
      { pipeline: 'ocr', step: 'no_text', status: 'skipped', durationMs: 0, guard: false },
    ],
  },
  {
    file: 'ocr/tests/b.test.yaml',
    line: 3,
    pipeline: 'ocr',
    name: 'later',
    status: 'skipped',
    durationMs: 0,
    failures: [],
  },
];
const coverage: PipelineCoverage = {
  pipeline: 'ocr',
  steps: [
    {
      name: 'prepare',
      guard: false,
      map: false,
      retry: false,
      tally: {
        ran: 2,
        skipped: 0,
        returned: 0,
        failed: 0,
        defaulted: 0,
        cancelled: 0,
        retried: 0,
        fellBack: 0,
        guardTrue: 0,
        guardFalse: 0,
        mapEmpty: 0,
        mapItems: 0,
      },
    },
  ],
  kinds: {
    steps: { covered: 1, total: 1 },
    guards: { covered: 0, total: 0 },
    maps: { covered: 0, total: 0 },
    policies: { covered: 0, total: 0 },
  },
  total: { covered: 1, total: 2 },
  percent: 50,
  missed: ['the guard of x was never true'],
};
const summary: SuiteSummary = {
  passed: 1,
  failed: 1,
  skipped: 1,
  durationMs: 420,
  coverage: [coverage],
  coverageMin: 80,
};

function render(make: (write: (t: string) => void) => Reporter): string {
  let out = '';
  const r = make(t => (out += t));
  for (const x of results) r.caseDone(x);
  r.end(summary);
  return out;
}

describe('reporters', () => {
  it('spec: a line per case, failure details with file:line and steps, coverage, the summary line last', () => {
    const out = render(specReporter);
    expect(out).toContain('  ✓ ocr › reads the sign (120 ms)\n');
    expect(out).toContain(
      [
        '  ✗ ocr › reads <the> "receipt" #2 (300 ms)',
        '      at ocr/tests/a.test.yaml:19',
        "      output 'TEXT': 1 of 4 element(s) differ",
        '          at [1]: expected "Espresso", received "Espress0"',
        '      steps:',
        '        prepare  ran          12.3 ms',
        '        no_text  skipped         0 ms  guard false',
      ].join('\n'),
    );
    expect(out).toContain('  - ocr › later (skipped)\n');
    expect(out).toContain("Coverage of pipeline 'ocr': 1/2 (50%)");
    expect(out).toContain("coverage of pipeline 'ocr' is 50%, below --coverage-min 80");
    expect(out.endsWith('\n1 passed, 1 failed\n')).toBe(true);
  });

  it('tap: version 13, a test point per case with a YAML block for failures, SKIP, the plan', () => {
    const lines = render(tapReporter).split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'TAP version 13',
      'ok 1 - ocr › reads the sign',
      'not ok 2 - ocr › reads <the> "receipt" \\#2',
    ]);
    expect(lines.slice(3, 8)).toEqual([
      '  ---',
      '  message: |',
      "    output 'TEXT': 1 of 4 element(s) differ",
      '        at [1]: expected "Espresso", received "Espress0"',
      '  at: "ocr/tests/a.test.yaml:19"',
    ]);
    expect(lines).toContain('ok 3 - ocr › later # SKIP');
    expect(lines).toContain('1..3');
    expect(lines).toContain("# coverage of pipeline 'ocr' is 50%, below --coverage-min 80");
    expect(lines.at(-2)).toBe('# 1 passed, 1 failed');
  });

  it('junit: a suite per file, escaped names and messages, skipped cases, a coverage suite', () => {
    const xml = render(junitReporter);
    expect(
      xml.startsWith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="braid test" tests="3" failures="1" skipped="1" time="0.420">',
      ),
    ).toBe(true);
    expect(xml).toContain(
      '<testsuite name="ocr/tests/a.test.yaml" tests="2" failures="1" skipped="0" time="0.420">',
    );
    expect(xml).toContain(
      '<testcase classname="ocr" name="reads the sign" file="ocr/tests/a.test.yaml" line="7" time="0.120"/>',
    );
    expect(xml).toContain(
      '<testcase classname="ocr" name="reads &lt;the&gt; &quot;receipt&quot; #2" file="ocr/tests/a.test.yaml" line="19" time="0.300">',
    );
    expect(xml).toContain(
      `<failure message="output 'TEXT': 1 of 4 element(s) differ">output 'TEXT': 1 of 4 element(s) differ\n    at [1]: expected &quot;Espresso&quot;, received &quot;Espress0&quot;\nsteps:`,
    );
    expect(xml).toContain('<skipped/>');
    expect(xml).toContain('<testsuite name="pipeline coverage" tests="1" failures="1"');
    expect(xml).toContain(
      `<failure message="coverage of pipeline 'ocr' is 50%, below --coverage-min 80">`,
    );
    expect(xml.trimEnd().endsWith('</testsuites>')).toBe(true);
    expect(xml.match(/<testsuite /g)).toHaveLength(3);
  });
});

describe('notes on checks that could not be made', () => {
  const noted: CaseResult = {
    file: 'a.test.yaml',
    line: 3,
    pipeline: 'ocr',
    name: 'n',
    status: 'passed',
    durationMs: 1,
    failures: [],
    notes: ['steps: not checked: x'],
  };
  const one = (make: (write: (t: string) => void) => Reporter) => {
    let out = '';
    const r = make(t => (out += t));
    r.caseDone(noted);
    r.end({ passed: 1, failed: 0, skipped: 0, durationMs: 1, coverage: [] });
    return out;
  };

  it('follow the case in every format', () => {
    expect(one(specReporter)).toContain('  ✓ ocr › n (1 ms)\n      note: steps: not checked: x\n');
    expect(one(tapReporter)).toContain('ok 1 - ocr › n\n# steps: not checked: x\n');
    expect(one(junitReporter)).toContain(
      'line="3" time="0.001">\n      <system-out>steps: not checked: x</system-out>\n    </testcase>',
    );
  });
});
