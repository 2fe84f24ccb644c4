// issue #15 section 3: the response cache, LRU by bytes, and the key that decides a hit.
import { describe, expect, it } from 'vitest';
import type { Tensor, TensorMap } from '../../../engine/core/tensor.js';
import {
  ResponseCache,
  responseCacheKey,
  type CacheKeyParts,
} from '../../../engine/runtime/response-cache.js';

const f32 = (...v: number[]): Tensor => ({
  datatype: 'FP32',
  shape: [1, v.length],
  data: new Float32Array(v),
});
const inputs = (t: Tensor = f32(1, 2, 3)): TensorMap => new Map([['x', t]]);
const key = (over: Partial<CacheKeyParts> = {}) =>
  responseCacheKey({ model: 'm', version: 1, inputs: inputs(), ...over });
const response = (bytes: number) => ({
  outputs: new Map([
    ['y', { datatype: 'UINT8' as const, shape: [bytes], data: new Uint8Array(bytes) }],
  ]),
});

describe('responseCacheKey', () => {
  it('is the same for the same request, and starts with the model and version', () => {
    expect(key()).toBe(key());
    expect(key()).toMatch(/^m\/1\/[0-9a-f]{64}$/);
  });

  it('tells apart model, version, input contents, name, datatype and shape', () => {
    const keys = [
      key(),
      key({ model: 'n' }),
      key({ version: 2 }),
      key({ inputs: inputs(f32(1, 2, 4)) }),
      key({ inputs: new Map([['z', f32(1, 2, 3)]]) }),
      key({
        inputs: inputs({
          datatype: 'INT32',
          shape: [1, 3],
          data: new Int32Array(new Float32Array([1, 2, 3]).buffer),
        }),
      }),
      key({
        inputs: inputs({ datatype: 'FP32', shape: [3, 1], data: new Float32Array([1, 2, 3]) }),
      }),
    ];
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('does not depend on the order inputs were sent in', () => {
    const a = new Map([
      ['a', f32(1)],
      ['b', f32(2)],
    ]);
    const b = new Map([
      ['b', f32(2)],
      ['a', f32(1)],
    ]);
    expect(key({ inputs: a })).toBe(key({ inputs: b }));
  });

  it('frames BYTES elements, so ["ab","c"] and ["a","bc"] differ', () => {
    const enc = (...s: string[]): Tensor => ({
      datatype: 'BYTES',
      shape: [s.length],
      data: s.map(x => new TextEncoder().encode(x)),
    });
    expect(key({ inputs: inputs(enc('ab', 'c')) })).not.toBe(
      key({ inputs: inputs(enc('a', 'bc')) }),
    );
  });

  it('tells apart parameters that may change outputs, and their types', () => {
    expect(key({ parameters: { factor: 3 } })).not.toBe(key());
    expect(key({ parameters: { factor: 3 } })).not.toBe(key({ parameters: { factor: '3' } }));
    expect(key({ parameters: { factor: 3 } })).not.toBe(key({ parameters: { factor: 4 } }));
  });

  it('ignores priority, timeout and binary_data_output, which change only delivery', () => {
    expect(key({ parameters: { priority: 1, timeout: 5000, binary_data_output: true } })).toBe(
      key(),
    );
  });

  it('tells apart the outputs asked for, in any order, from all outputs', () => {
    expect(key({ outputs: ['y'] })).not.toBe(key());
    expect(key({ outputs: ['y'] })).not.toBe(key({ outputs: ['y', 'z'] }));
    expect(key({ outputs: ['z', 'y'] })).toBe(key({ outputs: ['y', 'z'] }));
  });
});

describe('ResponseCache', () => {
  it('evicts the least recently used entries once their bytes pass the size', () => {
    const cache = new ResponseCache({ sizeBytes: 3000 });
    expect(cache.set('a', response(1000))).toBe(true);
    expect(cache.set('b', response(1000))).toBe(true);
    cache.get('a'); // a is now more recently used than b
    expect(cache.set('c', response(1000))).toBe(true);
    expect(cache.get('b')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
    expect(cache.get('c')).toBeDefined();
    expect(cache.stats()).toMatchObject({ entries: 2, sizeBytes: 3000 });
    expect(cache.stats().bytes).toBeLessThanOrEqual(3000);
  });

  it('counts every byte of BYTES elements', () => {
    const cache = new ResponseCache({ sizeBytes: 4000 });
    const big = {
      outputs: new Map([
        [
          't',
          {
            datatype: 'BYTES' as const,
            shape: [3],
            data: [new Uint8Array(1000), new Uint8Array(1000), new Uint8Array(1000)],
          },
        ],
      ]),
    };
    cache.set('big', big);
    expect(cache.stats().bytes).toBeGreaterThan(3000);
    cache.set('other', response(1000));
    expect(cache.get('big')).toBeUndefined();
  });

  it('keeps nothing larger than the whole cache, and keeps what it held', () => {
    const cache = new ResponseCache({ sizeBytes: 2000 });
    cache.set('a', response(500));
    expect(cache.set('huge', response(5000))).toBe(false);
    expect(cache.get('huge')).toBeUndefined();
    expect(cache.get('a')).toBeDefined();
  });

  it('hands out copies: a caller changing its outputs changes no later hit', () => {
    const cache = new ResponseCache({ sizeBytes: 10_000 });
    const r = response(4);
    cache.set('k', r);
    (r.outputs.get('y')!.data as Uint8Array)[0] = 9;
    const first = cache.get('k')!;
    (first.outputs.get('y')!.data as Uint8Array)[1] = 7;
    expect([...(cache.get('k')!.outputs.get('y')!.data as Uint8Array)]).toEqual([0, 0, 0, 0]);
  });
});
