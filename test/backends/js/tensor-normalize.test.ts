import { describe, expect, it } from 'vitest';
import { normalizeOutputs } from '../../../backends/js/tensor-normalize.js';
import { EngineError } from '../../../engine/core/errors.js';

const where = "model 'post': execute()";

function failure(returned: unknown, wanted: readonly string[] = ['y']): EngineError {
  try {
    normalizeOutputs('post', returned, wanted);
  } catch (e) {
    if (e instanceof EngineError) return e;
    throw e;
  }
  throw new Error('expected normalizeOutputs to throw');
}

describe('normalizeOutputs', () => {
  it('converts plain arrays to the typed array of the datatype', () => {
    const out = normalizeOutputs(
      'post',
      { y: { datatype: 'FP32', shape: [2, 2], data: [1, 2.5, 3, 4] } },
      ['y'],
    );
    const y = out.get('y')!;
    expect(y).toEqual({ datatype: 'FP32', shape: [2, 2], data: Float32Array.of(1, 2.5, 3, 4) });
    expect(y.data).toBeInstanceOf(Float32Array);
  });

  it('keeps a typed array of the right kind as it is, without a copy', () => {
    const data = Int32Array.of(1, 2, 3);
    const out = normalizeOutputs('post', { y: { datatype: 'INT32', shape: [3], data } }, ['y']);
    expect(out.get('y')!.data).toBe(data);
  });

  it('converts a typed array of another kind, and booleans to numbers', () => {
    const out = normalizeOutputs(
      'post',
      {
        f: { datatype: 'FP64', shape: [2], data: Int8Array.of(-1, 7) },
        b: { datatype: 'BOOL', shape: [2], data: [true, false] },
      },
      ['f', 'b'],
    );
    expect(out.get('f')!.data).toEqual(Float64Array.of(-1, 7));
    expect(out.get('b')!.data).toEqual(Uint8Array.of(1, 0));
  });

  it('makes 64-bit integers from numbers (truncated) and bigints', () => {
    const out = normalizeOutputs(
      'post',
      {
        i: { datatype: 'INT64', shape: [3], data: [1.9, -2.9, 3n] },
        u: { datatype: 'UINT64', shape: [1], data: [2n ** 63n] },
      },
      ['i', 'u'],
    );
    expect(out.get('i')!.data).toEqual(BigInt64Array.of(1n, -2n, 3n));
    expect(out.get('u')!.data).toEqual(BigUint64Array.of(2n ** 63n));
  });

  it('encodes BYTES strings as UTF-8 and keeps Uint8Array elements', () => {
    const raw = Uint8Array.of(0, 255);
    const out = normalizeOutputs(
      'post',
      { y: { datatype: 'BYTES', shape: [3], data: ['é', '', raw] } },
      ['y'],
    );
    const data = out.get('y')!.data as Uint8Array[];
    expect(data.map(d => Array.from(d))).toEqual([[0xc3, 0xa9], [], [0, 255]]);
    expect(data[2]).toBe(raw);
  });

  it('reads a Map as well as a plain object, and returns only the outputs asked for', () => {
    const y = { datatype: 'INT32', shape: [1], data: [5] };
    const z = { datatype: 'INT32', shape: [1], data: [6] };
    expect([
      ...normalizeOutputs(
        'post',
        new Map([
          ['y', y],
          ['z', z],
        ]),
        ['z'],
      ).keys(),
    ]).toEqual(['z']);
    expect([...normalizeOutputs('post', { y, z }, ['y']).keys()]).toEqual(['y']);
    expect(normalizeOutputs('post', { y, z }, []).size).toBe(0);
  });

  it('accepts an empty tensor whose shape holds no elements', () => {
    const out = normalizeOutputs('post', { y: { datatype: 'FP32', shape: [0, 4], data: [] } }, [
      'y',
    ]);
    expect(out.get('y')).toEqual({ datatype: 'FP32', shape: [0, 4], data: new Float32Array(0) });
  });
});

describe('normalizeOutputs refuses, naming the model and the output', () => {
  it.each([
    [null, 'null'],
    [undefined, 'undefined'],
    [42, 'number'],
    ['y', 'string'],
  ])('a result that is not an object: %s', (returned, found) => {
    const e = failure(returned);
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toBe(`${where} must return an object of output tensors, returned ${found}`);
  });

  it('a missing output', () => {
    expect(failure({ z: {} }).message).toBe(`${where} returned no output 'y'`);
    expect(failure(new Map(), ['y']).message).toBe(`${where} returned no output 'y'`);
  });

  it.each([
    [{ y: 3 }, `${where} output 'y': expected { datatype, shape, data }, found number`],
    [{ y: null }, `${where} output 'y': expected { datatype, shape, data }, found object`],
    [
      { y: { datatype: 'FLOAT', shape: [1], data: [1] } },
      `${where} output 'y': expected a datatype such as FP32, found "FLOAT"`,
    ],
    [
      { y: { shape: [1], data: [1] } },
      `${where} output 'y': expected a datatype such as FP32, found undefined`,
    ],
    [
      { y: { datatype: 'FP32', shape: [-1], data: [1] } },
      `${where} output 'y': expected a shape of non-negative integers, found [-1]`,
    ],
    [
      { y: { datatype: 'FP32', shape: [1.5], data: [1] } },
      `${where} output 'y': expected a shape of non-negative integers, found [1.5]`,
    ],
    [
      { y: { datatype: 'FP32', shape: '2', data: [1, 2] } },
      `${where} output 'y': expected a shape of non-negative integers, found "2"`,
    ],
  ])('a malformed tensor: %j', (returned, message) => {
    const e = failure(returned);
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toBe(message);
  });

  it('data whose length does not match the shape', () => {
    const e = failure({ y: { datatype: 'FP32', shape: [2, 3], data: [1, 2, 3, 4, 5] } });
    expect(e.message).toBe(`${where} output 'y': shape [2,3] holds 6 element(s) but data has 5`);
  });

  it('numeric data that is neither an array nor a typed array, or holds a non-number', () => {
    expect(failure({ y: { datatype: 'FP32', shape: [1], data: '1' } }).message).toBe(
      `${where} output 'y': FP32 data must be a Float32Array or an array of numbers, found string`,
    );
    expect(failure({ y: { datatype: 'INT64', shape: [2], data: [1, '2'] } }).message).toBe(
      `${where} output 'y': INT64 element 1 must be a number, found string`,
    );
  });

  it('BYTES data that is not an array of strings or Uint8Arrays', () => {
    expect(failure({ y: { datatype: 'BYTES', shape: [1], data: 'abc' } }).message).toBe(
      `${where} output 'y': BYTES data must be an array of strings or Uint8Arrays`,
    );
    expect(failure({ y: { datatype: 'BYTES', shape: [2], data: ['a', 7] } }).message).toBe(
      `${where} output 'y': BYTES element 1 must be a string or Uint8Array, found number`,
    );
  });
});
