// issue #11 item 3: one restart policy for worker instances. A worker that dies is replaced at
// once; a replacement that cannot start is tried again at the next request, never in a loop.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createJsBackend } from '../../../backends/js/index.js';
import type { ModelFiles, ModelInstance } from '../../../engine/core/backend.js';
import { isEngineError } from '../../../engine/core/errors.js';
import { InMemoryLogger } from '../../../engine/core/logger.js';
import { ModelConfigSchema } from '../../../engine/core/model-config.js';
import type { TensorMap } from '../../../engine/core/tensor.js';

const REPO = fileURLToPath(new URL('../../fixtures/js-models/', import.meta.url));
const signal = new AbortController().signal;
const logger = new InMemoryLogger();
const backend = createJsBackend({ logger });
const opened: ModelInstance[] = [];

afterAll(async () => {
  await Promise.all(opened.map(i => i.dispose()));
});

function files(name: string): ModelFiles {
  const modelDir = path.join(REPO, name);
  const versionDir = path.join(modelDir, '1');
  return {
    modelName: name,
    version: 1,
    modelDir,
    versionDir,
    modelPath: path.join(versionDir, 'model.js'),
  };
}

async function open(
  name: string,
  parameters: Record<string, string> = {},
): Promise<ModelInstance & { restarts: number }> {
  const params = Object.fromEntries(
    Object.entries(parameters).map(([k, v]) => [k, { string_value: v }]),
  );
  const config = ModelConfigSchema.parse({ name, backend: 'js', parameters: params });
  const inst = await backend.createInstance(config, files(name), {
    signal,
    index: 0,
    instanceCount: 1,
    device: { kind: 'CPU' },
  });
  opened.push(inst);
  return inst as ModelInstance & { restarts: number };
}

const mode = (v: number): TensorMap =>
  new Map([['MODE', { datatype: 'INT32', shape: [1], data: Int32Array.of(v) }]]);

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isEngineError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a failure');
}

describe('restarts', () => {
  it('tries a replacement that failed to start again at the next request, not in a loop', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'braid-fragile-'));
    try {
      const marker = path.join(dir, 'crash-on-init');
      const inst = await open('fragile', { marker });
      await writeFile(marker, '');
      const crash = await failure(inst.execute(mode(2), { signal }));
      expect(crash.message).toMatch(/exited with code 7\) while executing this request/);
      const down = await failure(inst.execute(mode(0), { signal }));
      expect(down.code).toBe('UNAVAILABLE');
      expect(down.message).toMatch(/model 'fragile': .*exited with code 9.*restart/);
      const settled = inst.restarts;
      // Starting and stopping other workers takes as long as several restarts would; none happens.
      for (let i = 0; i < 3; i++) await (await open('plain')).dispose();
      expect(inst.restarts).toBe(settled);
      await rm(marker);
      expect(
        Array.from((await inst.execute(mode(0), { signal })).get('OUT')!.data as Int32Array),
      ).toEqual([1]);
      expect(inst.restarts).toBe(settled + 1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('does not restart a worker that dies while the instance is first starting', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'braid-fragile-'));
    try {
      const marker = path.join(dir, 'crash-on-init');
      await writeFile(marker, '');
      const before = logger.lines.length;
      const f = await failure(open('fragile', { marker }));
      expect(f).toMatchObject({
        code: 'INTERNAL',
        message: expect.stringMatching(/model 'fragile': .*exited with code 9/),
      });
      expect(logger.lines.slice(before).filter(l => l.msg.includes('starting a new one'))).toEqual(
        [],
      );
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
