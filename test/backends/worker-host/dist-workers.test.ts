import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

/*
 * Vitest runs the workers from their .ts sources; the server runs them from dist/. This runs
 * the compiled backends under plain node started with `--input-type=module -e`, so a worker path
 * that only works from sources, or a worker that inherits options only the main entry may have,
 * fails here. `npm test` builds dist/ first; a missing or older build skips the test.
 */

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const SOURCES = ['backends/worker-host', 'backends/js', 'backends/onnxruntime'];

function distIsFresh(): boolean {
  for (const dir of SOURCES) {
    for (const file of readdirSync(join(ROOT, dir)).filter(f => f.endsWith('.ts'))) {
      const built = join(ROOT, 'dist', dir, file.replace(/\.ts$/, '.js'));
      if (!existsSync(built) || statSync(built).mtimeMs < statSync(join(ROOT, dir, file)).mtimeMs)
        return false;
    }
  }
  return true;
}

const url = (...parts: string[]): string =>
  JSON.stringify(pathToFileURL(join(ROOT, ...parts)).href);
const signal = 'new AbortController().signal';
const instanceOptions = `{ signal: ${signal}, index: 0, instanceCount: 1, device: { kind: 'CPU' } }`;

function filesOf(repo: string, name: string, file: string): string {
  const dir = JSON.stringify(join(ROOT, repo, name));
  return `{ modelName: '${name}', version: 1, modelDir: ${dir}, versionDir: ${dir} + '/1', modelPath: ${dir} + '/1/${file}' }`;
}

const ONNX = `
import { createOnnxRuntimeBackend } from ${url('dist', 'backends', 'onnxruntime', 'index.js')};
import { ModelConfigSchema } from ${url('dist', 'engine', 'core', 'model-config.js')};
const backend = createOnnxRuntimeBackend({ providers: { cuda: false, tensorrt: false }, cores: 1 });
const config = ModelConfigSchema.parse({ name: 'simple', max_batch_size: 8 });
const inst = await backend.createInstance(config, ${filesOf('examples/model_repository', 'simple', 'model.onnx')}, ${instanceOptions});
const x = { datatype: 'FP32', shape: [1, 16], data: Float32Array.from({ length: 16 }, (_, i) => i) };
const out = await inst.execute(new Map([['INPUT0', x], ['INPUT1', x]]), { signal: ${signal} });
process.stdout.write(JSON.stringify({ kind: inst.constructor.name, sum: Array.from(out.get('OUTPUT0').data).slice(0, 4) }));
await inst.dispose();
`;

const JS = `
import { createJsBackend } from ${url('dist', 'backends', 'js', 'index.js')};
import { ModelConfigSchema } from ${url('dist', 'engine', 'core', 'model-config.js')};
const backend = createJsBackend();
const files = ${filesOf('test/fixtures/js-models', 'plain', 'model.js')};
const signature = await backend.describe(files);
const inst = await backend.createInstance(ModelConfigSchema.parse({ name: 'plain', backend: 'js' }), files, ${instanceOptions});
const out = await inst.execute(new Map([['a', { datatype: 'INT32', shape: [2], data: Int32Array.of(4, 5) }]]), { signal: ${signal} });
process.stdout.write(JSON.stringify({ outputs: signature.outputs.map(o => o.name), b: Array.from(out.get('b').data) }));
await inst.dispose();
`;

async function runEval(script: string): Promise<unknown> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--input-type=module', '-e', script],
    { cwd: ROOT, timeout: 20_000 },
  );
  return JSON.parse(stdout);
}

describe.skipIf(!distIsFresh())('the compiled backends under node --input-type=module -e', () => {
  it('runs an ONNX session worker from dist/ and lets the process exit', async () => {
    expect(await runEval(ONNX)).toEqual({ kind: 'OnnxRuntimeWorkerInstance', sum: [0, 2, 4, 6] });
  });

  // issue #11 item 3: JS model workers inherited --input-type and died before loading the model.
  it('runs a JS model worker from dist/ and lets the process exit', async () => {
    expect(await runEval(JS)).toEqual({ outputs: ['b'], b: [5, 6] });
  });
});
