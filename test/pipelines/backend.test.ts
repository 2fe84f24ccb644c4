import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createJsBackend } from '../../backends/js/index.js';
import type { CreateSchedulerOptions, ModelFiles } from '../../engine/core/backend.js';
import type { ModelCatalog } from '../../engine/core/model-catalog.js';
import { ModelConfigSchema } from '../../engine/core/model-config.js';
import { createPipelineBackend, pipelineDependencies } from '../../pipelines/backend.js';
import type { PipelineScheduler } from '../../pipelines/scheduler.js';
import { CountingStats } from './executor/harness.js';
import { FakeCatalog, elementwise, fp32, values } from './fake-catalog.js';

const REPO = fileURLToPath(new URL('../fixtures/pipelines/', import.meta.url));
const catalog = new FakeCatalog([
  elementwise('double', v => v * 2),
  elementwise('inc', v => v + 1),
]);
const js = createJsBackend();
const backend = createPipelineBackend({ catalog, modules: js });
const config = ModelConfigSchema.parse({ name: 'scaled', backend: 'pipeline' });
const loadOpts = (): CreateSchedulerOptions => ({
  signal: new AbortController().signal,
  stats: new CountingStats(),
});
const opened: PipelineScheduler[] = [];

function files(name: string): ModelFiles {
  const modelDir = path.join(REPO, name);
  return {
    modelName: name,
    version: 1,
    modelDir,
    versionDir: path.join(modelDir, '1'),
    modelPath: path.join(modelDir, '1', 'pipeline.yaml'),
  };
}

afterAll(async () => {
  await Promise.all(opened.map(s => s.stop()));
});

