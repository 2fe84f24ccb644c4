/**
 * perf_analyzer's `--input-data FILE.json` format: `{"data": [ {NAME: values}, ... ]}`, where
 * values are one batch item's elements (flat or nested) or `{"content": [...], "shape": [...]}`
 * for inputs with variable dimensions. Each entry becomes one request; requests take turns.
 *
 * @module
 */
import { readFile } from 'node:fs/promises';
import { EngineError } from '../../core/errors.js';

/** One input's values in one entry: the flattened elements and, optionally, the item shape. */
export interface DataValues {
  readonly values: readonly unknown[];
  readonly shape?: readonly number[];
}

/** One entry of the file: values per input name. */
export type DataEntry = ReadonlyMap<string, DataValues>;

function flatten(v: unknown, out: unknown[], depth: number): void {
  if (depth > 100)
    throw new EngineError('INVALID_ARG', 'input data: arrays nested deeper than 100');
  if (Array.isArray(v)) for (const x of v) flatten(x, out, depth + 1);
  else out.push(v);
}

function parseValues(raw: unknown, where: string): DataValues {
  const values: unknown[] = [];
  if (raw !== null && typeof raw === 'object' && !Array.isArray(raw)) {
    const o = raw as { content?: unknown; shape?: unknown };
    if (o.content === undefined)
      throw new EngineError(
        'INVALID_ARG',
        `${where}: expected an array or {"content": [...], "shape": [...]}`,
      );
    flatten(o.content, values, 0);
    if (o.shape === undefined) return { values };
    if (!Array.isArray(o.shape) || !o.shape.every(d => Number.isInteger(d) && (d as number) >= 0)) {
      throw new EngineError(
        'INVALID_ARG',
        `${where}: "shape" must be a list of non-negative integers`,
      );
    }
    return { values, shape: o.shape as number[] };
  }
  flatten(raw, values, 0);
  return { values };
}

/**
 * Parses the file's JSON text into entries.
 *
 * @example
 * parseInputData('{"data":[{"INPUT0":[1,2,3]}]}', 'in.json')[0]?.get('INPUT0')?.values; // [1, 2, 3]
 */
export function parseInputData(text: string, file: string): DataEntry[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new EngineError('INVALID_ARG', `input data ${file}: not JSON: ${(e as Error).message}`);
  }
  const data = (json as { data?: unknown } | null)?.data;
  if (!Array.isArray(data) || data.length === 0) {
    throw new EngineError(
      'INVALID_ARG',
      `input data ${file}: expected {"data": [ {INPUT: values}, ... ]} with at least one entry`,
    );
  }
  return data.map((entry: unknown, i) => {
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) {
      throw new EngineError(
        'INVALID_ARG',
        `input data ${file}: data[${i}] must be an object of inputs`,
      );
    }
    const out = new Map<string, DataValues>();
    for (const [name, raw] of Object.entries(entry)) {
      out.set(name, parseValues(raw, `input data ${file}: data[${i}].${name}`));
    }
    return out;
  });
}

/**
 * Reads and parses a data file.
 *
 * @example
 * const entries = await readInputData('inputs.json');
 */
export async function readInputData(file: string): Promise<DataEntry[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    throw new EngineError('INVALID_ARG', `input data ${file}: ${(e as Error).message}`);
  }
  return parseInputData(text, file);
}
