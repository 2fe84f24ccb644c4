import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type {
  AnyBackend,
  Backend,
  CreateSchedulerOptions,
  ModelInstance,
  SchedulerBackend,
} from '../../../engine/core/backend.js';
import { SimulatedClock } from '../../../engine/core/clock.js';
import { EngineError } from '../../../engine/core/errors.js';
import { InMemoryLogger } from '../../../engine/core/logger.js';
import type { ModelConfig } from '../../../engine/core/model-config.js';
import { ModelConfigSchema } from '../../../engine/core/model-config.js';
import type { Scheduler } from '../../../engine/core/scheduler.js';
import type { TensorMap } from '../../../engine/core/tensor.js';
import type { LoadPlan } from '../../../engine/lifecycle/model-registry.js';
import { scanRepository } from '../../../engine/repository/index.js';
import type { LoadedVersion } from '../../../engine/runtime/loaded-version.js';
import {
  modelDependencies,
  placements,
  planModelLoad,
  readConfig,
  type ModelLoaderOptions,
} from '../../../engine/runtime/model-loader.js';
import { createPipelineBackend, createStaticCatalog } from '../../../pipelines/index.js';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map(d => rm(d, { recursive: true, force: true })));
});

/** A repository with the given models: `<name>/config.json` (when given) and one file per version. */
async function repository(
  models: Record<string, { config?: object; versions?: number[]; file?: string }>,
): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'braid-loader-'));
  dirs.push(dir);
  for (const [name, m] of Object.entries(models)) {
    await mkdir(path.join(dir, name), { recursive: true });
    if (m.config) await writeFile(path.join(dir, name, 'config.json'), JSON.stringify(m.config));
    for (const v of m.versions ?? [1]) {
      await mkdir(path.join(dir, name, String(v)), { recursive: true });
      await writeFile(
        path.join(dir, name, String(v), m.file ?? 'model.fake'),
        m.file === 'pipeline.yaml' ? PIPELINE : '',
      );
    }
  }
  return dir;
}

const PIPELINE = `inputs:
  X: { datatype: FP32, shape: [B, 2] }
  UNUSED: { datatype: FP32, shape: [B, 2] }
outputs:
  Y: { datatype: FP32, shape: [B, 2] }
steps:
  - { name: a, model: twice, inputs: { x: X }, outputs: { y: Y } }
`;

const SIGNATURE = {
  inputs: [{ name: 'x', datatype: 'FP32' as const, shape: [-1, 2] }],
  outputs: [{ name: 'y', datatype: 'FP32' as const, shape: [-1, 2] }],
};

/** A backend whose instances answer y = x; `failAt` makes that instance's creation fail. */
function instanceBackend(opts: { failAt?: number } = {}): {
  backend: Backend;
  made: ModelInstance[];
  disposed: () => number;
} {
  const made: ModelInstance[] = [];
  let disposed = 0;
  const backend: Backend = {
    name: 'fake',
    platforms: [],
    defaultModelFilename: 'model.fake',
    describe: () => Promise.resolve(SIGNATURE),
    createInstance(_config, files) {
      if (made.length === opts.failAt)
        return Promise.reject(
          new EngineError('INTERNAL', `model '${files.modelName}': no device left`),
        );
      const instance: ModelInstance = {
        execute: (inputs: TensorMap) => Promise.resolve(new Map([['y', inputs.get('x')!]])),
        dispose: () => (disposed++, Promise.resolve()),
      };
      made.push(instance);
      return Promise.resolve(instance);
    },
  };
  return { backend, made, disposed: () => disposed };
}

function loaderOptions(
  backends: readonly AnyBackend[],
  logger = new InMemoryLogger(),
): ModelLoaderOptions {
  return {
    backends,
    clock: new SimulatedClock(),
    logger,
    strictModelConfig: false,
    defaultMaxBatchSize: 4,
    gpuCount: 0,
    maxInstanceCount: 8,
  };
}

async function plan(
  dir: string,
  name: string,
  opts: ModelLoaderOptions,
  override?: string,
): Promise<LoadPlan<LoadedVersion>> {
  const model = (await scanRepository(dir)).models.get(name)!;
  return planModelLoad(model, opts, override);
}

function loadable(
  p: LoadPlan<LoadedVersion>,
): Extract<LoadPlan<LoadedVersion>, { versions: readonly number[] }> {
  if ('error' in p) throw new Error(`expected a load plan, got: ${p.error}`);
  return p;
}

