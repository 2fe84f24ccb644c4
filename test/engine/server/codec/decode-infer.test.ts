import { describe, expect, it } from 'vitest';
import { decodeInferBody, encodeBytesElements } from '../../../../engine/server/codec/index.js';
import { decodeJson, expectEngineError, noRaw, utf8Bytes } from './fixtures.js';

const input = (extra: Record<string, unknown> = {}) => ({
  name: 'A',
  datatype: 'INT32',
  shape: [2],
  data: [1, 2],
  ...extra,
});
const decodeText = (els: Uint8Array[]) => els.map(e => new TextDecoder().decode(e));

describe('decodeInferBody: request fields', () => {
  it('returns id, parameters, inputs in client order, and outputs with their parameters', () => {
    const d = decodeJson({
      id: 'r1',
      parameters: { binary_data_output: true, priority: 2, custom: 'x', ratio: 0.5 },
      inputs: [input({ name: 'B' }), input({ name: 'A' })],
      outputs: [
        { name: 'OUT1', parameters: { binary_data: true, classification: 3 } },
        { name: 'OUT0' },
      ],
    });
    expect(d.raw).toBe(false);
    expect(d.id).toBe('r1');
    expect(d.parameters).toEqual({
      binary_data_output: true,
      priority: 2,
      custom: 'x',
      ratio: 0.5,
    });
    expect([...d.inputs.keys()]).toEqual(['B', 'A']);
    expect(d.outputs).toEqual([
      { name: 'OUT1', parameters: { binary_data: true, classification: 3 } },
      { name: 'OUT0' },
    ]);
  });

  it('leaves id, parameters and outputs out when absent, and treats outputs [] as absent', () => {
    const d = decodeJson({ inputs: [input()], outputs: [] });
    expect('id' in d).toBe(false);
    expect('parameters' in d).toBe(false);
    expect('outputs' in d).toBe(false);
  });

  it('rejects a body that is not JSON, with Triton wording', () => {
    expectEngineError(
      () => decodeInferBody(utf8Bytes('{"inputs":'), undefined, noRaw),
      'INVALID_ARG',
      'failed to parse the request JSON buffer',
    );
    expectEngineError(
      () => decodeInferBody(utf8Bytes('{"inputs":[NaN'), undefined, noRaw),
      'INVALID_ARG',
      'failed to parse the request JSON buffer',
    );
  });

  it('rejects JSON that is not an object, and inputs that are missing or not an array', () => {
    expectEngineError(() => decodeJson([1]), 'INVALID_ARG', 'expected an object');
    expectEngineError(() => decodeJson({}), 'INVALID_ARG', "Unable to parse 'inputs'");
    expectEngineError(() => decodeJson({ inputs: {} }), 'INVALID_ARG', "Unable to parse 'inputs'");
    expectEngineError(
      () => decodeJson({ inputs: [3] }),
      'INVALID_ARG',
      'element 0 is not an object',
    );
  });

  it('rejects inputs without a name, with an unknown datatype, or with a bad shape', () => {
    expectEngineError(
      () => decodeJson({ inputs: [input({ name: 4 })] }),
      'INVALID_ARG',
      "Unable to parse 'name' of input 0",
    );
    expectEngineError(
      () => decodeJson({ inputs: [input({ datatype: undefined })] }),
      'INVALID_ARG',
      "invalid datatype for input 'A'",
      'got nothing',
    );
    expectEngineError(
      () => decodeJson({ inputs: [input({ datatype: 'FLOAT' })] }),
      'INVALID_ARG',
      "invalid datatype for input 'A'",
      'BF16, BYTES, got "FLOAT"',
    );
    for (const shape of [undefined, 2, [2, -1], [1.5], ['2']]) {
      expectEngineError(
        () => decodeJson({ inputs: [input({ shape })] }),
        'INVALID_ARG',
        "Unable to parse 'shape' of input 'A'",
        'non-negative integers',
      );
    }
  });

  it('rejects a duplicate input name', () => {
    expectEngineError(
      () => decodeJson({ inputs: [input(), input()] }),
      'INVALID_ARG',
      "input 'A' already exists in request",
    );
  });

  it('rejects an input with neither data nor binary_data_size, or with both', () => {
    const { data: _, ...noData } = input();
    expectEngineError(
      () => decodeJson({ inputs: [noData] }),
      'INVALID_ARG',
      'Input must set only one of the following fields',
      'But no field is set',
      "input 'A'",
    );
    expectEngineError(
      () => decodeJson({ inputs: [input({ parameters: { binary_data_size: 8 } })] }),
      'INVALID_ARG',
      "But set 'data' 'binary_data_size' for input 'A'",
    );
  });

  it('rejects shared-memory tensors as unsupported', () => {
    const { data: _, ...noData } = input();
    expectEngineError(
      () => decodeJson({ inputs: [{ ...noData, parameters: { shared_memory_region: 'r' } }] }),
      'UNSUPPORTED',
      "input 'A'",
    );
    expectEngineError(
      () =>
        decodeJson({
          inputs: [input()],
          outputs: [{ name: 'O', parameters: { shared_memory_region: 'r' } }],
        }),
      'UNSUPPORTED',
      "output 'O'",
    );
  });

  it('rejects a non-string id', () => {
    expectEngineError(
      () => decodeJson({ id: 7, inputs: [input()] }),
      'INVALID_ARG',
      "Unable to parse 'id'",
      'got 7',
    );
  });

  it("rejects request parameter keys starting with 'triton_'", () => {
    expectEngineError(
      () => decodeJson({ parameters: { triton_enable_x: true }, inputs: [input()] }),
      'INVALID_ARG',
      "parameter keys starting with 'triton_' are reserved",
    );
  });

  it('rejects parameter values that are not string, number or bool', () => {
    for (const v of [null, [1], { a: 1 }]) {
      expectEngineError(
        () => decodeJson({ parameters: { k: v }, inputs: [input()] }),
        'INVALID_ARG',
        "parameter 'k' of the request has invalid type",
      );
    }
    expectEngineError(
      () => decodeJson({ parameters: [1], inputs: [input()] }),
      'INVALID_ARG',
      "Unable to parse 'parameters' of the request",
    );
    expectEngineError(
      () => decodeJson({ inputs: [input({ parameters: { k: null } })] }),
      'INVALID_ARG',
      "parameter 'k' of input 'A' has invalid type",
    );
  });

  it('checks the types of reserved request parameters', () => {
    const bad = {
      binary_data_output: 'yes',
      sequence_start: 1,
      sequence_end: 'no',
      priority: -1,
      timeout: 1.5,
      sequence_id: true,
    };
    for (const [k, v] of Object.entries(bad)) {
      expectEngineError(
        () => decodeJson({ parameters: { [k]: v }, inputs: [input()] }),
        'INVALID_ARG',
        `Unable to parse '${k}'`,
      );
    }
    const ok = decodeJson({ parameters: { sequence_id: 'abc' }, inputs: [input()] });
    expect(ok.parameters).toEqual({ sequence_id: 'abc' });
    const inherited = { toString: 'a', hasOwnProperty: 1, constructor: true };
    expect(decodeJson({ parameters: inherited, inputs: [input()] }).parameters).toEqual(inherited);
  });

  it('rejects malformed outputs', () => {
    const withOutputs = (outputs: unknown) => () => decodeJson({ inputs: [input()], outputs });
    expectEngineError(withOutputs({ name: 'O' }), 'INVALID_ARG', "Unable to parse 'outputs'");
    expectEngineError(withOutputs(['O']), 'INVALID_ARG', 'element 0 is not an object');
    expectEngineError(withOutputs([{}]), 'INVALID_ARG', "Unable to parse 'name' of output 0");
    expectEngineError(
      withOutputs([{ name: 'O' }, { name: 'O' }]),
      'INVALID_ARG',
      "output 'O' is requested more than once",
    );
    expectEngineError(
      withOutputs([{ name: 'O', parameters: { binary_data: 1 } }]),
      'INVALID_ARG',
      "Unable to parse 'binary_data' of output 'O'",
    );
    expectEngineError(
      withOutputs([{ name: 'O', parameters: { classification: -1 } }]),
      'INVALID_ARG',
      "'classification' of output 'O'",
    );
    expectEngineError(
      withOutputs([{ name: 'O', parameters: { classification: 1.5 } }]),
      'INVALID_ARG',
      "'classification'",
    );
  });
});

