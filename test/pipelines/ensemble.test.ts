// issue #13 item 2: Triton ensembles compile to pipeline plans, checked with config.pbtxt lines.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConfigSource } from '../../engine/core/backend.js';
import type { CatalogTensor } from '../../engine/core/model-catalog.js';
import type { ModelConfig } from '../../engine/core/model-config.js';
import { parseConfigText } from '../../engine/repository/config-file.js';
import { configSource } from '../../engine/repository/config-locator.js';
import { parseModelConfig } from '../../engine/repository/config-parse.js';
import { createPipelineBackend } from '../../pipelines/backend.js';
import { PipelineLoadError } from '../../pipelines/diagnostics.js';
import {
  compileEnsemble,
  ensembleDependencies,
  ensemblePipeline,
} from '../../pipelines/ensemble.js';
import { FakeCatalog } from './fake-catalog.js';

const f32 = (name: string, shape: number[]): CatalogTensor => ({ name, datatype: 'FP32', shape });

function catalog(maxBatchSize = 8): FakeCatalog {
  const io = (mbs: number) => ({
    maxBatchSize: mbs,
    inputs: [f32('X', [-1, 4])],
    outputs: [f32('Y', [-1, 4])],
  });
  return new FakeCatalog([
    {
      name: 'double',
      ...io(maxBatchSize),
      run: i =>
        new Map([
          [
            'Y',
            {
              ...i.get('X')!,
              data: Float32Array.from(i.get('X')!.data as Float32Array, v => v * 2),
            },
          ],
        ]),
    },
    { name: 'double', version: 2, ...io(maxBatchSize), run: i => new Map([['Y', i.get('X')!]]) },
  ]);
}

const ENSEMBLE = `name: "ens"
platform: "ensemble"
max_batch_size: 4
input [ { name: "IN" data_type: TYPE_FP32 dims: [ 4 ] } ]
output [ { name: "OUT" data_type: TYPE_FP32 dims: [ 4 ] } ]
ensemble_scheduling {
  step [
    { model_name: "double" model_version: -1 input_map { key: "X" value: "IN" } output_map { key: "Y" value: "mid" } },
    { model_name: "double" model_version: 2 input_map { key: "X" value: "mid" } output_map { key: "Y" value: "OUT" } }
  ]
}
`;

function read(text: string): { config: ModelConfig; source: ConfigSource } {
  const file = 'ens/config.pbtxt';
  const config = parseModelConfig(parseConfigText(text, file, 'ens'), {
    modelName: 'ens',
    file,
    source: text,
  });
  return { config, source: configSource({ raw: {}, file, source: text })! };
}

async function errors(text: string, cat = catalog()): Promise<string[]> {
  const { config, source } = read(text);
  try {
    await compileEnsemble(config, {
      name: 'ens',
      catalog: cat,
      source,
      fallbackFile: 'ens/config',
    });
  } catch (e) {
    if (e instanceof PipelineLoadError)
      return e.message
        .split('\n')
        .slice(1)
        .map(l => l.trim());
    throw e;
  }
  return [];
}

