/*
 * `braid test --url`: the same test files against a `braid serve` started here, over HTTP
 * (binary tensor extension, step outcomes from braid_debug). Needs dist/ (npm test builds it).
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES, ROOT } from '../support/repo.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';

const FIXTURE = path.join(ROOT, 'test', 'fixtures', 'testing-repo');

function braidTest(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  const child = spawn(
    process.execPath,
    [path.join(ROOT, 'dist', 'engine', 'cli', 'main.js'), 'test', ...args],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  let err = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise(resolve => child.once('close', code => resolve({ code, out, err })));
}

describe('braid test --url against braid serve', () => {
  let server: ServeProcess;
  beforeAll(async () => {
    server = await startServe(['--model-repository', FIXTURE]);
  });
  afterAll(async () => {
    await server?.stop();
  });

  it('runs the cases over HTTP, checks steps from braid_debug, and refuses stubs clearly', async () => {
    const r = await braidTest([FIXTURE, '--url', server.url, '--coverage']);
    expect(r.code).toBe(1);
    expect(r.out).toContain('  ✓ branchy › doubles and increments each element');
    expect(r.out).toContain('  ✓ branchy › returns early when asked to skip');
    expect(r.out).toContain('  ✓ branchy › maps over nothing for an empty input');
    expect(r.out).toContain('  ✗ branchy › retries a model that fails twice, then answers');
    expect(r.out).toContain(
      'stubs need in-process mode: this case stubs double, but --url sends it to a server that runs its real models; run it without --url',
    );
    // Coverage over HTTP comes from braid_debug: the guard both ways, the map empty and not.
    expect(r.out).toContain(
      '  steps 4/4 (100%), guards 2/2 (100%), maps 2/2 (100%), error policies 0/2 (0%)',
    );
    expect(r.out.endsWith('\n3 passed, 3 failed\n')).toBe(true);
  });

  it('exits 0 when the cases that can run over HTTP pass', async () => {
    const r = await braidTest([
      path.join(FIXTURE, 'branchy', 'tests', 'branchy.test.yaml'),
      '--url',
      server.url,
      '--reporter',
      'tap',
    ]);
    expect(r.code).toBe(0);
    expect(r.out.split('\n').slice(0, 5)).toEqual([
      'TAP version 13',
      'ok 1 - branchy › doubles and increments each element',
      'ok 2 - branchy › returns early when asked to skip',
      'ok 3 - branchy › maps over nothing for an empty input',
      '1..3',
    ]);
    expect(r.err).toBe('3 passed, 0 failed\n');
  });

  it('runs contract tests kept apart from any repository', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'braid-contract-'));
    try {
      const file = path.join(dir, 'contract.test.yaml');
      await writeFile(
        file,
        'pipeline: branchy\ncases:\n  - name: doubles\n    inputs: { X: { datatype: FP32, shape: [1], data: [2] } }\n    expect: { outputs: { Y: { data: [5] } } }\n',
      );
      const r = await braidTest([file, '--url', server.url]);
      expect([r.code, r.out.trimEnd().split('\n').at(-1)]).toEqual([0, '1 passed, 0 failed']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('the ocr example against a server', () => {
  let server: ServeProcess;
  beforeAll(async () => {
    server = await startServe(['--model-repository', EXAMPLES]);
  }, 120_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('reads the committed images sent as BYTES over HTTP, as in-process', async () => {
    const r = await braidTest([
      path.join(EXAMPLES, 'ocr', 'tests', 'ocr.test.yaml'),
      '--url',
      server.url,
    ]);
    expect(r.out).toContain(
      '  ✓ ocr › reads the receipt line by line, where the boxes were last time',
    );
    expect(r.out).toContain('  ✓ ocr › refuses what is not an image');
    expect(r.out).toContain(
      '      note: steps: not checked: a server reports no step outcomes for a failed request; in-process checks them',
    );
    expect([r.code, r.out.trimEnd().split('\n').at(-1)]).toEqual([0, '6 passed, 0 failed']);
  }, 60_000);
});
