import { describe, expect, it } from 'vitest';
import type { DataType } from '../../../engine/core/datatype.js';
import { typedArrayFor } from '../../../engine/core/tensor.js';
import type { Tensor, TensorData, TensorMap } from '../../../engine/core/tensor.js';
import {
  batchShapeKey,
  concatBatch,
  splitBatch,
} from '../../../engine/scheduling/batch-tensors.js';

const label = "model 'm' version 1";
const map = (...entries: [string, Tensor][]): TensorMap => new Map(entries);
const t = (datatype: DataType, shape: number[], data: TensorData): Tensor => ({
  datatype,
  shape,
  data,
});

describe('concatBatch', () => {
  it('passes a single request through without copying', () => {
    const inputs = map(['X', t('FP32', [2, 2], new Float32Array(4))]);
    expect(concatBatch(label, [inputs])).toBe(inputs);
  });

  const typed: [Exclude<DataType, 'BYTES'>, (n: number) => number | bigint][] = [
    ['BOOL', n => n % 2],
    ['UINT8', n => n],
    ['INT8', n => -n],
    ['UINT16', n => n],
    ['INT16', n => -n],
    ['FP16', n => n],
    ['BF16', n => n],
    ['UINT32', n => n],
    ['INT32', n => -n],
    ['UINT64', n => BigInt(n)],
    ['INT64', n => -BigInt(n)],
    ['FP32', n => n / 2],
    ['FP64', n => n / 4],
  ];
  it.each(typed)('joins %s along axis 0 in request order', (dt, value) => {
    const Ctor = typedArrayFor(dt);
    const make = (rows: number, from: number): TensorData => {
      const a = new Ctor(rows * 2);
      for (let i = 0; i < a.length; i++) (a as unknown as (number | bigint)[])[i] = value(from + i);
      return a;
    };
    const a = map(['X', t(dt, [1, 2], make(1, 0))]);
    const b = map(['X', t(dt, [2, 2], make(2, 2))]);
    const out = concatBatch(label, [a, b]).get('X')!;
    expect(out.shape).toEqual([3, 2]);
    expect(out.data).toBeInstanceOf(Ctor);
    expect(Array.from(out.data as ArrayLike<number | bigint>)).toEqual(
      Array.from(make(3, 0) as ArrayLike<number | bigint>),
    );
  });

  it('joins BYTES element lists, sharing the element buffers', () => {
    const e = (s: string) => new TextEncoder().encode(s);
    const a = map(['S', t('BYTES', [1], [e('a')])]);
    const bEls = [e('b'), e('c')];
    const b = map(['S', t('BYTES', [2], bEls)]);
    const out = concatBatch(label, [a, b]).get('S')!;
    expect(out.shape).toEqual([3]);
    expect((out.data as Uint8Array[]).map(x => new TextDecoder().decode(x))).toEqual([
      'a',
      'b',
      'c',
    ]);
    expect((out.data as Uint8Array[])[1]).toBe(bEls[0]);
  });

  it('joins every input of multi-input requests', () => {
    const a = map(
      ['X', t('INT32', [1, 1], Int32Array.of(1))],
      ['Y', t('FP32', [1], Float32Array.of(10))],
    );
    const b = map(
      ['Y', t('FP32', [1], Float32Array.of(20))],
      ['X', t('INT32', [1, 1], Int32Array.of(2))],
    );
    const out = concatBatch(label, [a, b]);
    expect(Array.from(out.get('X')!.data as Int32Array)).toEqual([1, 2]);
    expect(Array.from(out.get('Y')!.data as Float32Array)).toEqual([10, 20]);
  });

  it('refuses requests whose inputs cannot be joined, naming model and input', () => {
    const a = map(['X', t('FP32', [1, 2], new Float32Array(2))]);
    const b = map(['X', t('FP32', [1, 3], new Float32Array(3))]);
    expect(() => concatBatch(label, [a, b])).toThrow(
      expect.objectContaining({
        code: 'INTERNAL',
        message: expect.stringMatching(/model 'm' version 1.*'X'.*\[1,3\]/),
      }),
    );
    const c = map(
      ['X', t('FP32', [1, 2], new Float32Array(2))],
      ['Z', t('FP32', [1], new Float32Array(1))],
    );
    expect(() => concatBatch(label, [a, c])).toThrow(/input 'Z'/);
  });
});

describe('splitBatch', () => {
  it('splits typed outputs into views sized by each request, without copying', () => {
    const data = Float32Array.from({ length: 16 }, (_, i) => i);
    const [a, b] = splitBatch(label, map(['Y', t('FP32', [8, 2], data)]), [3, 5]);
    const ya = a!.get('Y')!;
    const yb = b!.get('Y')!;
    expect(ya.shape).toEqual([3, 2]);
    expect(yb.shape).toEqual([5, 2]);
    expect(Array.from(ya.data as Float32Array)).toEqual([0, 1, 2, 3, 4, 5]);
    expect((yb.data as Float32Array)[0]).toBe(6);
    expect((ya.data as Float32Array).buffer).toBe(data.buffer);
    expect((yb.data as Float32Array).byteOffset).toBe(6 * 4);
  });

  it('splits BigInt64 and BYTES outputs', () => {
    const big = BigInt64Array.of(1n, 2n, 3n);
    const bytes = [Uint8Array.of(1), Uint8Array.of(2), Uint8Array.of(3)];
    const [a, b] = splitBatch(
      label,
      map(['I', t('INT64', [3], big)], ['S', t('BYTES', [3, 1], bytes)]),
      [1, 2],
    );
    expect(Array.from(b!.get('I')!.data as BigInt64Array)).toEqual([2n, 3n]);
    expect(a!.get('S')!.data).toEqual([bytes[0]]);
    expect(b!.get('S')!.shape).toEqual([2, 1]);
  });

  it('fails INTERNAL naming model and output when axis 0 is not the total batch', () => {
    const out = map(['Y', t('FP32', [7, 2], new Float32Array(14))]);
    expect(() => splitBatch(label, out, [3, 5])).toThrow(
      expect.objectContaining({
        code: 'INTERNAL',
        message: expect.stringMatching(
          /model 'm' version 1: output 'Y' has shape \[7,2\].*batch size 8/,
        ),
      }),
    );
    expect(() => splitBatch(label, map(['Y', t('FP32', [], new Float32Array(1))]), [1, 1])).toThrow(
      /output 'Y'/,
    );
    expect(() =>
      splitBatch(label, map(['Y', t('FP32', [2, 2], new Float32Array(3))]), [1, 1]),
    ).toThrow(/holds 3 elements, expected 4/);
  });
});

describe('batchShapeKey', () => {
  it('is equal exactly when the non-batch dims, datatypes and names agree, in any input order', () => {
    const x = (rows: number, w: number) => t('FP32', [rows, w], new Float32Array(rows * w));
    const y = t('INT32', [1], new Int32Array(1));
    expect(batchShapeKey(map(['X', x(1, 4)], ['Y', y]))).toBe(
      batchShapeKey(map(['Y', y], ['X', x(3, 4)])),
    );
    expect(batchShapeKey(map(['X', x(1, 4)]))).not.toBe(batchShapeKey(map(['X', x(1, 5)])));
    expect(batchShapeKey(map(['X', x(1, 4)]))).not.toBe(
      batchShapeKey(map(['X', x(1, 4)], ['Y', y])),
    );
  });
});
