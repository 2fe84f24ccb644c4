import { describe, expect, it } from 'vitest';
import {
  randomValues,
  toBf16Bits,
  toHalfBits,
  valuesFrom,
  zeroValues,
} from '../../../../engine/cli/perf/tensor-fill.js';

describe('half-precision conversion', () => {
  it.each([
    [0, 0x0000],
    [1, 0x3c00],
    [-2, 0xc000],
    [65504, 0x7bff],
    [65520, 0x7c00],
    [0.1, 0x2e66],
    [5.960464477539063e-8, 0x0001],
    [Infinity, 0x7c00],
    [1.00048828125, 0x3c00],
    [1.00146484375, 0x3c02],
  ])('rounds %d to the nearest FP16 (ties to even)', (v, bits) => {
    expect(toHalfBits(v)).toBe(bits);
  });

  it('keeps NaN a NaN', () => {
    const b = toHalfBits(NaN);
    expect(b & 0x7c00).toBe(0x7c00);
    expect(b & 0x3ff).not.toBe(0);
  });

  it('takes the upper half of FP32 for BF16, rounded', () => {
    expect(toBf16Bits(1)).toBe(0x3f80);
    expect(toBf16Bits(-2)).toBe(0xc000);
    expect(toBf16Bits(0.1)).toBe(0x3dcd);
  });
});

describe('tensor values', () => {
  it('gives each datatype its typed array', () => {
    expect(zeroValues('INT64', 2)).toEqual(new BigInt64Array(2));
    expect(zeroValues('BYTES', 2)).toEqual(['', '']);
    expect(zeroValues('FP16', 3)).toBeInstanceOf(Uint16Array);
    expect(() => zeroValues('COMPLEX', 1, 'z')).toThrow(
      "input 'z': datatype 'COMPLEX' cannot be generated",
    );
  });

  it('draws reproducible random values in their ranges', () => {
    const f = randomValues('FP32', 1000, 1) as Float32Array;
    expect(randomValues('FP32', 1000, 1)).toEqual(f);
    expect(randomValues('FP32', 1000, 2)).not.toEqual(f);
    expect(Math.min(...f)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...f)).toBeLessThan(1);
    const ints = [...(randomValues('INT64', 500, 3) as BigInt64Array)].map(Number);
    expect(Math.max(...ints)).toBeLessThan(64);
    expect(new Set([...(randomValues('BOOL', 200, 4) as Uint8Array)])).toEqual(new Set([0, 1]));
    expect((randomValues('BYTES', 3, 5) as string[]).every(s => /^[a-z]{8}$/.test(s))).toBe(true);
  });

  it('repeats data-file values once per batch item and checks their type', () => {
    expect(valuesFrom('INT32', [1, 2], 2, 'a')).toEqual(Int32Array.of(1, 2, 1, 2));
    expect(valuesFrom('BOOL', [true, false], 1, 'b')).toEqual(Uint8Array.of(1, 0));
    expect(valuesFrom('FP16', [1], 1, 'h')).toEqual(Uint16Array.of(0x3c00));
    expect(valuesFrom('BYTES', ['a', 7], 1, 's')).toEqual(['a', '7']);
    expect(() => valuesFrom('FP32', ['x'], 1, 'f')).toThrow(
      `input 'f': value "x" at 0 is not a FP32`,
    );
  });
});
