import { describe, expect, it } from 'vitest';
import { fromBf16, fromHalf, toBf16, toHalf } from '../../../../engine/cli/testing/half.js';
import {
  elements,
  flatten,
  indexOf,
  preview,
  toNumber,
  toTensor,
} from '../../../../engine/cli/testing/values.js';

describe('written values', () => {
  it('flatten nested lists row-major and report their shape', () => {
    expect(
      flatten(
        [
          [1, 2],
          [3, 4],
          [5, 6],
        ],
        'x',
      ),
    ).toEqual({ values: [1, 2, 3, 4, 5, 6], shape: [3, 2] });
    expect(flatten([], 'x')).toEqual({ values: [], shape: [0] });
    expect(() => flatten([[1, 2], [3]], "input 'x'")).toThrow(
      "input 'x': data is ragged: data[1] should be a list of 2",
    );
    expect(() => flatten([1, [2]], "input 'x'")).toThrow(
      "input 'x': data is ragged: data[1] is a list",
    );
  });

  it('read NaN and infinities from numbers or strings', () => {
    expect(toNumber('NaN', 'x')).toBeNaN();
    expect(toNumber('-Infinity', 'x')).toBe(-Infinity);
    expect(toNumber('.5', 'x')).toBe(0.5);
    expect(() => toNumber('two', "input 'x' element 1")).toThrow(
      `input 'x' element 1: expected a number, found "two"`,
    );
  });

  it('build tensors of every kind of datatype', () => {
    expect(elements(toTensor('INT64', [2], ['9007199254740993', -1], 'x'))).toEqual([
      9007199254740993n,
      -1n,
    ]);
    expect(Array.from(toTensor('BOOL', [3], [true, false, 1], 'x').data as Uint8Array)).toEqual([
      1, 0, 1,
    ]);
    expect(elements(toTensor('FP16', [3], [1, -2.5, 'inf'], 'x'))).toEqual([1, -2.5, Infinity]);
    expect(elements(toTensor('BF16', [1], [3], 'x'))).toEqual([3]);
    expect(elements(toTensor('BYTES', [2], ['hé', { base64: 'AAE=' }], 'x'))).toEqual([
      'hé',
      '\u0000\u0001',
    ]);
    expect(() => toTensor('FP32', [2, 2], [1, 2, 3], "input 'x'")).toThrow(
      "input 'x': shape [2,2] holds 4 element(s), data has 3",
    );
    expect(() => toTensor('INT32', [1], [1.5], "input 'x'")).not.toThrow();
    expect(() => toTensor('INT64', [1], [1.5], "input 'x'")).toThrow(
      "input 'x' element 0: expected an integer, found 1.5",
    );
  });

  it('encode and decode FP16 and BF16, subnormals, overflow and NaN included', () => {
    for (const v of [0, 1, -1, 0.5, 65504, 6.103515625e-5, 5.960464477539063e-8, 0.1])
      expect(fromHalf(toHalf(v))).toBe(fromHalf(toHalf(fromHalf(toHalf(v)))));
    expect(toHalf(1)).toBe(0x3c00);
    expect(fromHalf(toHalf(0.1))).toBeCloseTo(0.0999755859375, 12);
    expect(toHalf(1e6)).toBe(0x7c00);
    expect(fromHalf(toHalf(NaN))).toBeNaN();
    expect(fromHalf(0x0001)).toBe(2 ** -24);
    expect(toHalf(1 + 2 ** -11)).toBe(0x3c00); // a tie rounds to even
    expect(toBf16(1)).toBe(0x3f80);
    expect(fromBf16(toBf16(3.14159))).toBe(3.140625);
  });

  it('print indices and previews as failure messages need them', () => {
    expect(indexOf(5, [2, 3])).toBe('[1,2]');
    expect(indexOf(3, [4])).toBe('[3]');
    expect(preview([1, 0.30000001192092896, 'a'], 2)).toBe('[1, 0.3, ... (3 in all)]');
  });
});
