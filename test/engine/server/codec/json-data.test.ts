import { describe, expect, it } from 'vitest';
import type { DataType } from '../../../../engine/core/datatype.js';
import type { Tensor } from '../../../../engine/core/tensor.js';
import { decodeInferBody } from '../../../../engine/server/codec/index.js';
import { decodeJson, expectEngineError, noRaw, utf8Bytes } from './fixtures.js';

function decodeOne(datatype: DataType, shape: number[], data: unknown): Tensor {
  const decoded = decodeJson({ inputs: [{ name: 'X', datatype, shape, data }] });
  return decoded.inputs.get('X')!;
}

type Case = readonly [DataType, unknown[], ArrayLike<unknown>, new (...a: never[]) => unknown];

const CASES: readonly Case[] = [
  ['BOOL', [true, false, false, true], [1, 0, 0, 1], Uint8Array],
  ['UINT8', [0, 1, 254, 255], [0, 1, 254, 255], Uint8Array],
  ['UINT16', [0, 1, 65534, 65535], [0, 1, 65534, 65535], Uint16Array],
  ['UINT32', [0, 7, 2 ** 31, 2 ** 32 - 1], [0, 7, 2 ** 31, 2 ** 32 - 1], Uint32Array],
  ['UINT64', [0, 1, 2 ** 40, 2 ** 53], [0n, 1n, 2n ** 40n, 2n ** 53n], BigUint64Array],
  ['INT8', [-128, -1, 0, 127], [-128, -1, 0, 127], Int8Array],
  ['INT16', [-32768, -1, 0, 32767], [-32768, -1, 0, 32767], Int16Array],
  ['INT32', [-(2 ** 31), -1, 0, 2 ** 31 - 1], [-(2 ** 31), -1, 0, 2 ** 31 - 1], Int32Array],
  ['INT64', [-(2 ** 53), -1, 0, 2 ** 53], [-(2n ** 53n), -1n, 0n, 2n ** 53n], BigInt64Array],
  ['FP32', [1.5, -2.25, 0, 1e-3], [1.5, -2.25, 0, Math.fround(1e-3)], Float32Array],
  ['FP64', [0.1, -1e300, 0, 5e-324], [0.1, -1e300, 0, 5e-324], Float64Array],
];

describe('JSON data for every datatype', () => {
  for (const [dt, values, expected, Ctor] of CASES) {
    it(`${dt}: flat data fills the typed array`, () => {
      const t = decodeOne(dt, [2, 2], values);
      expect(t.data).toBeInstanceOf(Ctor);
      expect(Array.from(t.data as ArrayLike<unknown>)).toEqual(Array.from(expected));
      expect(t.shape).toEqual([2, 2]);
      expect(t.datatype).toBe(dt);
    });

    it(`${dt}: nested data is flattened row-major`, () => {
      const t = decodeOne(dt, [2, 2], [values.slice(0, 2), values.slice(2)]);
      expect(Array.from(t.data as ArrayLike<unknown>)).toEqual(Array.from(expected));
    });
  }

  it('BYTES: each JSON string becomes its UTF-8 bytes, including empty and non-ASCII', () => {
    const t = decodeOne(
      'BYTES',
      [2, 2],
      [
        ['', 'ascii'],
        ['héllo', '日本🙂'],
      ],
    );
    const els = t.data as Uint8Array[];
    const strings = els.map(e => new TextDecoder().decode(e));
    expect(strings).toEqual(['', 'ascii', 'héllo', '日本🙂']);
    expect(Array.from(els[2]!)).toEqual(Array.from(utf8Bytes('héllo')));
  });

  it('accepts a flat-length array whose rows are nested, e.g. shape [3,1]', () => {
    const t = decodeOne('INT32', [3, 1], [[1], [2], [3]]);
    expect(Array.from(t.data as Int32Array)).toEqual([1, 2, 3]);
  });

  it('accepts a scalar shape [] with one element and an empty tensor with shape [0]', () => {
    expect(Array.from(decodeOne('FP32', [], [4]).data as Float32Array)).toEqual([4]);
    expect((decodeOne('FP32', [0, 3], []).data as Float32Array).length).toBe(0);
  });

  it('accepts NaN and Infinity tokens for floats, as rapidjson kParseNanAndInfFlag does', () => {
    const text =
      '{"inputs":[{"name":"X","datatype":"FP64","shape":[6],' +
      '"data":[NaN,Infinity,-Infinity,Inf,-Inf,1]}]}';
    const t = decodeInferBody(utf8Bytes(text), undefined, noRaw).inputs.get('X')!;
    const values = Array.from(t.data as Float64Array);
    expect(values).toEqual([NaN, Infinity, -Infinity, Infinity, -Infinity, 1]);
  });

  it('leaves NaN inside strings alone', () => {
    const text =
      '{"id":"NaN Infinity","inputs":[{"name":"S","datatype":"BYTES","shape":[1],' +
      '"data":["-Infinity"]}],"x":NaN}';
    const d = decodeInferBody(utf8Bytes(text), undefined, noRaw);
    expect(d.id).toBe('NaN Infinity');
    const [el] = d.inputs.get('S')!.data as Uint8Array[];
    expect(new TextDecoder().decode(el)).toBe('-Infinity');
  });
});