describe('decodeInferBody: Inference-Header-Content-Length', () => {
  const body = utf8Bytes(JSON.stringify({ inputs: [input()] }));

  it('takes a header length equal to the body length as a JSON-only body', () => {
    expect(decodeInferBody(body, body.byteLength, noRaw).inputs.get('A')!.shape).toEqual([2]);
  });

  it('rejects lengths that are negative, fractional, NaN or past the body', () => {
    for (const h of [-1, 1.5, Number.NaN, body.byteLength + 1]) {
      expectEngineError(
        () => decodeInferBody(body, h, noRaw),
        'INVALID_ARG',
        `inference header size should be in range (0, ${body.byteLength}), got: ${h}`,
      );
    }
  });

  it('does not consult the raw-input resolver for JSON bodies', () => {
    expect(() => decodeInferBody(body, undefined, noRaw)).not.toThrow();
  });

  it('takes binary_data_size 0 without the header as an empty tensor, more as an error', () => {
    const empty = { name: 'E', datatype: 'FP32', shape: [0], parameters: { binary_data_size: 0 } };
    expect((decodeJson({ inputs: [empty] }).inputs.get('E')!.data as Float32Array).length).toBe(0);
    const eight = { name: 'E', datatype: 'FP32', shape: [2], parameters: { binary_data_size: 8 } };
    expectEngineError(
      () => decodeJson({ inputs: [eight] }),
      'INVALID_ARG',
      "must specify valid 'Infer-Header-Content-Length'",
      "input 'E'",
    );
  });
});

describe('decodeInferBody: BYTES in JSON and binary together', () => {
  it('decodes a JSON BYTES input next to a binary BYTES input', () => {
    const bin = encodeBytesElements(['', 'ü'].map(utf8Bytes));
    const header = utf8Bytes(
      JSON.stringify({
        inputs: [
          { name: 'J', datatype: 'BYTES', shape: [1], data: ['json'] },
          {
            name: 'B',
            datatype: 'BYTES',
            shape: [2],
            parameters: { binary_data_size: bin.byteLength },
          },
        ],
      }),
    );
    const body = new Uint8Array(header.byteLength + bin.byteLength);
    body.set(header);
    body.set(bin, header.byteLength);
    const d = decodeInferBody(body, header.byteLength, noRaw);
    expect(decodeText(d.inputs.get('J')!.data as Uint8Array[])).toEqual(['json']);
    expect(decodeText(d.inputs.get('B')!.data as Uint8Array[])).toEqual(['', 'ü']);
  });
});
