// issue #10 item 1: a file a model's code names from its parameters stays inside the model
// directory, so a load override cannot point a module at a host file.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createJsBackend } from '../../../backends/js/index.js';
import type { ModelFiles, ModelInstance } from '../../../engine/core/backend.js';
import { isEngineError } from '../../../engine/core/errors.js';
import { ModelConfigSchema } from '../../../engine/core/model-config.js';

const MODEL_DIR = fileURLToPath(new URL('../../fixtures/js-models/reader/', import.meta.url));
const backend = createJsBackend();
const opened: ModelInstance[] = [];

const files: ModelFiles = {
  modelName: 'reader',
  version: 1,
  modelDir: MODEL_DIR,
  versionDir: path.join(MODEL_DIR, '1'),
  modelPath: path.join(MODEL_DIR, '1', 'model.js'),
};

async function open(file: string): Promise<ModelInstance> {
  const config = ModelConfigSchema.parse({
    name: 'reader',
    backend: 'js',
    parameters: { file: { string_value: file } },
  });
  const inst = await backend.createInstance(config, files, {
    signal: new AbortController().signal,
    index: 0,
    instanceCount: 1,
    device: { kind: 'CPU' },
  });
  opened.push(inst);
  return inst;
}

async function lengthRead(inst: ModelInstance): Promise<number> {
  const x = { datatype: 'INT32' as const, shape: [1], data: Int32Array.of(0) };
  const out = await inst.execute(new Map([['x', x]]), { signal: new AbortController().signal });
  return (out.get('length')!.data as Int32Array)[0]!;
}

afterAll(async () => {
  await Promise.all(opened.map(i => i.dispose()));
});

describe('JsModelContext.resolveFile', () => {
  it('resolves a name relative to the version directory', async () => {
    expect(await lengthRead(await open('data.txt'))).toBe('twelve bytes'.length);
    expect(await lengthRead(await open('../1/./data.txt'))).toBe('twelve bytes'.length);
  });

  it.each(['../../plain/1/model.js', '/etc/hostname', '..\\..\\x'])(
    'refuses %s, naming the rule',
    async name => {
      const err = await open(name).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isEngineError(err)).toBe(true);
      expect(err).toMatchObject({ code: 'INVALID_ARG' });
      expect((err as Error).message).toContain("model 'reader': resolveFile");
      expect((err as Error).message).toContain('must name a file inside the model directory');
    },
  );
});
