import { describe, expect, it } from 'vitest';
import type { DataType } from '../../../../engine/core/datatype.js';
import { encodeBytesElements } from '../../../../engine/server/codec/index.js';
import { bytesOf, decodeBinary, expectEngineError, utf8Bytes } from './fixtures.js';

const TYPED: ReadonlyArray<readonly [DataType, ArrayBufferView & ArrayLike<unknown>]> = [
  ['BOOL', new Uint8Array([1, 0, 1, 1])],
  ['UINT8', new Uint8Array([0, 1, 200, 255])],
  ['UINT16', new Uint16Array([0, 1, 513, 65535])],
  ['UINT32', new Uint32Array([0, 1, 70000, 2 ** 32 - 1])],
  ['UINT64', new BigUint64Array([0n, 1n, 2n ** 63n, 2n ** 64n - 1n])],
  ['INT8', new Int8Array([-128, -1, 0, 127])],
  ['INT16', new Int16Array([-32768, -1, 0, 32767])],
  ['INT32', new Int32Array([-(2 ** 31), -1, 0, 2 ** 31 - 1])],
  ['INT64', new BigInt64Array([-(2n ** 63n), -1n, 0n, 2n ** 63n - 1n])],
  ['FP16', new Uint16Array([0x3c00, 0xc000, 0x7c00, 0x0001])],
  ['BF16', new Uint16Array([0x3f80, 0xc000, 0x7f80, 0x0001])],
  ['FP32', new Float32Array([1.5, -2.25, Number.NaN, Infinity])],
  ['FP64', new Float64Array([0.1, -1e300, 5e-324, -0])],
];

function header(datatype: DataType, size: number, shape = [2, 2]) {
  return { inputs: [{ name: 'X', datatype, shape, parameters: { binary_data_size: size } }] };
}

describe('binary inputs for every fixed-size datatype', () => {
  for (const [dt, values] of TYPED) {
    const bytes = bytesOf(values);

    it(`${dt}: an aligned offset gives a view over the body, with exact values`, () => {
      const { decoded, body } = decodeBinary(header(dt, bytes.byteLength), [bytes], {
        align: 8,
        misalign: 0,
      });
      const t = decoded.inputs.get('X')!;
      expect(t.data.constructor).toBe(values.constructor);
      expect(Array.from(t.data as ArrayLike<unknown>)).toEqual(Array.from(values));
      expect((t.data as ArrayBufferView).buffer).toBe(body.buffer);
      expect(t.shape).toEqual([2, 2]);
    });

    it(`${dt}: a misaligned offset gives a copy with the same values`, () => {
      const size = values.byteLength / values.length;
      const { decoded, body } = decodeBinary(header(dt, bytes.byteLength), [bytes], {
        align: 8,
        misalign: 1,
      });
      const data = decoded.inputs.get('X')!.data as ArrayBufferView & ArrayLike<unknown>;
      expect(Array.from(data)).toEqual(Array.from(values));
      if (size > 1) expect(data.buffer).not.toBe(body.buffer);
      else expect(data.buffer).toBe(body.buffer);
    });
  }

  it('rejects a binary_data_size that is not count × element size', () => {
    expectEngineError(
      () => decodeBinary(header('FP32', 12), [new Uint8Array(12)]),
      'INVALID_ARG',
      "unexpected total byte size 12 for input 'X', expecting 16",
    );
  });

  it('rejects a binary_data_size that is not a non-negative integer', () => {
    for (const size of [-4, 1.5, '16', true]) {
      expectEngineError(
        () => decodeBinary(header('FP32', size as number), [new Uint8Array(16)]),
        'INVALID_ARG',
        "Unable to parse 'binary_data_size' of input 'X'",
      );
    }
  });
});

describe('binary slicing across inputs', () => {
  const twoInputs = (a: number, b: number) => ({
    inputs: [
      { name: 'A', datatype: 'UINT8', shape: [a], parameters: { binary_data_size: a } },
      { name: 'J', datatype: 'INT32', shape: [1], data: [9] },
      { name: 'B', datatype: 'UINT8', shape: [b], parameters: { binary_data_size: b } },
    ],
  });

  it('slices the bytes after the header in the order inputs appear', () => {
    const { decoded } = decodeBinary(twoInputs(2, 3), [
      new Uint8Array([1, 2]),
      new Uint8Array([3, 4, 5]),
    ]);
    expect(Array.from(decoded.inputs.get('A')!.data as Uint8Array)).toEqual([1, 2]);
    expect(Array.from(decoded.inputs.get('J')!.data as Int32Array)).toEqual([9]);
    expect(Array.from(decoded.inputs.get('B')!.data as Uint8Array)).toEqual([3, 4, 5]);
  });

  it('rejects fewer bytes than declared, naming the tensor and the shortfall', () => {
    expectEngineError(
      () => decodeBinary(twoInputs(2, 3), [new Uint8Array([1, 2, 3, 4])]),
      'INVALID_ARG',
      "unexpected size for input 'B', expecting 1 additional bytes",
    );
  });

  it('rejects bytes left over after the declared binary data, naming the inputs', () => {
    expectEngineError(
      () => decodeBinary(twoInputs(2, 3), [new Uint8Array(7)]),
      'INVALID_ARG',
      "unexpected additional input data: 2 bytes follow the binary data of inputs 'A', 'B'",
    );
    expectEngineError(
      () =>
        decodeBinary({ inputs: [{ name: 'J', datatype: 'INT32', shape: [1], data: [1] }] }, [
          new Uint8Array(3),
        ]),
      'INVALID_ARG',
      'unexpected additional input data: 3 bytes follow the JSON header',
    );
  });
});

describe('binary BYTES inputs', () => {
  it('parses length-prefixed elements, including empty and non-ASCII ones, as views', () => {
    const bin = encodeBytesElements(['', 'héllo', '日本'].map(utf8Bytes));
    const { decoded, body } = decodeBinary(header('BYTES', bin.byteLength, [3]), [bin], {
      misalign: 3,
    });
    const els = decoded.inputs.get('X')!.data as Uint8Array[];
    expect(els.map(e => new TextDecoder().decode(e))).toEqual(['', 'héllo', '日本']);
    expect(els[1]!.buffer).toBe(body.buffer);
  });

  it('rejects an element count that differs from the shape', () => {
    const bin = encodeBytesElements(['a', 'b'].map(utf8Bytes));
    expectEngineError(
      () => decodeBinary(header('BYTES', bin.byteLength, [3]), [bin]),
      'INVALID_ARG',
      "'X'",
      'expected 3 elements for its shape, got 2',
    );
  });

  it('rejects a truncated element', () => {
    const bin = new Uint8Array([4, 0, 0, 0, 0x61]);
    expectEngineError(
      () => decodeBinary(header('BYTES', bin.byteLength, [1]), [bin]),
      'INVALID_ARG',
      "'X'",
      'declares 4 bytes but only 1 remain',
    );
  });
});
