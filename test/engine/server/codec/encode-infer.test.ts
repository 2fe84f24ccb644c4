import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../../../engine/core/tensor.js';
import { decodeBytesElements, encodeInferResponse } from '../../../../engine/server/codec/index.js';
import type { EncodeOptions, InferResponse } from '../../../../engine/server/codec/index.js';
import { bytesOf, expectEngineError, utf8Bytes } from './fixtures.js';

const JSON_ONLY: EncodeOptions = { binaryDefault: false, allBinary: false };
const text = (b: Uint8Array) => new TextDecoder().decode(b);

type Named = [string, Tensor];

function response(outputs: Named[], extra: Partial<InferResponse> = {}): InferResponse {
  return { modelName: 'simple', modelVersion: '1', outputs: new Map(outputs), ...extra };
}

function out(
  name: string,
  datatype: Tensor['datatype'],
  shape: number[],
  data: Tensor['data'],
): Named {
  return [name, { datatype, shape, data }];
}

const A = out('A', 'INT32', [1, 3], new Int32Array([1, -2, 3]));
const B = out('B', 'FP32', [2], new Float32Array([0.5, -1.25]));
const S = out('S', 'BYTES', [2], ['', 'ü'].map(utf8Bytes));
const encodeText = (r: InferResponse, opts: EncodeOptions = JSON_ONLY) =>
  text(encodeInferResponse(r, opts).body);

/** Splits a binary response into its parsed JSON header and the bytes after it. */
function split(body: Uint8Array, headerLength: number) {
  const header = JSON.parse(text(body.subarray(0, headerLength)));
  return { header, rest: body.subarray(headerLength) };
}

describe('encodeInferResponse: JSON', () => {
  it('writes the exact Triton JSON shape with flat data', () => {
    const enc = encodeInferResponse(response([A], { id: 'r1' }), JSON_ONLY);
    expect(enc.contentType).toBe('application/json');
    expect(enc.headerLength).toBeUndefined();
    expect(text(enc.body)).toBe(
      '{"id":"r1","model_name":"simple","model_version":"1","outputs":' +
        '[{"name":"A","datatype":"INT32","shape":[1,3],"data":[1,-2,3]}]}',
    );
  });

  it('echoes id only when non-empty and writes parameters only when present', () => {
    expect(encodeText(response([A], { id: '' }))).not.toContain('"id"');
    expect(encodeText(response([A]))).not.toContain('"id"');
    expect(encodeText(response([A], { parameters: {} }))).not.toContain('parameters');
    const withParams = encodeText(response([A], { parameters: { seq: 'x', n: 2, ok: true } }));
    expect(withParams).toContain(
      '"model_version":"1","parameters":{"seq":"x","n":2,"ok":true},"outputs"',
    );
  });

  it('escapes names, ids and version strings', () => {
    const enc = encodeInferResponse(
      response([['q"\\\n', A[1]]], { id: 'a"b', modelName: 'm/é' }),
      JSON_ONLY,
    );
    const parsed = JSON.parse(text(enc.body));
    expect(parsed.id).toBe('a"b');
    expect(parsed.model_name).toBe('m/é');
    expect(parsed.outputs[0].name).toBe('q"\\\n');
  });

  it('writes BOOL as true/false, BYTES as strings, INT64/UINT64 with every digit', () => {
    const enc = encodeInferResponse(
      response([
        out('b', 'BOOL', [3], new Uint8Array([1, 0, 2])),
        S,
        out('i', 'INT64', [2], new BigInt64Array([-(2n ** 63n), 2n ** 60n + 1n])),
        out('u', 'UINT64', [1], new BigUint64Array([2n ** 64n - 1n])),
      ]),
      JSON_ONLY,
    );
    const body = text(enc.body);
    expect(body).toContain('"data":[true,false,true]');
    expect(body).toContain('"data":["","ü"]');
    expect(body).toContain('"data":[-9223372036854775808,1152921504606846977]');
    expect(body).toContain('"data":[18446744073709551615]');
  });

  it('prints floats exactly as JSON.stringify does', () => {
    const values = Float64Array.from([
      0.1,
      1 / 3,
      -0,
      1e21,
      1e-7,
      123456789.125,
      5e-324,
      -1.7976931348623157e308,
    ]);
    const f32 = Float32Array.from([0.1, 1 / 3, 1e-7, 16777217, -2.5]);
    const enc = encodeInferResponse(
      response([out('d', 'FP64', [values.length], values), out('f', 'FP32', [f32.length], f32)]),
      JSON_ONLY,
    );
    const parsed = JSON.parse(text(enc.body));
    expect(text(enc.body)).toContain(`"data":${JSON.stringify(Array.from(values))}`);
    expect(text(enc.body)).toContain(`"data":${JSON.stringify(Array.from(f32))}`);
    expect(parsed.outputs[1].data).toEqual(Array.from(f32));
  });

  it("writes NaN and infinities as Triton's rapidjson writer does", () => {
    const enc = encodeInferResponse(
      response([out('f', 'FP32', [3], new Float32Array([Number.NaN, Infinity, -Infinity]))]),
      JSON_ONLY,
    );
    expect(text(enc.body)).toContain('"data":[NaN,Infinity,-Infinity]');
  });

  it('rejects data whose element count does not match the shape', () => {
    expectEngineError(
      () =>
        encodeInferResponse(
          response([['A', { datatype: 'INT32', shape: [2, 2], data: new Int32Array(3) }]]),
          JSON_ONLY,
        ),
      'INTERNAL',
      "output tensor shape does not match size of output for 'A'",
      'needs 4 elements, got 3',
    );
  });
});

