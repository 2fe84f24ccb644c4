/*
 * `braid test` end to end in this process, over test/fixtures/testing-repo (JS models only, so
 * each run takes about a second).
 */
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runTestCommand } from '../../../../engine/cli/test/command.js';
import { ROOT, tempRepository } from '../../../support/repo.js';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'testing-repo');

async function braidTest(...argv: string[]) {
  let out = '';
  let err = '';
  const code = await runTestCommand(argv, { out: t => void (out += t), err: t => void (err += t) });
  return { code, out, err };
}

const FAILING = `pipeline: branchy
cases:
  - name: passes
    inputs: { X: { datatype: FP32, shape: [1], data: [1] } }
    expect: { outputs: { Y: { data: [3] } } }
  - name: expects the wrong values
    inputs: { X: { datatype: FP32, shape: [2], data: [1, 2] } }
    expect:
      outputs: { Y: { data: [3, 6] } }
  - name: records its output
    inputs: { X: { datatype: FP32, shape: [1], data: [2] } }
    expect: { outputs: { Y: { snapshot: true } } }
`;

describe('braid test', () => {
  let repo: { dir: string; dispose(): Promise<void> };
  beforeAll(async () => {
    repo = await tempRepository({
      branchy: path.join(FIXTURE, 'branchy'),
      double: path.join(FIXTURE, 'double'),
      inc: path.join(FIXTURE, 'inc'),
    });
    await writeFile(path.join(repo.dir, 'branchy', 'tests', 'failing.test.yaml'), FAILING);
  });
  afterAll(() => repo.dispose());

  it('runs a repository in-process: exit 0, a line per case, coverage, the summary line', async () => {
    const r = await braidTest(FIXTURE, '--coverage-min', '100');
    expect(r.code).toBe(0);
    expect(r.out).toContain('  ✓ branchy › retries a model that fails twice, then answers');
    expect(r.out).toContain("Coverage of pipeline 'branchy': 10/10 (100%)");
    expect(r.out.endsWith('\n6 passed, 0 failed\n')).toBe(true);
  });

  it('fails with what differed, where the case is, and how each step went', async () => {
    const r = await braidTest(path.join(repo.dir, 'branchy', 'tests', 'failing.test.yaml'));
    expect(r.code).toBe(1);
    expect(r.out).toContain('  ✗ branchy › expects the wrong values (');
    expect(r.out).toContain(
      [
        `      at ${path.join(repo.dir, 'branchy', 'tests', 'failing.test.yaml')}:6`,
        "      output 'Y': values: 1 of 2 element(s) differ (atol 0, rtol 0)",
        '          at [1]: expected 6, received 5 (abs error 1)',
        '          max abs error 1 at [1]; max rel error 0.1666667 at [1]',
      ].join('\n'),
    );
    expect(r.out).toMatch(
      / {6}steps:\n {8}skip +skipped .*guard false\n {8}double +ran .* ms\n {8}each +ran .* ms {2}2 item\(s\)\n/,
    );
    expect(r.out).toContain(
      "output 'Y': no snapshot is recorded for it yet; run braid test --update to record the current value",
    );
    expect(r.out.endsWith('\n1 passed, 2 failed\n')).toBe(true);
  });

  it('records snapshots with --update and compares against them afterwards', async () => {
    const file = path.join(repo.dir, 'branchy', 'tests', 'failing.test.yaml');
    expect((await braidTest(file, '--update', '--filter', 'records')).code).toBe(0);
    const golden = await readFile(
      path.join(repo.dir, 'branchy', 'tests', '__snapshots__', 'failing.test.yaml.json'),
      'utf8',
    );
    expect(golden).toContain(
      '"records its output": {\n    "Y": { "datatype": "FP32", "shape": [1], "data": [5] }',
    );
    const again = await braidTest(file, '--filter', 'RECORDS');
    expect([again.code, again.out.trimEnd().split('\n').at(-1)]).toEqual([0, '1 passed, 0 failed']);
  });

  it('writes JUnit XML to --output, with the summary line on stdout', async () => {
    const xmlFile = path.join(repo.dir, 'report.xml');
    const r = await braidTest(
      path.join(repo.dir, 'branchy'),
      '--reporter',
      'junit',
      '--output',
      xmlFile,
      '--filter',
      'wrong values',
    );
    expect(r).toMatchObject({ code: 1, out: '0 passed, 1 failed\n' });
    const xml = await readFile(xmlFile, 'utf8');
    expect(xml).toContain('<testcase classname="branchy" name="expects the wrong values"');
    expect(xml).toContain(
      `<failure message="output 'Y': values: 1 of 2 element(s) differ (atol 0, rtol 0)">`,
    );
  });

  it('fails when coverage is below --coverage-min, saying which pipeline and by how much', async () => {
    const r = await braidTest(
      path.join(FIXTURE, 'branchy', 'tests', 'branchy.test.yaml'),
      '--reporter',
      'tap',
      '--coverage-min',
      '90',
    );
    expect(r.code).toBe(1);
    expect(r.out).toContain("# Coverage of pipeline 'branchy': 8/10 (80%)");
    expect(r.err).toBe(
      "coverage of pipeline 'branchy' is 80%, below --coverage-min 90\n3 passed, 0 failed\n",
    );
  });

  it('reports a test file that cannot be read as a failure with its line', async () => {
    await writeFile(
      path.join(repo.dir, 'branchy', 'tests', 'broken.test.yaml'),
      'pipeline: branchy\ncases:\n  - name: a\n    inptus: {}\n',
    );
    const r = await braidTest(path.join(repo.dir, 'branchy', 'tests', 'broken.test.yaml'));
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/broken\.test\.yaml:4:5: cases\[0\]\.inptus: unknown key 'inptus'/);
  });

  it('says when nothing matches, and refuses bad flags', async () => {
    const r = await braidTest(FIXTURE, '--filter', 'no such case');
    expect(r.code).toBe(1);
    expect(r.err).toBe(
      "braid test: no test cases found matching 'no such case' (test files are named *.test.yaml)\n",
    );
    await expect(braidTest()).rejects.toThrow(
      'give the test files or directories to run, or --model-repository',
    );
    await expect(braidTest(FIXTURE, '--reporter', 'xml')).rejects.toThrow(
      "--reporter must be spec, tap or junit, got 'xml'",
    );
    await expect(braidTest(FIXTURE, '--coverage-min', '120')).rejects.toThrow(
      '--coverage-min must be a percentage from 0 to 100',
    );
    await expect(braidTest(FIXTURE, '--url', 'localhost:8000')).rejects.toThrow(
      '--url must start with http:// or https://',
    );
  });
});