describe('ensembles as pipelines', () => {
  it("take the ensemble's inputs and outputs from the config, with the batch dimension when it batches", () => {
    const file = ensemblePipeline(read(ENSEMBLE).config);
    expect(file.inputs).toEqual({ IN: { datatype: 'FP32', shape: [-1, 4], optional: false } });
    expect(file.outputs).toEqual({ OUT: { datatype: 'FP32', shape: [-1, 4], optional: false } });
    expect(file.steps.map(s => [s.name, s.model, s.version, s.inputs, s.outputs])).toEqual([
      ['double#1', 'double', undefined, { X: 'IN' }, { Y: 'mid' }],
      ['double#2', 'double', 2, { X: 'mid' }, { Y: 'OUT' }],
    ]);
  });

  it('compile to a plan whose steps call the latest version for -1 and the named one otherwise', async () => {
    const { config, source } = read(ENSEMBLE);
    const { plan } = await compileEnsemble(config, {
      name: 'ens',
      catalog: catalog(),
      source,
      fallbackFile: 'x',
    });
    expect(plan.source).toBe('ens/config.pbtxt');
    expect(plan.steps.map(s => s.target)).toEqual([
      { kind: 'model', model: 'double' },
      { kind: 'model', model: 'double', version: 2 },
    ]);
    expect(ensembleDependencies(config)).toEqual([
      { name: 'double' },
      { name: 'double', version: 2 },
    ]);
  });

  it('report mismatches against the models with the line and column in config.pbtxt', async () => {
    const text = ENSEMBLE.replace(
      'name: "IN" data_type: TYPE_FP32',
      'name: "IN" data_type: TYPE_INT32',
    ).replace('key: "X" value: "mid"', 'key: "Z" value: "mid"');
    expect(await errors(text)).toEqual([
      "ens/config.pbtxt:8:74: error: step 'double#1', tensor 'IN': input 'X' of model 'double' version 1 expects FP32, found INT32 (pipeline input 'IN')",
      "ens/config.pbtxt:9:45: error: step 'double#2': unmapped required input(s) of model 'double' version 2: expected 'X' to be mapped, found no mapping",
      "ens/config.pbtxt:9:62: error: step 'double#2', tensor 'mid': model 'double' version 2 has no input 'Z': expected one of 'X'",
    ]);
  });

  it("refuse a model whose max_batch_size is below the ensemble's, in Triton's words", async () => {
    expect(await errors(ENSEMBLE, catalog(2))).toEqual([
      "ens/config.pbtxt:8:19: error: step 'double#1': ensemble 'ens' allows maximum batch size 4, but it contains model 'double' which only allows maximum batch size to be 2",
      "ens/config.pbtxt:9:19: error: step 'double#2': ensemble 'ens' allows maximum batch size 4, but it contains model 'double' which only allows maximum batch size to be 2",
    ]);
  });

  it('report a step model that is not loaded as UNAVAILABLE, at its model_name', async () => {
    const { config, source } = read(ENSEMBLE.replaceAll('"double"', '"missing"'));
    const err = await compileEnsemble(config, {
      name: 'ens',
      catalog: catalog(),
      source,
      fallbackFile: 'x',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(PipelineLoadError);
    expect((err as PipelineLoadError).code).toBe('UNAVAILABLE');
    expect((err as Error).message).toContain(
      "ens/config.pbtxt:8:19: error: step 'missing#1': model 'missing' is not in the repository",
    );
  });
});

describe('the pipeline backend with an ensemble config', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
  });

  async function files(withPipelineFile: boolean) {
    const root = await mkdtemp(path.join(tmpdir(), 'braid-ens-'));
    dirs.push(root);
    const versionDir = path.join(root, 'ens', '1');
    await mkdir(versionDir, { recursive: true });
    if (withPipelineFile) await writeFile(path.join(versionDir, 'pipeline.yaml'), 'steps: []\n');
    return {
      modelName: 'ens',
      version: 1,
      modelDir: path.join(root, 'ens'),
      versionDir,
      modelPath: path.join(versionDir, 'pipeline.yaml'),
    };
  }

  it('describes the ensemble from its config, and names its dependencies from it', async () => {
    const backend = createPipelineBackend({ catalog: catalog() });
    const context = read(ENSEMBLE);
    const f = await files(false);
    expect(await backend.describe(f, context)).toEqual({
      inputs: [f32('IN', [-1, 4])],
      outputs: [f32('OUT', [-1, 4])],
    });
    expect(await backend.dependencies(f, context)).toEqual([
      { name: 'double' },
      { name: 'double', version: 2 },
    ]);
  });

  it('refuses an ensemble config beside a pipeline file, since they would say two things', async () => {
    const backend = createPipelineBackend({ catalog: catalog() });
    const f = await files(true);
    await expect(backend.describe(f, read(ENSEMBLE))).rejects.toThrow(
      `ensemble 'ens' version 1: its config declares ensemble_scheduling and ${f.modelPath} exists too; keep one of them`,
    );
  });
});
