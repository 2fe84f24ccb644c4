import { describe, it, expect } from 'vitest';
import { EngineError } from '../../../../engine/core/errors.js';
import { expectError, post, setup } from '../helpers.js';
import { ones, range, simpleRequest, splitBinary } from './infer-fixtures.js';

describe('infer: JSON', () => {
  it('decodes, runs and encodes a JSON request as in reference §1.6', async () => {
    const { app, engine } = setup();
    const res = await post(app, '/v2/models/simple/versions/1/infer', simpleRequest);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.headers.get('inference-header-content-length')).toBeNull();
    expect(await res.json()).toEqual({
      id: 'r1',
      model_name: 'simple',
      model_version: '1',
      outputs: [{ name: 'OUTPUT0', datatype: 'INT32', shape: [1, 16], data: range(16, 1) }],
    });
    const req = engine.inferCalls[0]!;
    expect(req.modelName).toBe('simple');
    expect(req.modelVersion).toBe(1);
    expect(req.outputs).toEqual([{ name: 'OUTPUT0' }]);
    expect([...(req.inputs.get('INPUT1')!.data as Int32Array)]).toEqual(ones);
  });

  it('without a version lets the engine choose and reports it as a string; all outputs when none requested', async () => {
    const { app, engine } = setup();
    const { id: _id, outputs: _outputs, ...rest } = simpleRequest;
    const res = await post(app, '/v2/models/simple/infer', rest);
    const body = (await res.json()) as Record<string, unknown>;
    expect(body['id']).toBeUndefined();
    expect(body['model_version']).toBe('2');
    expect((body['outputs'] as { name: string }[]).map(o => o.name)).toEqual([
      'OUTPUT0',
      'OUTPUT1',
    ]);
    expect(engine.inferCalls[0]!.modelVersion).toBeUndefined();
    expect(engine.inferCalls[0]!.outputs).toBeUndefined();
  });

  it("hands the engine the request's abort signal", async () => {
    const { app, engine } = setup();
    const controller = new AbortController();
    await app.request('/v2/models/simple/infer', {
      method: 'POST',
      body: JSON.stringify(simpleRequest),
      signal: controller.signal,
    });
    const signal = engine.inferCalls[0]!.signal!;
    expect(signal.aborted).toBe(false);
    controller.abort();
    expect(signal.aborted).toBe(true);
  });

  it('passes request parameters through', async () => {
    const { app, engine } = setup();
    await post(app, '/v2/models/simple/infer', {
      ...simpleRequest,
      parameters: { priority: 1, custom: 'x' },
    });
    expect(engine.inferCalls[0]!.parameters).toEqual({ priority: 1, custom: 'x' });
  });
});

describe('infer: binary tensor extension', () => {
  it('binary_data_output returns octet-stream with Inference-Header-Content-Length', async () => {
    const { app } = setup();
    const res = await post(app, '/v2/models/simple/infer', {
      ...simpleRequest,
      parameters: { binary_data_output: true },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    const { json, rest } = await splitBinary(res);
    expect(json['outputs']).toEqual([
      { name: 'OUTPUT0', datatype: 'INT32', shape: [1, 16], parameters: { binary_data_size: 64 } },
    ]);
    expect([...new Int32Array(rest.slice().buffer)]).toEqual(range(16, 1));
  });

  it('reads binary inputs after the JSON header', async () => {
    const { app, engine } = setup();
    const header = new TextEncoder().encode(
      JSON.stringify({
        inputs: [
          { name: 'INPUT0', shape: [1, 4], datatype: 'FP32', parameters: { binary_data_size: 16 } },
        ],
      }),
    );
    const data = new Uint8Array(new Float32Array([1.5, 2.5, 3.5, 4.5]).buffer);
    const body = new Uint8Array([...header, ...data]);
    const res = await post(app, '/v2/models/echo/infer', body, {
      'Content-Type': 'application/octet-stream',
      'Inference-Header-Content-Length': String(header.byteLength),
    });
    expect(res.status).toBe(200);
    expect(((await res.json()) as { outputs: { data: number[] }[] }).outputs[0]!.data).toEqual([
      1.5, 2.5, 3.5, 4.5,
    ]);
    expect(engine.inferCalls).toHaveLength(1);
  });

  it('a raw body (header length 0) uses the model inputs and returns every output binary', async () => {
    const { app, engine } = setup();
    const data = new Uint8Array(new Float32Array([1, 2, 3, 4]).buffer);
    const res = await post(app, '/v2/models/echo/infer', data, {
      'Inference-Header-Content-Length': '0',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
    const { json, rest } = await splitBinary(res);
    expect((json['outputs'] as { name: string }[])[0]!.name).toBe('OUTPUT0');
    expect([...new Float32Array(rest.slice().buffer)]).toEqual([1, 2, 3, 4]);
    expect(engine.inferCalls[0]!.inputs.get('INPUT0')!.shape).toEqual([1, 4]);
  });

  it.each(['abc', '-1', '1.5', '', '12abc', '0x10'])(
    'rejects Inference-Header-Content-Length %j with 400',
    async value => {
      const { app, engine } = setup();
      const res = await post(app, '/v2/models/simple/infer', simpleRequest, {
        'Inference-Header-Content-Length': value,
      });
      const msg = await expectError(res, 400);
      expect(msg).toContain('Inference-Header-Content-Length');
      expect(msg).toContain("model 'simple'");
      expect(engine.inferCalls).toHaveLength(0);
    },
  );

  it('rejects a header length beyond the body with 400', async () => {
    const { app, engine } = setup();
    const res = await post(app, '/v2/models/simple/infer', simpleRequest, {
      'Inference-Header-Content-Length': '100000',
    });
    await expectError(res, 400);
    expect(engine.inferCalls).toHaveLength(0);
  });
});

describe('infer: errors', () => {
  it('malformed JSON is 400 and never reaches the engine', async () => {
    const { app, engine } = setup();
    await expectError(
      await post(app, '/v2/models/simple/infer', new TextEncoder().encode('{"inputs":[')),
      400,
    );
    expect(engine.inferCalls).toHaveLength(0);
  });

  it('an unknown model is 404', async () => {
    const { app } = setup();
    await expectError(await post(app, '/v2/models/nope/infer', simpleRequest), 404, /'nope'/);
  });

  it.each([
    ['UNAVAILABLE', 503],
    ['CANCELLED', 400],
    ['INTERNAL', 500],
  ] as const)('an engine %s failure is %i with its message', async (code, status) => {
    const { app, engine } = setup();
    engine.script('simple', { error: new EngineError(code, `model 'simple' failed: ${code}`) });
    await expectError(
      await post(app, '/v2/models/simple/infer', simpleRequest),
      status,
      `model 'simple' failed: ${code}`,
    );
  });
});