describe('JSON data errors', () => {
  it('rejects FP16 and BF16 with Triton wording', () => {
    expectEngineError(
      () => decodeOne('FP16', [1], [1]),
      'INVALID_ARG',
      "receiving FP16 data via JSON is not supported. Please use the binary data format for input 'X'",
    );
    expectEngineError(
      () => decodeOne('BF16', [1], [1]),
      'INVALID_ARG',
      "receiving BF16 data via JSON is not supported. Please use the binary data format for input 'X'",
    );
  });

  it('rejects a data element count that differs from the shape, with both counts', () => {
    expectEngineError(
      () => decodeOne('INT32', [2, 3], [1, 2, 3, 4, 5]),
      'INVALID_ARG',
      "Shape does not match true shape of 'data' field",
      "input 'X'",
      'shape [2,3] needs 6 elements, got 5',
    );
    expectEngineError(
      () => decodeOne('INT32', [2], [[1, 2], [3]]),
      'INVALID_ARG',
      'needs 2 elements, got 3',
    );
  });

  it('rejects data that is not an array', () => {
    expectEngineError(
      () => decodeOne('INT32', [1], 5),
      'INVALID_ARG',
      "Unable to parse 'data' of input 'X'",
      'expected an array',
    );
  });

  it('rejects elements of the wrong type, naming the element and the expectation', () => {
    expectEngineError(
      () => decodeOne('FP32', [2], [1, '2']),
      'INVALID_ARG',
      'element 1 is the string "2"',
      'a number for FP32',
    );
    expectEngineError(
      () => decodeOne('BOOL', [2], [true, 1]),
      'INVALID_ARG',
      'element 1 is 1',
      'true or false',
    );
    expectEngineError(
      () => decodeOne('BYTES', [1], [3]),
      'INVALID_ARG',
      'element 0 is 3',
      'a string',
    );
    expectEngineError(() => decodeOne('FP64', [1], [null]), 'INVALID_ARG', 'element 0 is null');
    expectEngineError(() => decodeOne('FP64', [1], [{}]), 'INVALID_ARG', 'element 0 is an object');
  });

  it('rejects fractional values for integer types', () => {
    expectEngineError(
      () => decodeOne('INT32', [2], [1, 2.5]),
      'INVALID_ARG',
      'element 1 is 2.5',
      'an integer in [-2147483648, 2147483648) for INT32',
    );
    expectEngineError(() => decodeOne('INT64', [1], [0.5]), 'INVALID_ARG', 'for INT64');
  });

  it('rejects values out of range for each integer type', () => {
    expectEngineError(
      () => decodeOne('UINT8', [1], [256]),
      'INVALID_ARG',
      'element 0 is 256',
      '[0, 256) for UINT8',
    );
    expectEngineError(() => decodeOne('INT8', [1], [-129]), 'INVALID_ARG', '[-128, 128) for INT8');
    expectEngineError(() => decodeOne('UINT16', [1], [-1]), 'INVALID_ARG', 'UINT16');
    expectEngineError(() => decodeOne('INT16', [1], [40000]), 'INVALID_ARG', 'INT16');
    expectEngineError(() => decodeOne('UINT32', [1], [2 ** 32]), 'INVALID_ARG', 'UINT32');
    expectEngineError(() => decodeOne('INT32', [1], [2 ** 31]), 'INVALID_ARG', 'INT32');
    expectEngineError(() => decodeOne('UINT64', [1], [-1]), 'INVALID_ARG', '[0, 2^64) for UINT64');
    expectEngineError(
      () => decodeOne('INT64', [1], [2 ** 63]),
      'INVALID_ARG',
      '[-2^63, 2^63) for INT64',
    );
  });

  it('rejects NaN for integer types', () => {
    const text = '{"inputs":[{"name":"X","datatype":"INT32","shape":[1],"data":[NaN]}]}';
    expectEngineError(
      () => decodeInferBody(utf8Bytes(text), undefined, noRaw),
      'INVALID_ARG',
      'element 0 is NaN',
    );
  });

  it('accepts nesting of 100 levels and rejects 101', () => {
    const nest = (depth: number): unknown => {
      let v: unknown = 7;
      for (let i = 0; i < depth; i++) v = [v];
      return v;
    };
    expect(Array.from(decodeOne('INT32', [1], nest(100)).data as Int32Array)).toEqual([7]);
    expectEngineError(
      () => decodeOne('INT32', [1], nest(101)),
      'INVALID_ARG',
      "input 'X'",
      'nesting deeper than 100 levels',
    );
  });
});
