/**
 * @module config.pbtxt, read as Triton reads it: protobuf text format against model_config.proto,
 * into the same plain object a config.yaml with the same content gives, with a locator that
 * points validation errors at the .pbtxt's lines.
 */
import type { SourceLocator } from '../source-position.js';
import { parsePbtxt } from './parse.js';
import { modelConfigType } from './schema.js';
import { pathKey, toRaw } from './to-raw.js';
import type { PathPosition, RawMessage } from './to-raw.js';

/**
 * Parses the text of a config.pbtxt. Throws PbtxtSyntaxError (line, column, reason) on text that
 * is not a valid `inference.ModelConfig`.
 *
 * @example
 * parsePbtxtConfig('name: "simple"\nmax_batch_size: 8\n').raw; // { name: 'simple', max_batch_size: 8 }
 */
export function parsePbtxtConfig(text: string): RawMessage {
  return toRaw(parsePbtxt(text, modelConfigType()));
}

/**
 * A locator over a parsed config.pbtxt, with the contract of the YAML one: `key` asks for the
 * field name rather than its value, and a path past what the file holds resolves to the deepest
 * part that exists.
 *
 * @example
 * const at = pbtxtLocator(parsePbtxtConfig(text).positions);
 * at(['input', 0, 'dims']); // { line: 5, col: 11 }
 */
export function pbtxtLocator(positions: ReadonlyMap<string, PathPosition>): SourceLocator {
  return (path, opts = {}) => {
    for (let n = path.length; n > 0; n--) {
      const found = positions.get(pathKey(path.slice(0, n)));
      if (!found) continue;
      const pos = opts.key === true && n === path.length ? found.key : found.value;
      return { line: pos.line, col: pos.col };
    }
    return undefined;
  };
}
