/**
 * Reading infer responses in either encoding (JSON, or the binary tensor data extension) and
 * comparing outputs, so every benchmark case can be checked for correct outputs before it is
 * measured; and deterministic FP32 test data. The request builders are `braid perf`'s
 * (engine/cli/perf/request-body.ts).
 *
 * @module
 */

/** An FP32 tensor of a request or response. */
export interface Fp32Tensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

interface OutputHeader {
  readonly name: string;
  readonly datatype: string;
  readonly shape: number[];
  readonly data?: number[];
  readonly parameters?: { readonly binary_data_size?: number };
}

const HEADER_LENGTH = 'inference-header-content-length';

function copyFp32(bytes: Buffer, name: string): Float32Array {
  if (bytes.byteLength % 4 !== 0) {
    throw new Error(`output '${name}': ${bytes.byteLength} bytes is not whole FP32 values`);
  }
  const out = new Float32Array(bytes.byteLength / 4);
  new Uint8Array(out.buffer).set(bytes);
  return out;
}

/**
 * Reads the FP32 outputs of an infer response in either encoding (JSON data, or binary data
 * after the JSON header named by Inference-Header-Content-Length).
 *
 * @example
 * const outputs = readInferResponse(res.body, res.headers);
 * outputs.get('OUTPUT0')?.data;
 */
export function readInferResponse(
  body: Buffer,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): Map<string, Fp32Tensor> {
  const raw = headers[HEADER_LENGTH];
  const headerLength = raw === undefined ? body.byteLength : Number(raw);
  const json = JSON.parse(body.toString('utf8', 0, headerLength)) as { outputs?: OutputHeader[] };
  const out = new Map<string, Fp32Tensor>();
  let offset = headerLength;
  for (const o of json.outputs ?? []) {
    if (o.datatype !== 'FP32') {
      throw new Error(`output '${o.name}': expected FP32, got ${o.datatype}`);
    }
    const size = o.parameters?.binary_data_size;
    let data: Float32Array;
    if (size !== undefined) {
      data = copyFp32(body.subarray(offset, offset + size), o.name);
      offset += size;
    } else {
      data = Float32Array.from(o.data ?? []);
    }
    out.set(o.name, { name: o.name, shape: o.shape, data });
  }
  return out;
}

/**
 * Throws unless `actual` has `expected`'s length and every element within `tolerance`
 * (relative to max(1, |expected|)).
 *
 * @example
 * expectClose('OUTPUT0', got, want, 1e-6);
 */
export function expectClose(
  label: string,
  actual: Float32Array | undefined,
  expected: Float32Array,
  tolerance: number,
): void {
  if (actual === undefined) throw new Error(`${label}: missing from the response`);
  if (actual.length !== expected.length) {
    throw new Error(`${label}: expected ${expected.length} values, got ${actual.length}`);
  }
  for (let i = 0; i < expected.length; i++) {
    const want = expected[i]!;
    const got = actual[i]!;
    if (!(Math.abs(got - want) <= tolerance * Math.max(1, Math.abs(want)))) {
      throw new Error(`${label}[${i}]: expected ${want}, got ${got}`);
    }
  }
}

/**
 * Deterministic FP32 test data in [-1, 1).
 *
 * @example
 * testData(16, 1);
 */
export function testData(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  let a = seed >>> 0;
  for (let i = 0; i < n; i++) {
    a = (Math.imul(a, 1664525) + 1013904223) >>> 0;
    out[i] = a / 2 ** 31 - 1;
  }
  return out;
}
