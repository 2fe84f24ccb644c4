/**
 * A numeric JSON array (`[1, 2.5, [3e-2]]`, nested or flat) read straight from the request
 * bytes into a Float64Array, without a JS array of boxed numbers in between. On tensors of
 * hundreds of elements or more this is 2-3× cheaper than JSON.parse followed by a copy into
 * a typed array (`npx tsx test/bench/codec.bench.ts` prints both).
 *
 * Values must equal what JSON.parse gives. Up to 15 significant digits and a decimal exponent
 * within ±22, `m × 10^e` is exact after one rounding (Clinger's fast path). Longer mantissas,
 * such as the 17 digits of a float32 printed as a double, get an approximation within a few
 * ulps, and are marked inexact: for FP32 the approximation is kept only when it cannot round
 * to a different float32; otherwise, and for every other datatype, `Number()` re-reads the
 * digits.
 *
 * @module
 */
import type { DataType } from '../../core/datatype.js';

const POW10 = Array.from({ length: 23 }, (_, i) => 10 ** i);
// Relative error bound of the approximation (a few roundings of 2^-53), with margin.
const APPROX_ERROR = 2 ** -48;
const latin1 = new TextDecoder('latin1');

/** A numeric array read from JSON: values, and where to re-read the inexact ones. */
export class JsonNumbers {
  readonly #bytes: Uint8Array;
  readonly #values: Float64Array;
  /** Triples (index, start, end) of values whose digits must be re-read to be exact. */
  readonly #inexact: Int32Array;
  #inexactCount: number;

  constructor(bytes: Uint8Array, values: Float64Array, inexact: Int32Array, inexactCount: number) {
    this.#bytes = bytes;
    this.#values = values;
    this.#inexact = inexact;
    this.#inexactCount = inexactCount;
  }

  /** Number of leaves, whatever the nesting. */
  get length(): number {
    return this.#values.length;
  }

  /** The values as JSON.parse would give them, exact for storage of `datatype`. */
  valuesFor(datatype: DataType): Float64Array {
    const v = this.#values;
    const t = this.#inexact;
    for (let k = 0; k < this.#inexactCount * 3; k += 3) {
      const i = t[k]!;
      const x = v[i]!;
      if (
        datatype === 'FP32' &&
        Math.fround(x * (1 + APPROX_ERROR)) === Math.fround(x * (1 - APPROX_ERROR))
      )
        continue;
      v[i] = Number(latin1.decode(this.#bytes.subarray(t[k + 1], t[k + 2])));
    }
    this.#inexactCount = 0;
    return v;
  }
}

const isDigit = (c: number | undefined): boolean => c !== undefined && c >= 0x30 && c <= 0x39;
const isSpace = (c: number | undefined): boolean =>
  c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;

/**
 * Reads the array that opens at `bytes[start]` (a `[`) when it holds only numbers and
 * arrays, nested at most `maxDepth` deep.
 *
 * @returns the numbers and the index just past the closing `]`, or undefined when the array
 *   holds anything else (strings, booleans, NaN tokens) or is not valid JSON, leaving it to
 *   JSON.parse and its messages
 * @example
 * readJsonNumbers(utf8('[[1, 2], [3, 4]]'), 0, 100)?.numbers.valuesFor('FP32'); // [1, 2, 3, 4]
 */
export function readJsonNumbers(
  bytes: Uint8Array,
  start: number,
  maxDepth: number,
): { numbers: JsonNumbers; end: number } | undefined {
  const r = new NumberReader(bytes, start);
  const end = r.read(maxDepth);
  return end === undefined ? undefined : { numbers: r.result(), end };
}

class NumberReader {
  #b: Uint8Array;
  #i: number;
  #values: Float64Array;
  #n = 0;
  #inexact = new Int32Array(0);
  #inexactCount = 0;

  constructor(bytes: Uint8Array, start: number) {
    this.#b = bytes;
    this.#i = start;
    // A number takes at least two bytes with its comma, so this bounds the count.
    this.#values = new Float64Array(Math.min(1024, (bytes.length - start) >>> 1) + 1);
  }

  result(): JsonNumbers {
    return new JsonNumbers(
      this.#b,
      this.#values.slice(0, this.#n),
      this.#inexact,
      this.#inexactCount,
    );
  }

  /** Walks the array with a grammar check; returns the index after it, or undefined. */
  read(maxDepth: number): number | undefined {
    const b = this.#b;
    let depth = 0;
    let wantValue = true; // after '[' or ','
    let canClose = false; // right after '[' or after a value
    for (let i = this.#i; i < b.length;) {
      const c = b[i];
      if (isSpace(c)) {
        i++;
      } else if (c === 0x5b) {
        if (!wantValue || ++depth > maxDepth) return undefined;
        i++;
        canClose = true;
      } else if (c === 0x5d) {
        if (!canClose) return undefined;
        i++;
        if (--depth === 0) return i;
        wantValue = false;
      } else if (c === 0x2c) {
        if (wantValue) return undefined;
        i++;
        wantValue = true;
        canClose = false;
      } else {
        if (!wantValue || depth === 0) return undefined;
        const next = this.#number(i);
        if (next === undefined) return undefined;
        i = next;
        wantValue = false;
        canClose = true;
      }
    }
    return undefined;
  }

  /** Reads one JSON number at `s`; returns the index after it, or undefined if malformed. */
  #number(s: number): number | undefined {
    const b = this.#b;
    let i = s;
    const neg = b[i] === 0x2d;
    if (neg) i++;
    let m = 0;
    let digits = 0;
    let exp = 0;
    if (b[i] === 0x30) i++;
    else if (isDigit(b[i])) {
      for (; isDigit(b[i]); i++) {
        m = m * 10 + (b[i]! - 0x30);
        digits++;
      }
    } else return undefined;
    if (b[i] === 0x2e) {
      if (!isDigit(b[++i])) return undefined;
      for (; isDigit(b[i]); i++) {
        if (digits > 0 || b[i] !== 0x30) digits++;
        m = m * 10 + (b[i]! - 0x30);
        exp--;
      }
    }
    if (b[i] === 0x65 || b[i] === 0x45) {
      i++;
      const eneg = b[i] === 0x2d;
      if (eneg || b[i] === 0x2b) i++;
      if (!isDigit(b[i])) return undefined;
      let e = 0;
      for (; isDigit(b[i]); i++) e = Math.min(e * 10 + (b[i]! - 0x30), 1e6);
      exp += eneg ? -e : e;
    }
    let v: number;
    if (exp >= -22 && exp <= 22 && digits <= 19) {
      v = exp >= 0 ? m * POW10[exp]! : m / POW10[-exp]!;
      if (digits > 15) this.#markInexact(s, i);
    } else {
      v = Number(latin1.decode(b.subarray(neg ? s + 1 : s, i)));
    }
    this.#push(neg ? -v : v);
    return i;
  }

  #push(v: number): void {
    if (this.#n === this.#values.length) {
      const grown = new Float64Array(this.#values.length * 2);
      grown.set(this.#values);
      this.#values = grown;
    }
    this.#values[this.#n++] = v;
  }

  #markInexact(start: number, end: number): void {
    const k = this.#inexactCount * 3;
    if (k + 3 > this.#inexact.length) {
      const grown = new Int32Array(Math.max(48, this.#inexact.length * 2));
      grown.set(this.#inexact);
      this.#inexact = grown;
    }
    this.#inexact[k] = this.#n;
    this.#inexact[k + 1] = start;
    this.#inexact[k + 2] = end;
    this.#inexactCount++;
  }
}
