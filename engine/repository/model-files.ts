/**
 * @module Where one version of a model lives on disk.
 */
import path from 'node:path';
import type { Backend, ModelFiles } from '../core/backend.js';
import type { ModelConfig } from '../core/model-config.js';
import { modelRelativePath } from '../core/model-path.js';

/**
 * Where one version of a model lives: `<root>/<name>/<version>/<file>`, the file being the
 * config's `default_model_filename` or else the backend's default. Pure (nothing is checked on
 * disk; the backend reports a missing file when it reads it). A `default_model_filename` that is
 * absolute or leaves the model directory throws INVALID_ARG before anything is read (issue #10).
 *
 * @example
 * modelFiles('/models', 'simple', 1, config, onnxBackend).modelPath;
 * // '/models/simple/1/model.onnx'
 */
export function modelFiles(
  root: string,
  name: string,
  version: number,
  config: ModelConfig,
  backend: Pick<Backend, 'defaultModelFilename'>,
): ModelFiles {
  const modelDir = path.join(root, name);
  const versionDir = path.join(modelDir, String(version));
  const file = config.default_model_filename || backend.defaultModelFilename;
  const inside = modelRelativePath(file, {
    owner: `model '${name}'`,
    field: 'default_model_filename',
    from: String(version),
  });
  return { modelName: name, version, modelDir, versionDir, modelPath: path.join(modelDir, inside) };
}
