import { describe, expect, it } from 'vitest';
import { expectClose, readInferResponse, testData } from './infer-bodies.js';

describe('readInferResponse', () => {
  it('reads JSON outputs', () => {
    const body = Buffer.from(
      JSON.stringify({ outputs: [{ name: 'y', datatype: 'FP32', shape: [1, 2], data: [1, 2] }] }),
    );
    const y = readInferResponse(body, {}).get('y');
    expect(y?.shape).toEqual([1, 2]);
    expect(y?.data).toEqual(Float32Array.of(1, 2));
  });

  it('reads binary outputs in header order after the JSON header', () => {
    const header = Buffer.from(
      JSON.stringify({
        outputs: [
          { name: 'p', datatype: 'FP32', shape: [1], parameters: { binary_data_size: 4 } },
          { name: 'q', datatype: 'FP32', shape: [1], data: [7] },
          { name: 'r', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } },
        ],
      }),
    );
    const raw = Buffer.from(Float32Array.of(5, 6, 8).buffer);
    const headers = { 'inference-header-content-length': String(header.byteLength) };
    const out = readInferResponse(Buffer.concat([header, raw]), headers);
    expect(out.get('p')?.data).toEqual(Float32Array.of(5));
    expect(out.get('q')?.data).toEqual(Float32Array.of(7));
    expect(out.get('r')?.data).toEqual(Float32Array.of(6, 8));
  });

  it('refuses outputs that are not FP32', () => {
    const output = { name: 'i', datatype: 'INT32', shape: [1], data: [1] };
    const body = Buffer.from(JSON.stringify({ outputs: [output] }));
    expect(() => readInferResponse(body, {})).toThrow("output 'i': expected FP32, got INT32");
  });
});

describe('expectClose', () => {
  it('accepts values within the tolerance and names the first that is not', () => {
    const want = Float32Array.of(1, 2);
    const check = (got: Float32Array | undefined) => () => expectClose('y', got, want, 1e-3);
    expect(check(Float32Array.of(1, 2.0001))).not.toThrow();
    expect(check(Float32Array.of(1, 3))).toThrow('y[1]: expected 2, got 3');
    expect(check(undefined)).toThrow('y: missing');
    expect(check(Float32Array.of(1))).toThrow('expected 2 values, got 1');
  });
});

describe('testData', () => {
  it('is deterministic and in [-1, 1)', () => {
    const a = testData(1000, 9);
    expect(testData(1000, 9)).toEqual(a);
    expect(testData(1000, 10)).not.toEqual(a);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(-1);
    expect(Math.max(...a)).toBeLessThan(1);
  });
});
