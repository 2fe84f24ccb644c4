import { describe, expect, it } from 'vitest';
import type { TensorMetadata } from '../../../../engine/runtime/types.js';
import { decodeInferBody } from '../../../../engine/server/codec/index.js';
import { bytesOf, expectEngineError, utf8Bytes } from './fixtures.js';

function raw(body: Uint8Array, ...inputs: TensorMetadata[]) {
  return decodeInferBody(body, 0, () => inputs);
}

const f32 = (n: number) => bytesOf(Float32Array.from({ length: n }, (_, i) => i + 0.5));
const shapeOf = (body: Uint8Array, meta: TensorMetadata) =>
  raw(body, meta).inputs.get(meta.name)!.shape;

describe('raw binary requests (Inference-Header-Content-Length: 0)', () => {
  it('treats a batching input as batch 1 and returns a view over the body', () => {
    const body = f32(16);
    const d = raw(body, { name: 'INPUT0', datatype: 'FP32', shape: [-1, 16] });
    expect(d.raw).toBe(true);
    expect(d.outputs).toBeUndefined();
    const t = d.inputs.get('INPUT0')!;
    expect(t.shape).toEqual([1, 16]);
    expect((t.data as Float32Array)[3]).toBe(3.5);
    expect((t.data as Float32Array).buffer).toBe(body.buffer);
  });

  it('sizes the variable dimension after a leading batch dimension from the byte length', () => {
    const t = raw(f32(12), { name: 'I', datatype: 'FP32', shape: [-1, -1, 4] }).inputs.get('I')!;
    expect(t.shape).toEqual([1, 3, 4]);
  });

  it('sizes a single variable dimension from the byte length (non-batching models)', () => {
    expect(shapeOf(f32(6), { name: 'I', datatype: 'FP32', shape: [3, -1] })).toEqual([3, 2]);
    expect(shapeOf(f32(32), { name: 'I', datatype: 'FP32', shape: [-1, 16] })).toEqual([2, 16]);
  });

  it('takes fixed shapes as they are and checks the byte size', () => {
    expect(shapeOf(new Uint8Array(4), { name: 'I', datatype: 'INT16', shape: [2] })).toEqual([2]);
    expectEngineError(
      () => raw(new Uint8Array(6), { name: 'I', datatype: 'INT16', shape: [2] }),
      'INVALID_ARG',
      "unexpected total byte size 6 for input 'I', expecting 4",
    );
  });

  it('rejects a byte length that is not a whole number of rows', () => {
    expectEngineError(
      () => raw(new Uint8Array(10), { name: 'I', datatype: 'FP32', shape: [-1, 2] }),
      'INVALID_ARG',
      "raw input 'I' has 10 bytes",
      '8-byte slices',
    );
  });

  it('rejects models with other than one input, with Triton wording', () => {
    const a: TensorMetadata = { name: 'A', datatype: 'FP32', shape: [-1, 8] };
    expectEngineError(
      () => raw(f32(8), a, { ...a, name: 'B' }, { ...a, name: 'C' }),
      'INVALID_ARG',
      'Raw request must only have 1 input (found 1) to be deduced but got 3 inputs in',
    );
    expectEngineError(() => raw(f32(8)), 'INVALID_ARG', 'but got 0 inputs');
  });

  it('rejects more than one variable dimension, with Triton wording', () => {
    expectEngineError(
      () => raw(f32(4), { name: 'INPUT0', datatype: 'FP16', shape: [-1, -1, -1] }),
      'INVALID_ARG',
      "The shape of the raw input 'INPUT0' can not be deduced because there are more than one variable-sized dimension",
    );
    expectEngineError(
      () => raw(f32(4), { name: 'I', datatype: 'FP32', shape: [2, -1, -1] }),
      'INVALID_ARG',
      'more than one variable-sized dimension',
    );
  });

  it('takes the whole body as the one element of a BYTES input of shape [1]', () => {
    const body = utf8Bytes('héllo');
    const batched = raw(body, { name: 'S', datatype: 'BYTES', shape: [-1, 1] }).inputs.get('S')!;
    expect(batched.shape).toEqual([1, 1]);
    expect(new TextDecoder().decode((batched.data as Uint8Array[])[0])).toBe('héllo');
    expect(shapeOf(body, { name: 'S', datatype: 'BYTES', shape: [1] })).toEqual([1]);
    const empty = raw(new Uint8Array(0), { name: 'S', datatype: 'BYTES', shape: [1] });
    expect((empty.inputs.get('S')!.data as Uint8Array[])[0]!.byteLength).toBe(0);
  });

  it('rejects BYTES inputs whose shape is not [1], with Triton wording', () => {
    for (const shape of [[-1, 2], [2], [-1, -1], [1, -1]]) {
      expectEngineError(
        () => raw(utf8Bytes('x'), { name: 'INPUT0', datatype: 'BYTES', shape }),
        'INVALID_ARG',
        "For BYTE datatype raw input 'INPUT0', the model must have input shape [1]",
      );
    }
  });

  it('calls the resolver only for raw requests', () => {
    let calls = 0;
    const input = { name: 'A', datatype: 'INT8', shape: [1], data: [1] };
    const body = utf8Bytes(JSON.stringify({ inputs: [input] }));
    decodeInferBody(body, body.byteLength, () => {
      calls++;
      return [];
    });
    expect(calls).toBe(0);
  });
});
