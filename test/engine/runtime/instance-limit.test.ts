// issue #10 item 3: one request must not be able to start an unbounded number of instances.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Backend, ModelInstance } from '../../../engine/core/backend.js';
import { ModelConfigSchema } from '../../../engine/core/model-config.js';
import { createEngine, type Engine, type EngineOptions } from '../../../engine/runtime/engine.js';
import {
  checkInstanceCount,
  DEFAULT_MAX_INSTANCE_COUNT,
} from '../../../engine/runtime/instance-limit.js';
import { createApp } from '../../../engine/server/app.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** A backend whose instances do nothing but count themselves. */
function countingBackend(): Backend & { created: number } {
  const backend = {
    created: 0,
    name: 'counting',
    platforms: [],
    defaultModelFilename: 'model.count',
    describe: () =>
      Promise.resolve({
        inputs: [{ name: 'x', datatype: 'FP32' as const, shape: [1] }],
        outputs: [{ name: 'y', datatype: 'FP32' as const, shape: [1] }],
      }),
    createInstance(): Promise<ModelInstance> {
      backend.created++;
      return Promise.resolve({
        execute: inputs => Promise.resolve(new Map([['y', inputs.get('x')!]])),
        dispose: () => Promise.resolve(),
      });
    },
  };
  return backend;
}

async function engineWith(
  config: object,
  opts: Partial<EngineOptions> = {},
): Promise<{ engine: Engine; backend: ReturnType<typeof countingBackend> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'braid-instances-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  await mkdir(path.join(dir, 'm', '1'), { recursive: true });
  await writeFile(path.join(dir, 'm', '1', 'model.count'), '');
  await writeFile(
    path.join(dir, 'm', 'config.json'),
    JSON.stringify({ backend: 'counting', ...config }),
  );
  const backend = countingBackend();
  const engine = await createEngine({
    modelRepository: dir,
    backends: [backend],
    controlMode: 'explicit',
    loadModels: ['*'],
    ...opts,
  });
  cleanups.push(() => engine.shutdown(5000));
  return { engine, backend };
}

const group = (count: number, extra: object = {}) => ({
  instance_group: [{ kind: 'KIND_CPU', count, ...extra }],
});

describe('checkInstanceCount', () => {
  const config = (raw: object) => ModelConfigSchema.parse({ name: 'm', ...raw });

  it('accepts up to the limit, summed over groups and kinds', () => {
    const raw = {
      instance_group: [
        { kind: 'KIND_CPU', count: 2 },
        { kind: 'KIND_GPU', count: 1, gpus: [0, 1] },
      ],
    };
    expect(() =>
      checkInstanceCount(config(raw), { modelName: 'm', gpuCount: 2, limit: 4 }),
    ).not.toThrow();
  });

  it('counts a GPU group once per GPU and names the group that goes over', () => {
    const raw = {
      instance_group: [
        { kind: 'KIND_CPU', count: 2 },
        { kind: 'KIND_GPU', count: 2 },
      ],
    };
    expect(() =>
      checkInstanceCount(config(raw), { modelName: 'm', gpuCount: 2, limit: 5 }),
    ).toThrow(
      "model 'm': instance_group[1].count is 2, which makes 6 instances of each version; at most 5 are allowed (--max-instance-count)",
    );
  });

  it('refuses with INVALID_ARG', () => {
    expect(() =>
      checkInstanceCount(config(group(65)), {
        modelName: 'm',
        gpuCount: 0,
        limit: DEFAULT_MAX_INSTANCE_COUNT,
      }),
    ).toThrow(expect.objectContaining({ code: 'INVALID_ARG' }));
  });
});

describe('loading a model with too many instances', () => {
  it('leaves a model whose config file asks for too many UNAVAILABLE, creating no instance', async () => {
    const { engine, backend } = await engineWith(group(10_000));
    const [row] = await engine.repositoryIndex(false);
    expect(row).toMatchObject({ name: 'm', state: 'UNAVAILABLE' });
    expect(row!.reason).toMatch(
      /instance_group\[0\]\.count is 10000.*at most 64 are allowed \(--max-instance-count\)/,
    );
    expect(backend.created).toBe(0);
  });

  it('refuses a load override over the limit with INVALID_ARG and keeps the loaded version', async () => {
    const { engine, backend } = await engineWith(group(2), { maxInstanceCount: 3 });
    expect(backend.created).toBe(2);
    const override = JSON.stringify({ backend: 'counting', ...group(4) });
    await expect(engine.load('m', { config: override })).rejects.toMatchObject({
      code: 'INVALID_ARG',
      message: expect.stringMatching(/instance_group\[0\]\.count is 4.*at most 3/),
    });
    expect(backend.created).toBe(2);
    expect(engine.isModelReady('m')).toBe(true);
  });

  it('answers HTTP 400 naming the field, the value and the limit', async () => {
    const { engine, backend } = await engineWith(group(1));
    const app = createApp(engine);
    const config = JSON.stringify({ backend: 'counting', ...group(1000) });
    const res = await app.request('/v2/repository/models/m/load', {
      method: 'POST',
      body: JSON.stringify({ parameters: { config } }),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /model 'm': instance_group\[0\]\.count is 1000, which makes 1000 instances of each version; at most 64 are allowed \(--max-instance-count\)/,
    );
    expect(backend.created).toBe(1);
  });
});
