import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { findTestFiles, repositoryOf } from '../../../../engine/cli/test/discover.js';
import { parseTestFile } from '../../../../engine/cli/test/test-file.js';

describe('test files', () => {
  it('parse with defaults and the line of each case', () => {
    const f = parseTestFile(
      'pipeline: ocr\ncases:\n  - name: a\n    inputs: {}\n\n  - name: b\n    repeat: 3\n',
      '/r/ocr/tests/a.test.yaml',
      'a.test.yaml',
    );
    expect(f.caseLines).toEqual([3, 6]);
    expect(f.decl.cases[1]).toMatchObject({
      name: 'b',
      repeat: 3,
      warmup: 0,
      skip: false,
      expect: {},
    });
  });

  it('report every problem with file, line and column', () => {
    const text =
      'pipeline: ocr\ncases:\n  - name: a\n    expect:\n      outptus: {}\n  - name: b\n    repeat: 0\n';
    expect(() => parseTestFile(text, '/r/a.test.yaml', 'a.test.yaml')).toThrow(
      "a.test.yaml:5:7: cases[0].expect.outptus: unknown key 'outptus'\na.test.yaml:7:13: cases[1].repeat: Too small: expected number to be >=1",
    );
    expect(() => parseTestFile('pipeline: [\n', '/r/a.test.yaml', 'a.test.yaml')).toThrow(
      /^a\.test\.yaml:2:1: YAML syntax/,
    );
    expect(() =>
      parseTestFile(
        'pipeline: ocr\ncases:\n  - name: a\n  - name: a\n',
        '/r/a.test.yaml',
        'a.test.yaml',
      ),
    ).toThrow("a.test.yaml:4: two cases are named 'a'");
  });
});

describe('finding test files', () => {
  let dir: string;
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('searches directories for *.test.yaml, skipping node_modules, snapshots and dot-directories', async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'braid-find-'));
    for (const d of ['ocr/tests/__snapshots__', 'ocr/1', 'node_modules/x', '.hidden', 'simple'])
      await mkdir(path.join(dir, d), { recursive: true });
    for (const f of [
      'ocr/tests/a.test.yaml',
      'ocr/tests/b.test.yaml',
      'ocr/tests/__snapshots__/a.test.yaml',
      'node_modules/x/c.test.yaml',
      '.hidden/d.test.yaml',
      'ocr/tests/notes.yaml',
    ]) {
      await writeFile(path.join(dir, f), 'pipeline: ocr\n');
    }
    expect(await findTestFiles([dir])).toEqual([
      path.join(dir, 'ocr/tests/a.test.yaml'),
      path.join(dir, 'ocr/tests/b.test.yaml'),
    ]);
    expect(await findTestFiles([path.join(dir, 'ocr/tests/notes.yaml')])).toEqual([
      path.join(dir, 'ocr/tests/notes.yaml'),
    ]);
    await expect(findTestFiles([path.join(dir, 'nope')])).rejects.toThrow(
      `braid test: ${path.join(dir, 'nope')} does not exist`,
    );
  });

  it('finds the repository of a test file above it, by the model it names', async () => {
    expect(await repositoryOf(path.join(dir, 'ocr/tests/a.test.yaml'), 'ocr')).toBe(dir);
    expect(await repositoryOf(path.join(dir, 'ocr/tests/a.test.yaml'), 'simple')).toBe(dir);
    expect(
      await repositoryOf(path.join(dir, 'ocr/tests/a.test.yaml'), 'missing-model-xyz'),
    ).toBeUndefined();
  });
});
