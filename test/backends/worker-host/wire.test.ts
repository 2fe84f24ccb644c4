import { MessageChannel } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import type { WireTensor } from '../../../backends/worker-host/wire.js';
import {
  fromWire,
  fromWireError,
  ownsBuffer,
  toWire,
  toWireError,
} from '../../../backends/worker-host/wire.js';
import { EngineError } from '../../../engine/core/errors.js';
import { packBytes, unpackBytes } from '../../../engine/core/packed-bytes.js';
import type { TensorMap } from '../../../engine/core/tensor.js';

const utf8 = (s: string) => new TextEncoder().encode(s);

/** Posts through a real MessagePort, as the worker does, and returns what arrives. */
async function roundTrip(tensors: WireTensor[], transfer: ArrayBuffer[]): Promise<WireTensor[]> {
  const { port1, port2 } = new MessageChannel();
  const got = new Promise<WireTensor[]>(resolve => port2.once('message', resolve));
  port1.postMessage(tensors, transfer);
  const out = await got;
  port1.close();
  return out;
}

describe('packBytes / unpackBytes', () => {
  it('round-trips elements, empty ones included', () => {
    const items = ['héllo', '', '世界', ''].map(utf8);
    const { bytes, offsets } = packBytes(items);
    expect(Array.from(offsets)).toEqual([0, 6, 6, 12, 12]);
    expect(unpackBytes(bytes, offsets)).toEqual(items);
  });

  it('packs no elements into one offset', () => {
    const { bytes, offsets } = packBytes([]);
    expect([bytes.length, Array.from(offsets)]).toEqual([0, [0]]);
    expect(unpackBytes(bytes, offsets)).toEqual([]);
  });
});

