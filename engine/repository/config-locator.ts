/**
 * @module Where a path inside a config file's text is, for errors that point into the file.
 */
import type { ConfigSource } from '../core/backend.js';
import type { RawModelConfig } from './config-file.js';
import { parsePbtxtConfig, pbtxtLocator } from './pbtxt/config.js';
import { createSourceLocator } from './source-position.js';
import type { SourceLocator } from './source-position.js';

/**
 * A locator of paths inside a config file's text: protobuf text format for `.pbtxt` files, YAML
 * (which JSON is a subset of) for anything else. Undefined when a .pbtxt text does not parse,
 * since nothing in it can be located then.
 *
 * @example
 * const at = createConfigLocator(text, '/models/simple/config.pbtxt');
 * at?.(['max_batch_size']); // { line: 3, col: 17 }
 */
export function createConfigLocator(
  source: string,
  file: string | undefined,
): SourceLocator | undefined {
  if (file?.endsWith('.pbtxt') !== true) return createSourceLocator(source);
  try {
    return pbtxtLocator(parsePbtxtConfig(source).positions);
  } catch {
    return undefined;
  }
}

/**
 * Where a config read from disk came from, for backends whose load errors point into it (an
 * ensemble's steps); undefined when the model has no config file.
 *
 * @example
 * const source = configSource(await readModelConfig(dir));
 * source?.locate(['ensemble_scheduling', 'step', 0]); // { line: 12, col: 5 }
 */
export function configSource(read: RawModelConfig): ConfigSource | undefined {
  if (read.file === undefined || read.source === undefined) return undefined;
  const locate = createConfigLocator(read.source, read.file);
  return { file: read.file, locate: (path, opts) => locate?.(path, opts) };
}