describe('encodeInferResponse: binary and mixed', () => {
  it('appends binary outputs after the JSON header, in output order, with binary_data_size', () => {
    const enc = encodeInferResponse(response([A, B]), { binaryDefault: true, allBinary: false });
    expect(enc.contentType).toBe('application/octet-stream');
    const { header, rest } = split(enc.body, enc.headerLength!);
    expect(header.outputs).toEqual([
      { name: 'A', datatype: 'INT32', shape: [1, 3], parameters: { binary_data_size: 12 } },
      { name: 'B', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } },
    ]);
    const expected = [...bytesOf(A[1].data as Int32Array), ...bytesOf(B[1].data as Float32Array)];
    expect(Array.from(rest)).toEqual(expected);
  });

  it('writes binary BYTES outputs length-prefixed', () => {
    const enc = encodeInferResponse(response([S]), { binaryDefault: false, allBinary: true });
    const { header, rest } = split(enc.body, enc.headerLength!);
    expect(header.outputs[0].parameters).toEqual({ binary_data_size: 4 + 4 + 2 });
    expect(decodeBytesElements(rest, 2).map(text)).toEqual(['', 'ü']);
  });

  it('mixes JSON and binary outputs by their own binary_data parameter', () => {
    const enc = encodeInferResponse(response([A, B]), {
      requested: [
        { name: 'A', parameters: { binary_data: true } },
        { name: 'B', parameters: { binary_data: false } },
      ],
      binaryDefault: true,
      allBinary: false,
    });
    const { header, rest } = split(enc.body, enc.headerLength!);
    expect(header.outputs).toEqual([
      { name: 'A', datatype: 'INT32', shape: [1, 3], parameters: { binary_data_size: 12 } },
      { name: 'B', datatype: 'FP32', shape: [2], data: [0.5, -1.25] },
    ]);
    expect(rest.byteLength).toBe(12);
  });

  it('uses binaryDefault for requested outputs without their own binary_data', () => {
    const enc = encodeInferResponse(response([A]), {
      requested: [{ name: 'A' }],
      binaryDefault: true,
      allBinary: false,
    });
    const { header } = split(enc.body, enc.headerLength!);
    expect(header.outputs[0].parameters).toEqual({ binary_data_size: 12 });
  });

  it('sends everything binary when allBinary is set, whatever the outputs ask', () => {
    const enc = encodeInferResponse(response([A]), {
      requested: [{ name: 'A', parameters: { binary_data: false } }],
      binaryDefault: false,
      allBinary: true,
    });
    expect(enc.headerLength).toBeDefined();
    expect(split(enc.body, enc.headerLength!).rest.byteLength).toBe(12);
  });

  it('sends FP16 and BF16 binary even when JSON was asked for', () => {
    const h = out('h', 'FP16', [2], new Uint16Array([0x3c00, 0xc000]));
    const enc = encodeInferResponse(response([h, A]), JSON_ONLY);
    const { header, rest } = split(enc.body, enc.headerLength!);
    expect(header.outputs[0].parameters).toEqual({ binary_data_size: 4 });
    expect(header.outputs[1].data).toEqual([1, -2, 3]);
    expect(Array.from(rest)).toEqual([0x00, 0x3c, 0x00, 0xc0]);
  });

  it('reads binary parts from typed arrays that are views at an offset', () => {
    const backing = new Float32Array([9, 9, 7.5, 8.5]);
    const view = new Float32Array(backing.buffer, 8, 2);
    const enc = encodeInferResponse(response([out('v', 'FP32', [2], view)]), {
      binaryDefault: true,
      allBinary: false,
    });
    const { rest } = split(enc.body, enc.headerLength!);
    expect(Array.from(new Float32Array(rest.slice().buffer))).toEqual([7.5, 8.5]);
  });
});

describe('encodeInferResponse: output order', () => {
  const names = (r: InferResponse, requested?: EncodeOptions['requested']): string[] =>
    JSON.parse(encodeText(r, { ...JSON_ONLY, requested })).outputs.map(
      (o: { name: string }) => o.name,
    );

  it('follows the requested order, not the order the engine returned', () => {
    expect(names(response([A, B]), [{ name: 'B' }, { name: 'A' }])).toEqual(['B', 'A']);
  });

  it('uses the model order when nothing was requested', () => {
    expect(names(response([B, A]))).toEqual(['B', 'A']);
    expect(names(response([B, A]), [])).toEqual(['B', 'A']);
  });

  it('skips requested outputs the engine did not return and appends unrequested ones', () => {
    const requested = [{ name: 'S' }, { name: 'missing' }];
    expect(names(response([A, B, S]), requested)).toEqual(['S', 'A', 'B']);
  });
});
