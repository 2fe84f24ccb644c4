import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect } from 'vitest';
import type { InstanceOptions, ModelFiles } from '../../../engine/core/backend.js';
import { EngineError } from '../../../engine/core/errors.js';
import type { ModelConfig, ModelConfigInput } from '../../../engine/core/model-config.js';
import { ModelConfigSchema } from '../../../engine/core/model-config.js';
import type { Tensor } from '../../../engine/core/tensor.js';
import type { MlpOptions } from '../../../examples/tools/onnx-builder.js';
import { buildMlp } from '../../../examples/tools/onnx-builder.js';

const ROOT = resolve(import.meta.dirname, '..', '..', '..');

/** Model directories of the example repository and the test fixtures. */
export const REPOS = {
  examples: join(ROOT, 'examples', 'model_repository'),
  fixtures: join(ROOT, 'test', 'fixtures', 'models'),
} as const;

/** ModelFiles for `<repo>/<name>/<version>/model.onnx`. */
export function filesOf(repo: string, modelName: string, version = 1): ModelFiles {
  const modelDir = join(repo, modelName);
  const versionDir = join(modelDir, String(version));
  return { modelName, version, modelDir, versionDir, modelPath: join(versionDir, 'model.onnx') };
}

/** A config with every default filled in. */
export function configOf(input: ModelConfigInput = {}): ModelConfig {
  return ModelConfigSchema.parse(input);
}

/** Instance options for one CPU instance. */
export function cpuInstance(overrides: Partial<InstanceOptions> = {}): InstanceOptions {
  return {
    signal: new AbortController().signal,
    index: 0,
    instanceCount: 1,
    device: { kind: 'CPU' },
    ...overrides,
  };
}

/** A model written to a temporary repository, removed by `cleanup`. */
export interface TempModel {
  readonly files: ModelFiles;
  cleanup(): Promise<void>;
}

/** Writes `buildMlp(...)` as `<tmp>/<name>/1/model.onnx`, default the 512→2048→512 MLP. */
export async function tempMlp(
  name = 'mlp_big',
  sizes: Partial<MlpOptions> = {},
): Promise<TempModel> {
  const repo = await mkdtemp(join(tmpdir(), 'braid-ort-'));
  const files = filesOf(repo, name);
  await mkdir(files.versionDir, { recursive: true });
  await writeFile(
    files.modelPath,
    buildMlp({ inputSize: 512, hidden: 2048, outputSize: 512, seed: 7, ...sizes }),
  );
  return { files, cleanup: () => rm(repo, { recursive: true, force: true }) };
}

/** An FP32 tensor of `shape` filled by `f(i)`. */
export function fp32(shape: number[], f: (i: number) => number = () => 0): Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return { datatype: 'FP32', shape, data: Float32Array.from({ length: n }, (_, i) => f(i)) };
}

/** The EngineError `p` rejects with; fails the test when it resolves or rejects otherwise. */
export async function rejection(p: Promise<unknown>): Promise<EngineError> {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EngineError);
  return e as EngineError;
}
