import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/*
 * Vitest runs the session worker from its .ts source; the server runs it from dist/. This
 * runs the compiled backend under plain node, so a worker path that only works from sources
 * fails here. `npm test` builds dist/ first; a missing or older build skips the test.
 */

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const SRC = join(ROOT, 'backends', 'onnxruntime');
const DIST = join(ROOT, 'dist', 'backends', 'onnxruntime');

function distIsFresh(): boolean {
  for (const file of readdirSync(SRC).filter(f => f.endsWith('.ts'))) {
    const built = join(DIST, file.replace(/\.ts$/, '.js'));
    if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(SRC, file)).mtimeMs) return false;
  }
  return true;
}

const url = (...parts: string[]): string => pathToFileURL(join(ROOT, ...parts)).href;

const SCRIPT = `
import { createOnnxRuntimeBackend } from ${JSON.stringify(url('dist', 'backends', 'onnxruntime', 'index.js'))};
import { ModelConfigSchema } from ${JSON.stringify(url('dist', 'engine', 'core', 'model-config.js'))};
const dir = ${JSON.stringify(join(ROOT, 'examples', 'model_repository', 'simple'))};
const files = { modelName: 'simple', version: 1, modelDir: dir, versionDir: dir + '/1', modelPath: dir + '/1/model.onnx' };
const backend = createOnnxRuntimeBackend({ providers: { cuda: false, tensorrt: false }, cores: 1 });
const config = ModelConfigSchema.parse({ name: 'simple', max_batch_size: 8 });
const inst = await backend.createInstance(config, files, {
  signal: new AbortController().signal, index: 0, instanceCount: 1, device: { kind: 'CPU' },
});
const x = { datatype: 'FP32', shape: [1, 16], data: Float32Array.from({ length: 16 }, (_, i) => i) };
const out = await inst.execute(new Map([['INPUT0', x], ['INPUT1', x]]), { signal: new AbortController().signal });
process.stdout.write(JSON.stringify({ kind: inst.constructor.name, worker: inst.current.constructor.name, sum: Array.from(out.get('OUTPUT0').data).slice(0, 4) }));
await inst.dispose();
`;

describe('the compiled backend', () => {
  it.skipIf(!distIsFresh())('runs its session worker from dist/ under plain node and lets the process exit', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--input-type=module', '-e', SCRIPT], {
      cwd: ROOT,
      timeout: 20_000,
    });
    expect(JSON.parse(stdout)).toEqual({ kind: 'RestartingInstance', worker: 'OnnxRuntimeWorkerInstance', sum: [0, 2, 4, 6] });
  });
});