const x = { datatype: 'FP32' as const, shape: [1, 2], data: Float32Array.from([1, 2]) };

describe('planModelLoad', () => {
  it('loads each selected version onto the queue scheduler over the configured instances', async () => {
    const { backend, made, disposed } = instanceBackend();
    const dir = await repository({
      m: {
        config: { backend: 'fake', instance_group: [{ kind: 'KIND_CPU', count: 2 }] },
        versions: [1, 2],
      },
    });
    const p = loadable(await plan(dir, 'm', loaderOptions([backend])));
    expect(p.versions).toEqual([2]);
    const v = await p.loadVersion(2, new AbortController().signal);
    expect(made).toHaveLength(2);
    expect(v).toMatchObject({ name: 'm', version: 2, dependencies: [] });
    expect(v.config.max_batch_size).toBe(4); // auto-completed: the backend's model batches
    const res = await v.run({ modelName: 'm', inputs: new Map([['x', x]]), id: 'q' }, {});
    expect(res).toMatchObject({ id: 'q', modelName: 'm', modelVersion: '2' });
    expect(v.statistics()).toMatchObject({
      name: 'm',
      version: '2',
      inference_count: 1,
      execution_count: 1,
    });
    await Promise.all([v.unload(), v.unload()]);
    expect(disposed()).toBe(2);
  });

  it('disposes the instances already made when one fails, naming the model and version', async () => {
    const { backend, disposed } = instanceBackend({ failAt: 1 });
    const dir = await repository({
      m: { config: { backend: 'fake', instance_group: [{ kind: 'KIND_CPU', count: 3 }] } },
    });
    const logger = new InMemoryLogger();
    const p = loadable(await plan(dir, 'm', loaderOptions([backend], logger)));
    await expect(p.loadVersion(1, new AbortController().signal)).rejects.toThrow(
      "model 'm': no device left",
    );
    expect(disposed()).toBe(1);
    expect(logger.lines.find(l => l.level === 'error')).toMatchObject({
      msg: 'model version UNAVAILABLE',
      fields: { model: 'm', version: 1 },
    });
  });

  it('stops making instances once the load is cancelled', async () => {
    const { backend, made, disposed } = instanceBackend();
    const dir = await repository({
      m: { config: { backend: 'fake', instance_group: [{ kind: 'KIND_CPU', count: 2 }] } },
    });
    const p = loadable(await plan(dir, 'm', loaderOptions([backend])));
    const load = new AbortController();
    load.abort();
    await expect(p.loadVersion(1, load.signal)).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(made).toHaveLength(0);
    expect(disposed()).toBe(0);
  });

  it('turns config problems into a plan with the reason, paths relative to the repository', async () => {
    const { backend } = instanceBackend();
    const dir = await repository({
      bad: { config: { backend: 'fake', max_batch_size: 'many' } },
      none: { config: { backend: 'fake' }, versions: [] },
      gone: { config: { backend: 'fake', version_policy: { specific: { versions: [1, 3] } } } },
      wide: { config: { backend: 'fake', instance_group: [{ kind: 'KIND_CPU', count: 9 }] } },
    });
    const logger = new InMemoryLogger();
    const opts = loaderOptions([backend], logger);
    const reasons = await Promise.all(
      ['bad', 'none', 'gone', 'wide'].map(
        async n => ((await plan(dir, n, opts)) as { error: string }).error,
      ),
    );
    expect(reasons[0]).toContain(
      'bad/config.json:1:36: max_batch_size: Invalid input: expected number, received string',
    );
    expect(reasons[1]).toMatch(/^no version directories found in none$/);
    expect(reasons[2]).toBe('version(s) 3 named by version_policy not found in gone');
    expect(reasons[3]).toBe(
      "model 'wide': instance_group[0].count is 9, which makes 9 instances of each version; at most 8 are allowed (--max-instance-count)",
    );
    expect(reasons.every(r => !r.includes(dir))).toBe(true);
    expect(logger.lines.filter(l => l.msg === 'model UNAVAILABLE')).toHaveLength(4);
  });

  it('gives a model that schedules itself its own scheduler, with what describe returned and the models it calls', async () => {
    const signature = { ...SIGNATURE };
    const made: { config: ModelConfig; opts: CreateSchedulerOptions }[] = [];
    const stop = { called: 0 };
    const scheduler: Scheduler = {
      run: () => Promise.reject(new EngineError('UNSUPPORTED', 'not in this test')),
      stop: () => (stop.called++, Promise.resolve()),
      stats: () => ({ pending: 0, inflight: 0, fields: { braid_parts: ['a'] } }),
    };
    const self: SchedulerBackend = {
      name: 'self',
      platforms: [],
      defaultModelFilename: 'model.self',
      describe: () => Promise.resolve(signature),
      dependencies: () => Promise.resolve([{ name: 'm', version: 1 }]),
      createScheduler: (config, _files, opts) => (
        made.push({ config, opts }),
        Promise.resolve(scheduler)
      ),
    };
    const dir = await repository({ s: { config: { backend: 'self' }, file: 'model.self' } });
    const v = await loadable(
      await plan(dir, 's', loaderOptions([instanceBackend().backend, self])),
    ).loadVersion(1, new AbortController().signal);
    expect(made).toHaveLength(1);
    expect(made[0]!.config.max_batch_size).toBe(0); // it never batches: the models it calls do
    expect(made[0]!.opts.signature).toBe(signature);
    expect(v.dependencies).toEqual([{ name: 'm', version: 1 }]);
    expect(v.statistics()).toMatchObject({ name: 's', braid_parts: ['a'] });
    await v.unload();
    expect(stop.called).toBe(1);
  });

  // issue #11 section 1: a pipeline was compiled by describe and again to make its instance, so
  // every load logged its plan warnings twice.
  it('compiles a pipeline once per load', async () => {
    const catalog = createStaticCatalog([
      { name: 'twice', version: 1, platform: 'fake', maxBatchSize: 0, ...SIGNATURE },
    ]);
    const logger = new InMemoryLogger();
    const dir = await repository({ p: { file: 'pipeline.yaml' } });
    const p = loadable(
      await plan(dir, 'p', loaderOptions([createPipelineBackend({ catalog, logger })])),
    );
    const v = await p.loadVersion(1, new AbortController().signal);
    expect(logger.lines.filter(l => l.level === 'warn' && l.msg.includes('UNUSED'))).toHaveLength(
      1,
    );
    await v.unload();
  });
});

