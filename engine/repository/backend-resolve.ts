/**
 * @module Picks the backend that serves a model from its config, as Triton does.
 */
import type { BackendBase } from '../core/backend.js';
import { EngineError } from '../core/errors.js';
import type { ModelConfig } from '../core/model-config.js';

/**
 * Picks the backend that serves a model, as Triton does: by the config's `backend`, else by its
 * `platform`, else by the model file name (`default_model_filename` when set, otherwise the first
 * backend whose default file name is among `versionDirFiles`, in registration order). Pure;
 * throws INVALID_ARG naming the backends that exist and the file names looked for.
 *
 * @example
 * const backend = resolveBackend(config, backends, await readdir(versionDir));
 */
export function resolveBackend<B extends BackendBase>(
  config: ModelConfig,
  backends: readonly B[],
  versionDirFiles: readonly string[],
): B {
  const model = `model '${config.name}'`;
  const available = `available backends: ${backends.map(b => b.name).join(', ') || 'none'}`;
  if (config.backend !== '') {
    const byName = backends.find(b => b.name === config.backend);
    if (byName) return byName;
    throw new EngineError(
      'INVALID_ARG',
      `${model}: backend '${config.backend}' is not available (${available})`,
    );
  }
  if (config.platform !== '') {
    const byPlatform = backends.find(b => b.platforms.includes(config.platform));
    if (byPlatform) return byPlatform;
    throw new EngineError(
      'INVALID_ARG',
      `${model}: no backend serves platform '${config.platform}' (${available})`,
    );
  }
  const lookedFor =
    backends.map(b => `${fileNames(b).join(' or ')} (${b.name})`).join(', ') || 'none';
  if (config.default_model_filename !== '') {
    const byFile = backends.find(b => b.defaultModelFilename === config.default_model_filename);
    if (byFile) return byFile;
    throw new EngineError(
      'INVALID_ARG',
      `${model}: cannot tell which backend serves it: the config sets neither backend nor ` +
        `platform, and default_model_filename '${config.default_model_filename}' is not a ` +
        `backend's default file name ` +
        `(looked for ${lookedFor}); set 'backend' in the config (${available})`,
    );
  }
  const present = new Set(versionDirFiles);
  const byDir = backends.find(b => fileNames(b).some(f => present.has(f)));
  if (byDir) return byDir;
  throw new EngineError(
    'INVALID_ARG',
    `${model}: cannot tell which backend serves it: the config sets neither backend nor ` +
      `platform, and the version directory holds none of ${lookedFor}; set 'backend' in the ` +
      `config (${available})`,
  );
}

function fileNames(b: BackendBase): string[] {
  return [b.defaultModelFilename, ...(b.modelFilenames ?? [])];
}
