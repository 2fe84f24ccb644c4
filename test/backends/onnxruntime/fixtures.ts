import { join, resolve } from 'node:path';
import type { InstanceOptions, ModelFiles } from '../../../engine/core/backend.js';
import type { ModelConfig, ModelConfigInput } from '../../../engine/core/model-config.js';
import { ModelConfigSchema } from '../../../engine/core/model-config.js';

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
  return { signal: new AbortController().signal, index: 0, instanceCount: 1, device: { kind: 'CPU' }, ...overrides };
}