describe('toWire', () => {
  it('copies inputs so the caller keeps its arrays when the copies are transferred', async () => {
    const body = new Float32Array([9, 1, 2, 3, 4]);
    const whole = Int32Array.of(5, 6);
    const inputs: TensorMap = new Map([
      ['view', { datatype: 'FP32', shape: [4], data: body.subarray(1) }],
      ['whole', { datatype: 'INT32', shape: [2], data: whole }],
    ]);
    const { tensors, transfer } = toWire(inputs, { copy: true });
    expect(transfer).toHaveLength(2);
    expect(transfer).not.toContain(body.buffer);
    expect(transfer).not.toContain(whole.buffer);
    const received = fromWire(await roundTrip(tensors, transfer));
    expect(received.get('view')).toEqual({
      datatype: 'FP32',
      shape: [4],
      data: Float32Array.of(1, 2, 3, 4),
    });
    expect(received.get('whole')?.data).toEqual(Int32Array.of(5, 6));
    expect([body.length, whole.length]).toEqual([5, 2]);
  });

  it('transfers arrays that own their buffer and copies partial views when not copying', () => {
    const owned = new BigInt64Array([1n, 2n]);
    const shared = new Uint16Array(8);
    const outputs: TensorMap = new Map([
      ['owned', { datatype: 'INT64', shape: [2], data: owned }],
      ['a', { datatype: 'FP16', shape: [2], data: shared.subarray(0, 2) }],
      ['b', { datatype: 'FP16', shape: [2], data: shared.subarray(2, 4) }],
    ]);
    const { tensors, transfer } = toWire(outputs, { copy: false });
    expect(transfer[0]).toBe(owned.buffer);
    expect(transfer).not.toContain(shared.buffer);
    expect(tensors.map(t => ('data' in t ? t.data.byteLength : -1))).toEqual([16, 4, 4]);
  });

  // issue #17: inputs the caller gave up travel without a copy; nothing it keeps is detached
  it('transfers moved inputs that own their buffer as they are, and copies the others', async () => {
    const moved = Float32Array.of(1, 2);
    const kept = Float32Array.of(3, 4);
    const body = new Float32Array(4);
    const inputs: TensorMap = new Map([
      ['moved', { datatype: 'FP32', shape: [2], data: moved }],
      ['kept', { datatype: 'FP32', shape: [2], data: kept }],
      ['view', { datatype: 'FP32', shape: [2], data: body.subarray(2) }],
    ]);
    const { tensors, transfer } = toWire(inputs, { copy: true, move: new Set(['moved', 'view']) });
    expect(transfer).toContain(moved.buffer);
    expect(transfer).not.toContain(kept.buffer);
    expect(transfer).not.toContain(body.buffer);
    const received = fromWire(await roundTrip(tensors, transfer));
    expect(received.get('moved')?.data).toEqual(Float32Array.of(1, 2));
    expect([moved.length, kept.length, body.length]).toEqual([0, 2, 4]);
  });

  it('copies a moved input whose buffer a kept input shares', async () => {
    const data = Int32Array.of(7, 8);
    const inputs: TensorMap = new Map([
      ['a', { datatype: 'INT32', shape: [2], data }],
      ['b', { datatype: 'INT32', shape: [2], data }],
    ]);
    const { tensors, transfer } = toWire(inputs, { copy: true, move: new Set(['a']) });
    expect(transfer).not.toContain(data.buffer);
    const received = fromWire(await roundTrip(tensors, transfer));
    expect([received.get('a')?.data, received.get('b')?.data]).toEqual([
      Int32Array.of(7, 8),
      Int32Array.of(7, 8),
    ]);
    expect(Array.from(data)).toEqual([7, 8]);
  });

  it('sends one buffer once when two tensors share it', async () => {
    const data = Float64Array.of(1.5, 2.5);
    const map: TensorMap = new Map([
      ['x', { datatype: 'FP64', shape: [2], data }],
      ['y', { datatype: 'FP64', shape: [2], data }],
    ]);
    const { tensors, transfer } = toWire(map, { copy: false });
    expect(transfer).toEqual([data.buffer]);
    const received = fromWire(await roundTrip(tensors, transfer));
    expect(received.get('y')?.data).toEqual(Float64Array.of(1.5, 2.5));
    expect(data.length).toBe(0);
  });

  it('packs BYTES into two transferred buffers, leaving the elements to the caller', async () => {
    const body = utf8('xxabcdé');
    const items = [body.subarray(2, 5), body.subarray(5)];
    const map: TensorMap = new Map([['s', { datatype: 'BYTES', shape: [2], data: items }]]);
    const { tensors, transfer } = toWire(map, { copy: true });
    expect(transfer).toHaveLength(2);
    const out = fromWire(await roundTrip(tensors, transfer)).get('s')!;
    expect((out.data as Uint8Array[]).map(b => new TextDecoder().decode(b))).toEqual(['abc', 'dé']);
    expect(body.length).toBe(8);
  });

  it('keeps the form of data that does not fit its datatype, for the worker to refuse', () => {
    const map: TensorMap = new Map([['t', { datatype: 'FP32', shape: [1], data: [utf8('a')] }]]);
    const [wire] = toWire(map, { copy: true }).tensors;
    expect(wire).toMatchObject({ datatype: 'FP32', packed: { offsets: Uint32Array.of(0, 1) } });
  });
});

describe('ownsBuffer', () => {
  it('holds only for an array spanning its whole, transferable buffer', () => {
    expect(ownsBuffer(new Float32Array(4))).toBe(true);
    expect(ownsBuffer(new Float32Array(4).subarray(1))).toBe(false);
    expect(ownsBuffer(new Float32Array(4).subarray(0, 3))).toBe(false);
    expect(ownsBuffer(new Float32Array(new SharedArrayBuffer(16)))).toBe(false);
  });
});

describe('wire errors', () => {
  it('keeps the engine code and message, and leaves ORT errors without a code', () => {
    const engine = fromWireError(
      toWireError(new EngineError('INVALID_ARG', "input 'x' of model 'm': bad")),
    );
    expect(engine).toBeInstanceOf(EngineError);
    expect(engine).toMatchObject({ code: 'INVALID_ARG', message: "input 'x' of model 'm': bad" });
    const ort = fromWireError(toWireError(new Error('Failed to allocate memory')));
    expect(ort).not.toBeInstanceOf(EngineError);
    expect(ort.message).toBe('Failed to allocate memory');
    expect(toWireError('plain text')).toEqual({ message: 'plain text' });
  });
});
