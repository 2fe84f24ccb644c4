import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../../engine/core/errors.js';
import { servedHere } from '../../../../engine/server/frontends/forward.js';
import {
  fromWire,
  movableBuffers,
  ownBuffer,
  toWire,
} from '../../../../engine/server/frontends/wire.js';

const incoming = (method: string, url: string, headers: Record<string, string> = {}) =>
  ({ method, url, headers }) as unknown as IncomingMessage;

describe('frontend threads: what crosses to the engine thread (issue #14)', () => {
  it('keeps an EngineError its code and reason, and a plain error plain', () => {
    const e = fromWire(toWire(new EngineError('CANCELLED', 'gone')));
    expect(e).toBeInstanceOf(EngineError);
    expect(e).toMatchObject({ code: 'CANCELLED', reason: 'CANCELED', message: 'gone' });
    const plain = fromWire(toWire(new TypeError('boom')));
    expect(plain).not.toBeInstanceOf(EngineError);
    expect(plain.message).toBe('boom');
  });

  it('moves each large tensor buffer once, never small ones that may share a pool', () => {
    const body = new ArrayBuffer(64 * 1024);
    const inputs = new Map([
      ['a', { datatype: 'FP32' as const, shape: [2], data: new Float32Array(body, 0, 2) }],
      ['b', { datatype: 'FP32' as const, shape: [2], data: new Float32Array(body, 8, 2) }],
      ['c', { datatype: 'FP32' as const, shape: [2], data: new Float32Array(2) }],
      ['d', { datatype: 'BYTES' as const, shape: [1], data: [new Uint8Array(1)] }],
    ]);
    expect(movableBuffers(inputs)).toEqual([body]);
  });

  it('hands over a whole large body as is and copies a view of part of one', () => {
    const whole = new Uint8Array(16 * 1024);
    expect(ownBuffer(whole)).toBe(whole.buffer);
    const part = whole.subarray(4, 8);
    part.set([1, 2, 3, 4]);
    const copy = ownBuffer(part);
    expect(copy).not.toBe(whole.buffer);
    expect([...new Uint8Array(copy)]).toEqual([1, 2, 3, 4]);
  });

  it('serves JSON and binary infer on the frontend, forwards raw binary and everything else', () => {
    expect(servedHere(incoming('POST', '/v2/models/m/infer'))).toBe(true);
    expect(servedHere(incoming('POST', '/v2/models/m/versions/2/infer?x=1'))).toBe(true);
    const binary = { 'inference-header-content-length': '12' };
    expect(servedHere(incoming('POST', '/v2/models/m/infer', binary))).toBe(true);
    const raw = { 'inference-header-content-length': ' 0 ' };
    expect(servedHere(incoming('POST', '/v2/models/m/infer', raw))).toBe(false);
    expect(servedHere(incoming('GET', '/v2/models/m/infer'))).toBe(false);
    expect(servedHere(incoming('POST', '/v2/models/m/generate'))).toBe(false);
    expect(servedHere(incoming('GET', '/v2/models/m/stats'))).toBe(false);
  });
});
