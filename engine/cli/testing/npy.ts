/**
 * @module NumPy's `.npy` format (versions 1 to 3), so arrays a data scientist saves with
 * `numpy.save` can be test inputs and expected outputs: a magic string, a little header (a
 * Python dict literal with `descr`, `fortran_order` and `shape`), then the raw elements.
 * Little-endian numbers, booleans, and byte (`S`) and unicode (`U`) strings are read; object
 * arrays (pickles) and Fortran order are refused.
 */
import type { DataType } from '../../core/datatype.js';
import { dataTypeSize } from '../../core/datatype.js';
import { EngineError } from '../../core/errors.js';
import { elementCount, typedArrayFor } from '../../core/tensor.js';
import type { Tensor, TensorData } from '../../core/tensor.js';

const MAGIC = Uint8Array.of(0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59); // \x93NUMPY

const NUMERIC: Readonly<Record<string, Exclude<DataType, 'BYTES'>>> = {
  b1: 'BOOL',
  u1: 'UINT8',
  u2: 'UINT16',
  u4: 'UINT32',
  u8: 'UINT64',
  i1: 'INT8',
  i2: 'INT16',
  i4: 'INT32',
  i8: 'INT64',
  f2: 'FP16',
  f4: 'FP32',
  f8: 'FP64',
};

interface NpyHeader {
  readonly descr: string;
  readonly fortran: boolean;
  readonly shape: number[];
  readonly dataOffset: number;
}

/**
 * Reads a `.npy` file's bytes as a tensor. `what` names the file in errors.
 *
 * @example
 * const t = parseNpy(await readFile('boxes.npy'), 'boxes.npy'); // { datatype: 'FP32', shape: [2, 4, 2], data }
 */
export function parseNpy(bytes: Uint8Array, what: string): Tensor {
  const h = readHeader(bytes, what);
  if (h.fortran)
    throw new EngineError(
      'INVALID_ARG',
      `${what}: Fortran-ordered arrays are not supported; save with numpy.ascontiguousarray(a)`,
    );
  const order = h.descr[0];
  const kind = h.descr.slice(1);
  if (order === '>')
    throw new EngineError(
      'INVALID_ARG',
      `${what}: big-endian data ('${h.descr}') is not supported; save with a.astype(a.dtype.newbyteorder('<'))`,
    );
  const count = elementCount(h.shape);
  const body = bytes.subarray(h.dataOffset);
  const numeric = NUMERIC[kind];
  if (numeric) {
    const size = dataTypeSize(numeric)!;
    if (body.byteLength < count * size)
      throw new EngineError(
        'INVALID_ARG',
        `${what}: shape [${h.shape.join(', ')}] needs ${count * size} bytes of data, the file has ${body.byteLength}`,
      );
    // Copied: the header length leaves the data at any byte offset, and typed arrays need alignment.
    const copy = new Uint8Array(count * size);
    copy.set(body.subarray(0, count * size));
    const data = new (typedArrayFor(numeric) as Float64ArrayConstructor)(
      copy.buffer,
      0,
      count,
    ) as unknown as TensorData;
    return { datatype: numeric, shape: h.shape, data };
  }
  const str = /^([SU])(\d+)$/.exec(kind);
  if (str)
    return {
      datatype: 'BYTES',
      shape: h.shape,
      data: strings(body, count, str[1] as 'S' | 'U', Number(str[2]), what),
    };
  throw new EngineError(
    'INVALID_ARG',
    `${what}: unsupported dtype '${h.descr}'; expected a number, bool or string dtype (not object arrays)`,
  );
}

function strings(
  body: Uint8Array,
  count: number,
  kind: 'S' | 'U',
  width: number,
  what: string,
): Uint8Array[] {
  const itemBytes = kind === 'S' ? width : width * 4;
  if (body.byteLength < count * itemBytes)
    throw new EngineError(
      'INVALID_ARG',
      `${what}: ${count} strings of ${itemBytes} bytes need ${count * itemBytes} bytes, the file has ${body.byteLength}`,
    );
  const out: Uint8Array[] = [];
  const encoder = new TextEncoder();
  for (let i = 0; i < count; i++) {
    const item = body.subarray(i * itemBytes, (i + 1) * itemBytes);
    if (kind === 'S') {
      let end = item.length;
      while (end > 0 && item[end - 1] === 0) end--; // NumPy pads with NULs
      out.push(item.slice(0, end));
      continue;
    }
    const view = new DataView(item.buffer, item.byteOffset, item.byteLength);
    let s = '';
    for (let c = 0; c < width; c++) {
      const cp = view.getUint32(c * 4, true);
      if (cp === 0) break;
      s += String.fromCodePoint(cp);
    }
    out.push(encoder.encode(s));
  }
  return out;
}

function readHeader(bytes: Uint8Array, what: string): NpyHeader {
  if (bytes.length < 10 || MAGIC.some((b, i) => bytes[i] !== b))
    throw new EngineError(
      'INVALID_ARG',
      `${what}: not a .npy file (it does not start with \\x93NUMPY)`,
    );
  const major = bytes[6]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let len: number;
  let start: number;
  if (major === 1) [len, start] = [view.getUint16(8, true), 10];
  else if (major === 2 || major === 3) [len, start] = [view.getUint32(8, true), 12];
  else
    throw new EngineError(
      'INVALID_ARG',
      `${what}: .npy format version ${major} is not supported (1, 2 and 3 are)`,
    );
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(
    bytes.subarray(start, start + len),
  );
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shape = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shape === undefined)
    throw new EngineError(
      'INVALID_ARG',
      `${what}: malformed .npy header ${JSON.stringify(text.trim())}`,
    );
  const dims = shape
    .split(',')
    .map(s => s.trim())
    .filter(s => s !== '')
    .map(Number);
  if (dims.some(d => !Number.isInteger(d) || d < 0))
    throw new EngineError('INVALID_ARG', `${what}: malformed shape (${shape}) in the .npy header`);
  return { descr, fortran: fortran === 'True', shape: dims, dataOffset: start + len };
}

const DESCR: Readonly<Partial<Record<DataType, string>>> = Object.fromEntries(
  Object.entries(NUMERIC).map(([k, v]) => [v, (k[0] === 'b' || k.endsWith('1') ? '|' : '<') + k]),
);

/**
 * Writes a numeric tensor in `.npy` format version 1 (what `numpy.load` reads).
 *
 * @example
 * await writeFile('x.npy', writeNpy({ datatype: 'FP32', shape: [2], data: Float32Array.of(1, 2) }));
 */
export function writeNpy(t: Tensor): Uint8Array {
  const descr = DESCR[t.datatype];
  if (!descr || Array.isArray(t.data))
    throw new EngineError(
      'INVALID_ARG',
      `cannot write a ${t.datatype} tensor as .npy; numeric and BOOL tensors only`,
    );
  const shape = t.shape.length === 1 ? `(${t.shape[0]},)` : `(${t.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // The header ends in a newline and pads the data to a 64-byte boundary, as NumPy writes it.
  const pad = 64 - ((10 + header.length + 1) % 64);
  header += ' '.repeat(pad % 64) + '\n';
  const data = t.data as Exclude<TensorData, Uint8Array[]>;
  const out = new Uint8Array(10 + header.length + data.byteLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  new DataView(out.buffer).setUint16(8, header.length, true);
  out.set(new TextEncoder().encode(header), 10);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 10 + header.length);
  return out;
}
