/**
 * @module The files a sequence model's implicit state starts from (`initial_state.data_file`),
 * read at load from the model's `initial_state/` directory as Triton reads them.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { toEngineError } from '../core/errors.js';
import type { ModelConfig } from '../core/model-config.js';
import { modelRelativePath } from '../core/model-path.js';

/**
 * The bytes of every `sequence_batching.state.initial_state.data_file` of `config`, by the name
 * the config gives, read from `<modelDir>/initial_state/`. Throws INVALID_ARG for a name that
 * leaves the model directory, and naming the file when it cannot be read.
 *
 * @example
 * const files = await readInitialStateFiles('/models/accumulator', config);
 */
export async function readInitialStateFiles(
  modelDir: string,
  config: ModelConfig,
): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  for (const state of config.sequence_batching?.state ?? []) {
    const name = state.initial_state[0]?.data_file;
    if (name === undefined || out.has(name)) continue;
    const rel = modelRelativePath(name, {
      owner: `model '${config.name}'`,
      field: 'sequence_batching.state.initial_state.data_file',
      from: 'initial_state',
    });
    try {
      out.set(name, await readFile(path.join(modelDir, rel)));
    } catch (e) {
      throw toEngineError(
        e,
        'INVALID_ARG',
        `model '${config.name}': cannot read initial_state data_file '${rel}'`,
      );
    }
  }
  return out;
}
