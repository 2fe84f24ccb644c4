/**
 * Tensor contents for generated requests: zeros, seeded random values, or values given in a
 * data file, in the typed array each protocol datatype travels as.
 *
 * @module
 */
import { isDataType } from '../../core/datatype.js';
import { EngineError } from '../../core/errors.js';
import { typedArrayFor } from '../../core/tensor.js';
import { seededUniform } from './pacing.js';
import type { TensorValues } from './request-body.js';

type NumericArray = Exclude<TensorValues, readonly string[]>;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The IEEE half-precision bit pattern nearest to `v` (round to nearest even).
 *
 * @example
 * toHalfBits(1); // 0x3c00
 */
export function toHalfBits(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  const sign = (x >>> 16) & 0x8000;
  const exp = (x >>> 23) & 0xff;
  const mant = x & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0);
  const e = exp - 112;
  if (e >= 0x1f) return sign | 0x7c00;
  // A rounding carry runs into the exponent, which is the correctly rounded result.
  const round = (bits: number, rem: number, mid: number) =>
    bits + (rem > mid || (rem === mid && (bits & 1) === 1) ? 1 : 0);
  if (e <= 0) {
    if (e < -10) return sign;
    const shift = 14 - e;
    const m = mant | 0x800000;
    return sign | round(m >>> shift, m & ((1 << shift) - 1), 1 << (shift - 1));
  }
  return sign | round((e << 10) | (mant >>> 13), mant & 0x1fff, 0x1000);
}

/** The bfloat16 bit pattern of `v`: the upper half of its FP32 bits, rounded to nearest even. */
export function toBf16Bits(v: number): number {
  f32[0] = v;
  const x = u32[0]!;
  return ((x + 0x7fff + ((x >>> 16) & 1)) >>> 16) & 0xffff;
}

function numericArray(datatype: string, n: number, name: string): NumericArray {
  if (!isDataType(datatype) || datatype === 'BYTES') {
    throw new EngineError(
      'UNSUPPORTED',
      `input '${name}': datatype '${datatype}' cannot be generated`,
    );
  }
  return new (typedArrayFor(datatype))(n) as NumericArray;
}

function setNumber(out: NumericArray, datatype: string, i: number, v: number): void {
  if (datatype === 'FP16') out[i] = toHalfBits(v);
  else if (datatype === 'BF16') out[i] = toBf16Bits(v);
  else if (out instanceof BigInt64Array || out instanceof BigUint64Array)
    out[i] = BigInt(Math.trunc(v));
  else out[i] = v;
}

/**
 * `n` elements of `datatype`, all zero (empty strings for BYTES).
 *
 * @example
 * zeroValues('INT64', 4); // BigInt64Array [0n, 0n, 0n, 0n]
 */
export function zeroValues(datatype: string, n: number, name = 'input'): TensorValues {
  return datatype === 'BYTES'
    ? Array.from({ length: n }, () => '')
    : numericArray(datatype, n, name);
}

/**
 * `n` reproducible random elements: floats in [0, 1), integers in [0, 64) (safe as indices into
 * small tables), BOOL 0/1, BYTES 8 lowercase letters.
 *
 * @example
 * randomValues('FP32', 16, 7);
 */
export function randomValues(
  datatype: string,
  n: number,
  seed: number,
  name = 'input',
): TensorValues {
  const next = seededUniform(seed);
  if (datatype === 'BYTES') {
    const letter = () => String.fromCharCode(97 + Math.floor(next() * 26));
    return Array.from({ length: n }, () => Array.from({ length: 8 }, letter).join(''));
  }
  const out = numericArray(datatype, n, name);
  const isFloat = datatype.startsWith('FP') || datatype === 'BF16';
  const scale = datatype === 'BOOL' ? 2 : 64;
  for (let i = 0; i < n; i++)
    setNumber(out, datatype, i, isFloat ? next() : Math.floor(next() * scale));
  return out;
}

/**
 * Elements of `datatype` from data-file values (numbers, booleans, or strings for BYTES),
 * repeated `times` times (once per batch item).
 *
 * @example
 * valuesFrom('FP32', [1, 2], 2, 'x'); // Float32Array [1, 2, 1, 2]
 */
export function valuesFrom(
  datatype: string,
  values: readonly unknown[],
  times: number,
  name: string,
): TensorValues {
  const n = values.length * times;
  if (datatype === 'BYTES')
    return Array.from({ length: n }, (_, i) => String(values[i % values.length]));
  const out = numericArray(datatype, n, name);
  for (let i = 0; i < n; i++) {
    const v = values[i % values.length];
    const num = typeof v === 'boolean' ? Number(v) : typeof v === 'number' ? v : Number.NaN;
    if (Number.isNaN(num) && typeof v !== 'number') {
      throw new EngineError(
        'INVALID_ARG',
        `input '${name}': value ${JSON.stringify(v)} at ${i % values.length} is not a ${datatype}`,
      );
    }
    setNumber(out, datatype, i, num);
  }
  return out;
}
