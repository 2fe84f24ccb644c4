/**
 * @module FP16 and BF16 values, which tensors carry as raw 16-bit patterns: decoded to compare
 * and print them, encoded to build inputs from the numbers a test file writes.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/**
 * The number an IEEE 754 half-precision bit pattern stands for.
 *
 * @example
 * fromHalf(0x3c00); // 1
 */
export function fromHalf(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 0x1f) return frac === 0 ? sign * Infinity : NaN;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * The half-precision bit pattern nearest to `v` (ties to even); overflow becomes ±Infinity.
 *
 * @example
 * toHalf(1); // 0x3c00
 */
export function toHalf(v: number): number {
  if (Number.isNaN(v)) return 0x7e00;
  const sign = v < 0 || Object.is(v, -0) ? 0x8000 : 0;
  const a = Math.abs(v);
  if (a === Infinity) return sign | 0x7c00;
  if (a < 2 ** -24 / 2) return sign; // rounds to zero
  let exp = Math.floor(Math.log2(a));
  if (exp < -14) {
    const frac = roundEven(a / 2 ** -24);
    return sign | frac; // subnormal (frac 1024 rolls into the smallest normal, which is correct)
  }
  let frac = roundEven((a / 2 ** exp - 1) * 1024);
  if (frac === 1024) {
    frac = 0;
    exp++;
  }
  if (exp > 15) return sign | 0x7c00;
  return sign | ((exp + 15) << 10) | frac;
}

/**
 * The number a bfloat16 bit pattern stands for.
 *
 * @example
 * fromBf16(0x3f80); // 1
 */
export function fromBf16(b: number): number {
  u32[0] = (b & 0xffff) << 16;
  return f32[0]!;
}

/**
 * The bfloat16 bit pattern nearest to `v` (ties to even).
 *
 * @example
 * toBf16(1); // 0x3f80
 */
export function toBf16(v: number): number {
  f32[0] = v;
  const bits = u32[0]!;
  if (Number.isNaN(v)) return 0x7fc0;
  const rounded = bits + 0x7fff + ((bits >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

function roundEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x - Math.trunc(x)) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}
