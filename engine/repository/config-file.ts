/**
 * @module Finds and reads a model's config file (YAML, JSON or Triton's config.pbtxt) into plain
 * data, with syntax errors at file:line:col.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { EngineError } from '../core/errors.js';
import { parsePbtxtConfig } from './pbtxt/config.js';
import { PbtxtSyntaxError } from './pbtxt/lexer.js';

/**
 * Config file names looked for in a model directory, in the order the scan reports them:
 * Braid's YAML / JSON, and Triton's config.pbtxt (protobuf text format).
 */
export const CONFIG_FILE_NAMES = [
  'config.yaml',
  'config.yml',
  'config.json',
  'config.pbtxt',
] as const;

/** A model's config as read from disk, before validation. */
export interface RawModelConfig {
  /** The parsed document; `{}` when the directory has no config file or the YAML file is empty. */
  readonly raw: unknown;
  /** Path of the file read, absent when there is none. */
  readonly file?: string;
  /** The file's text, so validation errors can point at a line. */
  readonly source?: string;
}

/**
 * Reads `config.yaml`, `config.yml`, `config.json` or `config.pbtxt` from a model directory. A directory with no
 * config file gives `{ raw: {} }` (everything comes from auto-complete). Throws INVALID_ARG when
 * more than one config file exists or the file is not valid YAML / JSON, with `file:line:col`.
 *
 * @example
 * const { raw, file, source } = await readModelConfig('/models/simple');
 * const config = parseModelConfig(raw, { file, source, modelName: 'simple' });
 */
export async function readModelConfig(modelDir: string): Promise<RawModelConfig> {
  const found: { file: string; text: string }[] = [];
  for (const name of CONFIG_FILE_NAMES) {
    const file = path.join(modelDir, name);
    const text = await readFile(file, 'utf8').catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'ENOENT' || e.code === 'EISDIR') return undefined;
      const model = path.basename(modelDir);
      const message = `model '${model}': cannot read ${file}: ${e.message}`;
      throw new EngineError('INTERNAL', message, { cause: e });
    });
    if (text !== undefined) found.push({ file, text });
  }
  const [first, second] = found;
  if (!first) return { raw: {} };
  if (second) {
    throw new EngineError(
      'INVALID_ARG',
      `model '${path.basename(modelDir)}': both ${first.file} and ${second.file} exist; ` +
        'keep only one config file',
    );
  }
  const raw = parseConfigText(first.text, first.file, path.basename(modelDir));
  return { raw, file: first.file, source: first.text };
}

/**
 * Parses config text as JSON (for `.json` files), protobuf text format against Triton's
 * model_config.proto (`.pbtxt`) or YAML (anything else). Syntax errors, and in a .pbtxt fields
 * that model_config.proto does not have, throw INVALID_ARG listing each as
 * `file:line:col: message`. Empty YAML or pbtxt parses to `{}`.
 *
 * @example
 * parseConfigText('max_batch_size: 8\n', 'config.yaml', 'simple'); // { max_batch_size: 8 }
 * parseConfigText('max_batch_size: 8\n', 'config.pbtxt', 'simple'); // { max_batch_size: 8 }
 */
export function parseConfigText(text: string, file: string, modelName: string): unknown {
  if (file.endsWith('.json')) return parseJson(text, file, modelName);
  if (file.endsWith('.pbtxt')) return parsePbtxt(text, file, modelName);
  return parseYaml(text, file, modelName);
}

function parsePbtxt(text: string, file: string, modelName: string): unknown {
  try {
    return parsePbtxtConfig(text).raw;
  } catch (e) {
    if (!(e instanceof PbtxtSyntaxError)) throw e;
    throw syntaxError(modelName, [`${file}:${e.line}:${e.col}: ${e.reason}`]);
  }
}

function parseYaml(text: string, file: string, modelName: string): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false });
  if (doc.errors.length > 0) {
    const lines = doc.errors.map(err => {
      const { line, col } = lineCounter.linePos(err.pos[0]);
      return `${file}:${line}:${col}: ${err.message}`;
    });
    throw syntaxError(modelName, lines);
  }
  return doc.toJS() ?? {};
}

function parseJson(text: string, file: string, modelName: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    const { line, col } = lineColAt(text, jsonErrorOffset(text));
    const message = cleanJsonMessage((e as Error).message);
    throw syntaxError(modelName, [`${file}:${line}:${col}: ${message}`]);
  }
}

function syntaxError(modelName: string, lines: readonly string[]): EngineError {
  const detail = lines.length === 1 ? ` ${lines[0]}` : `\n  ${lines.join('\n  ')}`;
  return new EngineError('INVALID_ARG', `model '${modelName}': config is not valid:${detail}`);
}

/**
 * Offset of the first character that makes `text` invalid JSON. V8's messages carry a position
 * only for some errors, so this finds it directly: every prefix shorter than the offending
 * character either parses or fails only at its own end, and every longer prefix fails before
 * its end, so a binary search over prefix lengths finds the boundary.
 */
function jsonErrorOffset(text: string): number {
  const failsEarly = (len: number): boolean => {
    try {
      JSON.parse(text.slice(0, len));
      return false;
    } catch (e) {
      const message = (e as Error).message;
      if (/end of JSON input/i.test(message)) return false;
      // "Unterminated string in JSON at position 3" for a 3-character prefix is also the end.
      const at = /at position (\d+)/.exec(message);
      return !at || Number(at[1]) < len;
    }
  };
  if (!failsEarly(text.length)) return text.length;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (failsEarly(mid)) hi = mid;
    else lo = mid + 1;
  }
  return Math.max(lo - 1, 0);
}

function cleanJsonMessage(message: string): string {
  return message
    .replace(/, "[\s\S]*" is not valid JSON$/, '')
    .replace(/ in JSON at position \d+.*$/, '')
    .replace(/^JSON\.parse: /, '');
}

/**
 * 1-based line and column of a character offset.
 *
 * @example
 * lineColAt('a\nbc', 3); // { line: 2, col: 2 }
 */
export function lineColAt(text: string, offset: number): { line: number; col: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      start = i + 1;
    }
  }
  return { line, col: offset - start + 1 };
}
