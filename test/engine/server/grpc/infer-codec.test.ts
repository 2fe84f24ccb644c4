import { describe, expect, it } from 'vitest';
import {
  decodeGrpcInfer,
  encodeGrpcInfer,
  grpcVersion,
  readGrpcParameters,
} from '../../../../engine/server/grpc/infer-codec.js';
import type { GrpcInferRequest } from '../../../../engine/server/grpc/infer-codec.js';

const req = (over: Partial<GrpcInferRequest>): GrpcInferRequest => ({
  model_name: 'm',
  model_version: '',
  id: '',
  inputs: [],
  ...over,
});
const enc = new TextEncoder();

describe('gRPC infer codec', () => {
  it('reads typed contents of every kind into the engine types', () => {
    const d = decodeGrpcInfer(
      req({
        inputs: [
          { name: 'b', datatype: 'BOOL', shape: ['2'], contents: { bool_contents: [true, false] } },
          {
            name: 'i',
            datatype: 'INT64',
            shape: ['1', '2'],
            contents: { int64_contents: ['-9007199254740993', '4'] },
          },
          {
            name: 's',
            datatype: 'BYTES',
            shape: ['2'],
            contents: { bytes_contents: [enc.encode('hi'), enc.encode('')] },
          },
          { name: 'u', datatype: 'UINT8', shape: ['3'], contents: { uint_contents: [1, 2, 255] } },
        ],
      }),
    );
    expect(Array.from(d.inputs.get('b')!.data as Uint8Array)).toEqual([1, 0]);
    expect(Array.from(d.inputs.get('i')!.data as BigInt64Array)).toEqual([-9007199254740993n, 4n]);
    expect(d.inputs.get('i')!.shape).toEqual([1, 2]);
    expect((d.inputs.get('s')!.data as Uint8Array[]).map(b => new TextDecoder().decode(b))).toEqual(
      ['hi', ''],
    );
    expect(d.inputs.get('u')!.data).toEqual(Uint8Array.of(1, 2, 255));
    expect(d).not.toHaveProperty('modelVersion');
  });

  it('reads raw contents with the binary extension layout, BYTES length-prefixed', () => {
    const bytes = Buffer.concat([Buffer.from([3, 0, 0, 0]), Buffer.from('abc')]);
    const d = decodeGrpcInfer(
      req({
        model_version: '3',
        inputs: [
          { name: 'x', datatype: 'FP16', shape: ['2'] },
          { name: 's', datatype: 'BYTES', shape: ['1'] },
        ],
        raw_input_contents: [Buffer.from(Uint16Array.of(0x3c00, 0x4000).buffer), bytes],
      }),
    );
    expect(d.modelVersion).toBe(3);
    expect(Array.from(d.inputs.get('x')!.data as Uint16Array)).toEqual([0x3c00, 0x4000]);
    expect(new TextDecoder().decode((d.inputs.get('s')!.data as Uint8Array[])[0])).toBe('abc');
  });

  it('says which input is wrong and why', () => {
    const x = { name: 'x', datatype: 'FP32', shape: ['2'] };
    expect(() => decodeGrpcInfer(req({ inputs: [{ ...x, datatype: 'FLOAT' }] }))).toThrow(
      "input 'x' has unknown datatype 'FLOAT'",
    );
    expect(() => decodeGrpcInfer(req({ inputs: [{ ...x, shape: ['-1'] }] }))).toThrow(
      "input 'x' has an invalid shape [-1]",
    );
    expect(() => decodeGrpcInfer(req({ inputs: [{ ...x, datatype: 'FP16' }] }))).toThrow(
      "input 'x': FP16 data must be sent in raw_input_contents",
    );
    expect(() =>
      decodeGrpcInfer(
        req({ inputs: [x, { ...x, name: 'y' }], raw_input_contents: [Buffer.alloc(8)] }),
      ),
    ).toThrow("expected 2 raw input contents (one per input) for model 'm', got 1");
    expect(() =>
      decodeGrpcInfer(
        req({
          inputs: [{ ...x, contents: { fp32_contents: [1, 2] } }],
          raw_input_contents: [Buffer.alloc(8)],
        }),
      ),
    ).toThrow("input 'x': contents must not be set when raw_input_contents are used");
    expect(() =>
      decodeGrpcInfer(req({ inputs: [x], raw_input_contents: [Buffer.alloc(4)] })),
    ).toThrow("unexpected total byte size 4 for input 'x', expecting 8");
    const full = { ...x, contents: { fp32_contents: [1, 2] } };
    expect(() => decodeGrpcInfer(req({ inputs: [full, full] }))).toThrow(
      "input 'x' of model 'm' is given more than once",
    );
    expect(() => grpcVersion('1.5', 'm')).toThrow("version '1.5' of model 'm' is not valid");
  });

  it('reads parameters by their oneof choice and refuses integers past 2^53', () => {
    expect(
      readGrpcParameters({
        a: { parameter_choice: 'bool_param', bool_param: true },
        p: { parameter_choice: 'int64_param', int64_param: '2' },
        s: { parameter_choice: 'string_param', string_param: 'x' },
      }),
    ).toEqual({ a: true, p: 2, s: 'x' });
    expect(readGrpcParameters({})).toBeUndefined();
    expect(() =>
      readGrpcParameters({
        t: { parameter_choice: 'uint64_param', uint64_param: '18446744073709551615' },
      }),
    ).toThrow(/parameter 't' = 18446744073709551615 is beyond/);
  });

  it('answers every output raw in the order asked for, with parameters typed', () => {
    const res = encodeGrpcInfer(
      {
        id: 'r',
        modelName: 'm',
        modelVersion: '1',
        outputs: new Map([
          ['a', { datatype: 'INT32', shape: [2], data: Int32Array.of(1, 2) }],
          ['t', { datatype: 'BYTES', shape: [1], data: [enc.encode('ok')] }],
        ]),
        parameters: { braid_debug: '{}', n: 3 },
      },
      [{ name: 't' }, { name: 'a' }],
    );
    expect(res.outputs).toEqual([
      { name: 't', datatype: 'BYTES', shape: [1] },
      { name: 'a', datatype: 'INT32', shape: [2] },
    ]);
    expect([...res.raw_output_contents[0]!]).toEqual([2, 0, 0, 0, 111, 107]);
    expect(Array.from(new Int32Array(new Uint8Array(res.raw_output_contents[1]!).buffer))).toEqual([
      1, 2,
    ]);
    expect(res.parameters).toEqual({
      braid_debug: { string_param: '{}' },
      n: { int64_param: '3' },
    });
    expect(res.id).toBe('r');
  });
});