describe('the pipeline backend', () => {
  it('is a backend that makes schedulers, found by pipeline.yaml, platform ensemble', () => {
    expect(backend).toMatchObject({
      name: 'pipeline',
      platforms: ['ensemble'],
      defaultModelFilename: 'pipeline.yaml',
    });
    expect('createScheduler' in backend).toBe(true);
    expect('createScheduler' in js).toBe(false);
  });

  it('lists the models a pipeline needs loaded first', async () => {
    expect(await backend.dependencies(files('scaled'))).toEqual([
      { name: 'double' },
      { name: 'inc', version: 1 },
    ]);
    expect(await backend.dependencies(files('nowhere'))).toEqual([]);
    expect(pipelineDependencies('steps: [{ model: a }, { model: a }, { module: x.ts }]')).toEqual([
      { name: 'a' },
    ]);
  });

  it('describes the pipeline as a model signature (symbolic dims as -1)', async () => {
    expect(await backend.describe(files('scaled'))).toEqual({
      inputs: [{ name: 'X', datatype: 'FP32', shape: [-1, 2] }],
      outputs: [{ name: 'Y', datatype: 'FP32', shape: [-1, 2] }],
    });
  });

  it('is unavailable, naming the model and where it is used, while a step model is missing', async () => {
    const p = backend.describe(files('missing-model'));
    await expect(p).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await expect(p).rejects.toThrow(
      /missing-model\/1\/pipeline\.yaml:11:12: error: step 'second': model 'not_loaded' is not in the repository/,
    );
  });

  it('refuses module steps when no JS backend is registered, and says when the file is missing', async () => {
    const bare = createPipelineBackend({ catalog });
    await expect(bare.describe(files('scaled'))).rejects.toThrow(
      /step 'offset': module '.\/offset.ts' needs the JS backend/,
    );
    await expect(bare.describe(files('nowhere'))).rejects.toThrow(
      /pipeline 'nowhere' version 1: cannot read .*nowhere\/1\/pipeline.yaml: the file does not exist/,
    );
  });

  it('serves concurrent requests on one scheduler: models through the catalog, modules in workers', async () => {
    const stats = new CountingStats();
    const scheduler = await backend.createScheduler(config, files('scaled'), {
      ...loadOpts(),
      stats,
    });
    opened.push(scheduler);
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        scheduler.run({ inputs: new Map([['X', fp32([1, 2], [i, 1])]]), batchSize: 1 }),
      ),
    );
    expect(answers.map(a => values(a.outputs.get('Y')))).toEqual(
      Array.from({ length: 20 }, (_, i) => [2 * i + 1.5, 3.5]),
    );
    expect(answers[0]).toMatchObject({ modelName: 'scaled', modelVersion: '1' });
    const two = await scheduler.run({
      inputs: new Map([['X', fp32([2, 2], [1, 2, 3, 4])]]),
      batchSize: 1,
      id: 'r2',
    });
    expect(two).toMatchObject({ id: 'r2', modelName: 'scaled' });
    expect(values(two.outputs.get('Y'))).toEqual([3.5, 5.5, 7.5, 9.5]);
    expect(scheduler.stats().fields.braid_steps.map(s => [s.step, s.ran.count])).toEqual([
      ['double', 21],
      ['inc', 21],
      ['offset', 21],
    ]);
    expect(stats).toMatchObject({ executions: 21, inferences: 21, queuedCount: 0 });
  });

  it('stops its module workers once stopped and then refuses requests', async () => {
    const scheduler = await backend.createScheduler(config, files('scaled'), loadOpts());
    const stopping = scheduler.stop();
    expect(scheduler.stop()).toBe(stopping);
    await stopping;
    await expect(
      scheduler.run({ inputs: new Map([['X', fp32([1, 2], [1, 1])]]), batchSize: 1 }),
    ).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: "pipeline 'scaled' version 1 is unloading",
    });
  });

  // issue #11 section 1: describe compiled the pipeline and createScheduler compiled it again.
  it('compiles a version once per load: the scheduler reuses what describe compiled', async () => {
    let lookups = 0;
    const counting: ModelCatalog = {
      metadata: (n, v) => (lookups++, catalog.metadata(n, v)),
      infer: (r, c) => catalog.infer(r, c),
    };
    const b = createPipelineBackend({ catalog: counting, modules: js });
    const signature = await b.describe(files('scaled'));
    const afterDescribe = lookups;
    expect(afterDescribe).toBeGreaterThan(0);
    const scheduler = await b.createScheduler(config, files('scaled'), {
      ...loadOpts(),
      signature,
    });
    opened.push(scheduler);
    expect(lookups).toBe(afterDescribe);
    opened.push(await b.createScheduler(config, files('scaled'), loadOpts()));
    expect(lookups).toBe(2 * afterDescribe);
  });

  // issue #10 item 1: a module step names a file inside the pipeline's model directory.
  it('refuses a module outside the model directory before importing it, and allows one elsewhere inside', async () => {
    const base = await mkdtemp(path.join(tmpdir(), 'braid-pipeline-'));
    try {
      const module = `import { writeFileSync } from 'node:fs';
writeFileSync(new URL('./imported', import.meta.url), '');
export const inputs = [{ name: 'v', datatype: 'FP32', shape: [-1, 2] }];
export const outputs = [{ name: 'w', datatype: 'FP32', shape: [-1, 2] }];
export function execute({ v }) { return { w: v }; }
`;
      const text = (m: string) =>
        `inputs:\n  X: { datatype: FP32, shape: [B, 2] }\noutputs:\n  Y: { datatype: FP32, shape: [B, 2] }\nsteps:\n  - name: s\n    module: ${m}\n    inputs: { v: X }\n    outputs: { w: Y }\n`;
      await writeFile(path.join(base, 'package.json'), '{ "type": "module" }\n');
      await writeFile(path.join(base, 'outside.js'), module);
      await mkdir(path.join(base, 'p', '1'), { recursive: true });
      await writeFile(
        path.join(base, 'p', 'shared.js'),
        module.replace('./imported', './imported-inside'),
      );
      const pipelineAt = async (m: string): Promise<ModelFiles> => {
        await writeFile(path.join(base, 'p', '1', 'pipeline.yaml'), text(m));
        const modelDir = path.join(base, 'p');
        return {
          modelName: 'p',
          version: 1,
          modelDir,
          versionDir: path.join(modelDir, '1'),
          modelPath: path.join(modelDir, '1', 'pipeline.yaml'),
        };
      };
      const escape = backend.describe(await pipelineAt('../../outside.js'));
      await expect(escape).rejects.toMatchObject({ code: 'INVALID_ARG' });
      await expect(escape).rejects.toThrow(
        /pipeline\.yaml:7:13: error: step 's': module '\.\.\/\.\.\/outside\.js' leaves the model directory: it must name a file inside the model directory/,
      );
      expect(existsSync(path.join(base, 'imported'))).toBe(false);
      expect(await backend.describe(await pipelineAt('../shared.js'))).toMatchObject({
        outputs: [{ name: 'Y' }],
      });
      expect(existsSync(path.join(base, 'p', 'imported-inside'))).toBe(true);
    } finally {
      await rm(base, { recursive: true, force: true });
    }
  });
});
