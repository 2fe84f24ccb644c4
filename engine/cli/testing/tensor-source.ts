/**
 * @module Where a test's tensors come from: literal `data`, or a `file` read as NumPy (.npy),
 * JSON (a tensor object or a nested list, optionally a part picked by a JSON pointer after `#`)
 * or raw bytes (one BYTES element: an image, a document).
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DataType } from '../../core/datatype.js';
import { isDataType } from '../../core/datatype.js';
import { EngineError } from '../../core/errors.js';
import { elementCount, formatShape } from '../../core/tensor.js';
import type { Tensor } from '../../core/tensor.js';
import { parseNpy } from './npy.js';
import { elements, flatten, toTensor } from './values.js';

/** A tensor as tests write it; `file` is relative to `baseDir`. */
export interface TensorSource {
  readonly datatype?: DataType;
  readonly shape?: readonly number[];
  readonly data?: readonly unknown[];
  readonly file?: string;
  readonly format?: 'npy' | 'json' | 'raw';
}

/** Values read from a source, with what the source itself says of datatype and shape. */
export interface WrittenValues {
  readonly values: readonly unknown[];
  readonly datatype?: DataType;
  readonly shape?: readonly number[];
  /** The tensor itself when the source holds one exactly (a .npy file). */
  readonly tensor?: Tensor;
}

/** Where sources are read: files are relative to `baseDir`; `what` names the tensor in errors. */
export interface SourceContext {
  readonly baseDir: string;
  readonly what: string;
}

/**
 * Reads the values of a source, from `data` or from `file`.
 *
 * @example
 * await readValues({ file: 'expected.json#/images/sign.png' }, { baseDir, what: "output 'TEXT'" }); // { values: ['Welcome to Braid'], shape: [1] }
 */
export async function readValues(src: TensorSource, ctx: SourceContext): Promise<WrittenValues> {
  if (src.data !== undefined && src.file !== undefined)
    throw new EngineError('INVALID_ARG', `${ctx.what}: give data or file, not both`);
  if (src.data !== undefined) return flatten(src.data, ctx.what);
  if (src.file === undefined)
    throw new EngineError('INVALID_ARG', `${ctx.what}: expected data or file`);
  const hash = src.file.indexOf('#');
  const file = hash >= 0 ? src.file.slice(0, hash) : src.file;
  const pointer = hash >= 0 ? src.file.slice(hash + 1) : undefined;
  const full = path.resolve(ctx.baseDir, file);
  const format =
    src.format ?? (/\.npy$/i.test(file) ? 'npy' : /\.json$/i.test(file) ? 'json' : 'raw');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(full);
  } catch (e) {
    throw new EngineError(
      'INVALID_ARG',
      `${ctx.what}: cannot read ${full}: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message}`,
    );
  }
  const what = `${ctx.what} (${src.file})`;
  if (pointer !== undefined && format !== 'json')
    throw new EngineError('INVALID_ARG', `${what}: a #pointer picks a part of a JSON file only`);
  if (format === 'npy') {
    const tensor = parseNpy(bytes, what);
    return { values: elements(tensor), datatype: tensor.datatype, shape: tensor.shape, tensor };
  }
  if (format === 'raw') return { values: [bytes], datatype: 'BYTES', shape: [1] };
  let doc: unknown;
  try {
    doc = JSON.parse(new TextDecoder().decode(bytes));
  } catch (e) {
    throw new EngineError('INVALID_ARG', `${what}: not valid JSON: ${(e as Error).message}`);
  }
  return jsonValues(pointer === undefined ? doc : resolvePointer(doc, pointer, what), what);
}

function jsonValues(v: unknown, what: string): WrittenValues {
  if (Array.isArray(v)) return flatten(v, what);
  const t = v as { datatype?: unknown; shape?: unknown; data?: unknown } | null;
  if (t && typeof t === 'object' && Array.isArray(t.data)) {
    const flat = flatten(t.data, what);
    const datatype =
      typeof t.datatype === 'string' && isDataType(t.datatype) ? t.datatype : undefined;
    if (t.datatype !== undefined && datatype === undefined)
      throw new EngineError(
        'INVALID_ARG',
        `${what}: unknown datatype ${JSON.stringify(t.datatype)}`,
      );
    const shape = Array.isArray(t.shape) ? (t.shape as number[]) : flat.shape;
    return { values: flat.values, shape, ...(datatype ? { datatype } : {}) };
  }
  throw new EngineError(
    'INVALID_ARG',
    `${what}: expected a list or a tensor { datatype, shape, data }, found ${JSON.stringify(v)?.slice(0, 80)}`,
  );
}

/**
 * Follows an RFC 6901 JSON pointer (`/images/sign.png`; `~1` is `/`, `~0` is `~`).
 *
 * @example
 * resolvePointer({ a: [1, 2] }, '/a/1', 'f.json'); // 2
 */
export function resolvePointer(doc: unknown, pointer: string, what: string): unknown {
  if (pointer === '' || pointer === '/')
    return pointer === '' ? doc : (doc as Record<string, unknown>)[''];
  if (!pointer.startsWith('/'))
    throw new EngineError(
      'INVALID_ARG',
      `${what}: a JSON pointer starts with /, found '#${pointer}'`,
    );
  let at: unknown = doc;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (at === null || typeof at !== 'object' || !(key in at))
      throw new EngineError(
        'INVALID_ARG',
        `${what}: the JSON has nothing at '${pointer}' (no '${key}')`,
      );
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/**
 * Builds the tensor a source describes. The written datatype and shape win over the file's:
 * a shape with the same element count reshapes, a datatype converts.
 *
 * @example
 * await loadTensor({ datatype: 'BYTES', shape: [1], file: '../images/sign.png' }, { baseDir, what: "input 'IMAGE'" });
 */
export async function loadTensor(src: TensorSource, ctx: SourceContext): Promise<Tensor> {
  const read = await readValues(src, ctx);
  const datatype = src.datatype ?? read.datatype;
  if (!datatype)
    throw new EngineError(
      'INVALID_ARG',
      `${ctx.what}: datatype is missing (the data does not say it)`,
    );
  const shape = src.shape ?? read.shape ?? [read.values.length];
  if (src.shape && read.shape && elementCount(src.shape) !== elementCount(read.shape)) {
    throw new EngineError(
      'INVALID_ARG',
      `${ctx.what}: shape ${formatShape(src.shape)} holds ${elementCount(src.shape)} element(s), the data is ${formatShape(read.shape)}`,
    );
  }
  if (read.values[0] instanceof Uint8Array && datatype !== 'BYTES') {
    throw new EngineError(
      'INVALID_ARG',
      `${ctx.what}: ${src.file} is read as raw bytes, which make a BYTES element, not ${datatype}; numbers come from .npy or .json files`,
    );
  }
  if (read.tensor && read.tensor.datatype === datatype)
    return { ...read.tensor, shape: [...shape] };
  return toTensor(datatype, shape, read.values, ctx.what);
}

/** Whether `v` is already a tensor (typed-array or bytes data) rather than a written source. */
export function isTensor(v: unknown): v is Tensor {
  const t = v as Partial<Tensor> | null;
  if (
    !t ||
    typeof t !== 'object' ||
    typeof t.datatype !== 'string' ||
    !Array.isArray(t.shape) ||
    t.data === undefined
  )
    return false;
  return (
    ArrayBuffer.isView(t.data) ||
    (Array.isArray(t.data) && t.data.every(x => x instanceof Uint8Array) && t.data.length > 0)
  );
}
