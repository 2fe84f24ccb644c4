import { describe, expect, it } from 'vitest';
import {
  binaryInferRequest,
  jsonInferRequest,
  tensorBytes,
} from '../../../../engine/cli/perf/request-body.js';

const data = Float32Array.of(1.5, -2, 3.25, 0);

function binaryParts(body: Buffer, headers: Readonly<Record<string, string>>) {
  const headerLength = Number(headers['inference-header-content-length']);
  const header = JSON.parse(body.subarray(0, headerLength).toString()) as Record<string, unknown>;
  return { header, tail: body.subarray(headerLength) };
}

describe('request bodies', () => {
  it('writes a JSON request with flat FP32 data', () => {
    const req = jsonInferRequest([{ name: 'a', shape: [1, 4], data }], 'r1');
    expect(req.headers['content-type']).toBe('application/json');
    expect(JSON.parse(req.body.toString())).toEqual({
      id: 'r1',
      inputs: [{ name: 'a', shape: [1, 4], datatype: 'FP32', data: [1.5, -2, 3.25, 0] }],
    });
  });

  it('writes a binary request: JSON header of the announced length, then the raw floats', () => {
    const req = binaryInferRequest([{ name: 'a', shape: [1, 4], data }], ['y']);
    const headerLength = Number(req.headers['inference-header-content-length']);
    const headerText = req.body.subarray(0, headerLength).toString();
    const header = JSON.parse(headerText) as Record<string, unknown>;
    expect(header['outputs']).toEqual([{ name: 'y', parameters: { binary_data: true } }]);
    expect(header['inputs']).toEqual([
      { name: 'a', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } },
    ]);
    const tail = req.body.subarray(headerLength);
    const floats = tail.buffer.slice(tail.byteOffset, tail.byteOffset + 16);
    expect(new Float32Array(floats)).toEqual(data);
  });

  it('writes every numeric datatype as JSON numbers, BOOL as booleans, BYTES as strings', () => {
    const req = jsonInferRequest([
      { name: 'i', datatype: 'INT64', shape: [2], data: BigInt64Array.of(-3n, 7n) },
      { name: 'b', datatype: 'BOOL', shape: [2], data: Uint8Array.of(1, 0) },
      { name: 's', datatype: 'BYTES', shape: [1], data: ['héllo'] },
    ]);
    const inputs = (JSON.parse(req.body.toString()) as { inputs: { data: unknown[] }[] }).inputs;
    expect(inputs.map(i => i.data)).toEqual([[-3, 7], [true, false], ['héllo']]);
  });

  it('refuses FP16 in JSON, naming the input', () => {
    const half = { name: 'h', datatype: 'FP16', shape: [1], data: Uint16Array.of(0x3c00) };
    expect(() => jsonInferRequest([half])).toThrow("input 'h': FP16 travels only as binary data");
  });

  it('frames BYTES elements with a 4-byte little-endian length in binary', () => {
    const bytes = tensorBytes({ name: 's', datatype: 'BYTES', shape: [2], data: ['ab', ''] });
    expect([...bytes]).toEqual([2, 0, 0, 0, 0x61, 0x62, 0, 0, 0, 0]);
  });

  it('puts several inputs back to back, each with its own binary_data_size', () => {
    const req = binaryInferRequest(
      [
        { name: 'a', datatype: 'INT32', shape: [1, 2], data: Int32Array.of(1, -1) },
        { name: 'h', datatype: 'FP16', shape: [1], data: Uint16Array.of(0x3c00) },
      ],
      [],
    );
    const { header, tail } = binaryParts(req.body, req.headers);
    const sizes = (header['inputs'] as { parameters: { binary_data_size: number } }[]).map(
      i => i.parameters.binary_data_size,
    );
    expect(sizes).toEqual([8, 2]);
    expect([...tail]).toEqual([1, 0, 0, 0, 255, 255, 255, 255, 0x00, 0x3c]);
  });
});