describe('modelDependencies', () => {
  it('lists what a self-scheduling model calls; undefined for other models and unreadable configs', async () => {
    const dir = await repository({
      p: { file: 'pipeline.yaml' },
      m: { config: { backend: 'fake' } },
      broken: { config: { backend: 'nope' } },
    });
    const opts = loaderOptions([
      instanceBackend().backend,
      createPipelineBackend({ catalog: createStaticCatalog([]) }),
    ]);
    const scan = await scanRepository(dir);
    expect(await modelDependencies(scan.models.get('p')!, opts)).toEqual([{ name: 'twice' }]);
    expect(await modelDependencies(scan.models.get('m')!, opts)).toBeUndefined();
    expect(await modelDependencies(scan.models.get('broken')!, opts)).toBeUndefined();
  });
});

describe('readConfig', () => {
  it('reads a load request override as the config, refusing text that is not JSON', async () => {
    const dir = await repository({ m: { config: { backend: 'fake', max_batch_size: 2 } } });
    const model = (await scanRepository(dir)).models.get('m')!;
    expect(
      (await readConfig(model, { strictModelConfig: false }, undefined)).config.max_batch_size,
    ).toBe(2);
    const over = await readConfig(
      model,
      { strictModelConfig: false },
      '{"backend":"fake","max_batch_size":0}',
    );
    expect(over).toMatchObject({ config: { max_batch_size: 0 }, explicitMaxBatch: true });
    await expect(readConfig(model, { strictModelConfig: false }, '{nope')).rejects.toThrow(
      /config override for 'm' is not valid JSON/,
    );
  });
});

describe('placements', () => {
  it('places count instances per listed GPU, on every GPU when none are listed, and on CPU otherwise', () => {
    const config = (groups: object[]) => ModelConfigSchema.parse({ instance_group: groups });
    expect(placements(config([{ kind: 'KIND_GPU', count: 2, gpus: [1] }]), 2)).toEqual([
      { kind: 'GPU', id: 1 },
      { kind: 'GPU', id: 1 },
    ]);
    expect(placements(config([{ kind: 'KIND_GPU', count: 1 }]), 2)).toEqual([
      { kind: 'GPU', id: 0 },
      { kind: 'GPU', id: 1 },
    ]);
    expect(placements(config([{ kind: 'KIND_CPU', count: 2 }]), 2)).toEqual([
      { kind: 'CPU' },
      { kind: 'CPU' },
    ]);
    expect(placements(config([]), 0)).toEqual([{ kind: 'CPU' }]);
  });
});
