/*
 * The project's own run of `braid test examples/model_repository` (dist/, as users run it): every
 * example pipeline's tests pass, and they cover every step, guard and map of `ocr`. Also checks
 * that the package's `braid/testing` entry point resolves to the built library.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/repo.js';

describe('braid test examples/model_repository', () => {
  it('passes, with 100 % coverage of the ocr pipeline', async () => {
    const child = spawn(
      process.execPath,
      [
        path.join(ROOT, 'dist', 'engine', 'cli', 'main.js'),
        'test',
        'examples/model_repository',
        '--coverage-min',
        '100',
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>(resolve => child.once('close', resolve));
    expect(out).not.toContain('✗');
    expect(out).toContain("Coverage of pipeline 'ocr': 15/15 (100%)");
    expect(out).toContain(
      '  steps 9/9 (100%), guards 2/2 (100%), maps 4/4 (100%), error policies none',
    );
    expect(out).toMatch(/\n12 passed, 0 failed\n$/);
    expect(code).toBe(0);
  }, 120_000);

  it('answers a plain node script, whose process nothing else holds open while models run', () => {
    // Engine timers and model workers do not keep a process alive; a script awaiting a request
    // used to exit with code 13 (unsettled top-level await) in the middle of the ocr pipeline.
    // A file, not --eval: workers inherit the flags of the process, and refuse --input-type.
    const script = [
      `import { createTestEngine } from ${JSON.stringify(pathToFileURL(path.join(ROOT, 'dist', 'engine', 'cli', 'testing', 'index.js')).href)};`,
      "const t = await createTestEngine({ repository: 'examples/model_repository', models: ['ocr'] });",
      "const res = await t.infer('ocr', { IMAGE: { datatype: 'BYTES', shape: [1], file: 'examples/images/sign.png' } });",
      "console.log([...res.outputs.keys()].join(','));",
      'await t.close();',
    ].join('\n');
    const dir = mkdtempSync(path.join(tmpdir(), 'braid-script-'));
    try {
      writeFileSync(path.join(dir, 'script.mjs'), script);
      // The script must end by itself once closed: a helper thread left ref'd kept it alive
      // (the precise timers' helper did). The timeout turns such a hang into a failure.
      const r = spawnSync(process.execPath, [path.join(dir, 'script.mjs')], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 50_000,
      });
      expect([r.status, r.stdout.trim(), r.stderr]).toEqual([0, 'TEXT,BOXES,SCORES', '']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);

  it('exports braid/testing from the built package', () => {
    const script =
      "const m = await import('braid/testing'); console.log([typeof m.createTestEngine, typeof m.expectOutputs, typeof m.expectSteps].join(' '));";
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      cwd: ROOT,
      encoding: 'utf8',
    });
    expect(r.stderr).toBe('');
    expect(r.stdout.trim()).toBe('function function function');
  });
});
