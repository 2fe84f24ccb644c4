import { Tensor as OrtTensor } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import {
  fromOrtTensor,
  fromOrtType,
  toOrtTensor,
  toOrtType,
} from '../../../backends/onnxruntime/index.js';
import { DATATYPES } from '../../../engine/core/datatype.js';
import { EngineError } from '../../../engine/core/errors.js';
import type { Tensor } from '../../../engine/core/tensor.js';

function thrown(f: () => unknown): EngineError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
    return e as EngineError;
  }
  throw new Error('expected a throw');
}

describe('datatype names', () => {
  it('maps every protocol datatype to an ORT type and back', () => {
    for (const dt of DATATYPES) expect(fromOrtType(toOrtType(dt))).toBe(dt);
    expect(toOrtType('BYTES')).toBe('string');
    expect(toOrtType('BOOL')).toBe('bool');
    expect(fromOrtType('int4')).toBeUndefined();
  });
});

describe('toOrtTensor', () => {
  it('shares the typed array instead of copying it', () => {
    const data = new Float32Array([1, 2, 3, 4]);
    const t = toOrtTensor('x', 'm', { datatype: 'FP32', shape: [2, 2], data });
    expect(t.data).toBe(data);
    expect(t.type).toBe('float32');
    expect(t.dims).toEqual([2, 2]);
  });

  it('passes BOOL bytes as an ORT bool tensor and FP16 bits as float16', () => {
    const bools = Uint8Array.from([1, 0]);
    expect(toOrtTensor('b', 'm', { datatype: 'BOOL', shape: [2], data: bools })).toMatchObject({
      type: 'bool',
      data: bools,
    });
    const halves = Uint16Array.from([0x3c00]);
    expect(toOrtTensor('h', 'm', { datatype: 'FP16', shape: [1], data: halves })).toMatchObject({
      type: 'float16',
      data: halves,
    });
  });

  it('decodes BYTES elements as UTF-8 strings', () => {
    const data = ['naïve', '東京'].map(s => new TextEncoder().encode(s));
    expect(toOrtTensor('t', 'm', { datatype: 'BYTES', shape: [2], data }).data).toEqual([
      'naïve',
      '東京',
    ]);
  });

  it('refuses BYTES that ORT would corrupt', () => {
    const bad = thrown(() =>
      toOrtTensor('t', 'm', {
        datatype: 'BYTES',
        shape: [2],
        data: [Uint8Array.of(0x61), Uint8Array.of(0xff)],
      }),
    );
    expect(bad.code).toBe('INVALID_ARG');
    expect(bad.message).toBe(
      "input 't' of model 'm': BYTES element 1 is not valid UTF-8, which onnxruntime-node string tensors need",
    );
    const nul = thrown(() =>
      toOrtTensor('t', 'm', {
        datatype: 'BYTES',
        shape: [1],
        data: [Uint8Array.of(0x61, 0, 0x62)],
      }),
    );
    expect(nul.message).toContain('BYTES element 0 contains a NUL byte');
  });

  it('names the tensor when the data does not fit the shape or the datatype', () => {
    const short = thrown(() =>
      toOrtTensor('x', 'm', { datatype: 'FP32', shape: [2, 3], data: new Float32Array(5) }),
    );
    expect(short.message).toBe("input 'x' of model 'm': shape [2,3] needs 6 elements, got 5");
    const wrongArray = thrown(() =>
      toOrtTensor('x', 'm', { datatype: 'FP32', shape: [2], data: new Int32Array(2) }),
    );
    expect(wrongArray.code).toBe('INVALID_ARG');
    expect(wrongArray.message).toMatch(/^input 'x' of model 'm' \(FP32\): /);
    const bytesAsArray = thrown(() =>
      toOrtTensor('x', 'm', { datatype: 'BYTES', shape: [2], data: new Uint8Array(2) }),
    );
    expect(bytesAsArray.message).toBe("input 'x' of model 'm': BYTES data cannot be Uint8Array");
  });
});

describe('fromOrtTensor', () => {
  it('keeps ORT typed arrays and encodes strings as UTF-8', () => {
    const data = BigInt64Array.from([1n, -2n]);
    expect(fromOrtTensor('y', 'm', new OrtTensor('int64', data, [2]))).toEqual({
      datatype: 'INT64',
      shape: [2],
      data,
    } satisfies Tensor);
    expect(fromOrtTensor('y', 'm', new OrtTensor('int64', data, [2])).data).toBe(data);
    const s = fromOrtTensor('s', 'm', new OrtTensor('string', ['ü'], [1]));
    expect(s).toEqual({ datatype: 'BYTES', shape: [1], data: [Uint8Array.of(0xc3, 0xbc)] });
  });

  it('fails with INTERNAL on element types the protocol lacks', () => {
    const e = thrown(() => fromOrtTensor('q', 'm', new OrtTensor('int4', new Uint8Array(1), [2])));
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toBe(
      "output 'q' of model 'm' has element type 'int4', which the protocol cannot carry",
    );
  });
});
