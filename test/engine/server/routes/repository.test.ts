import { describe, it, expect } from 'vitest';
import { expectEmpty, expectError, post, setup } from '../helpers.js';

describe('POST /v2/repository/index', () => {
  it('without a body lists every model, never-loaded ones with only a name', async () => {
    const { app, engine } = setup();
    engine.setModelReady('echo', false);
    engine.extraIndexRows = [{ name: 'never_loaded' }];
    const res = await post(app, '/v2/repository/index');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual([
      { name: 'simple', version: '1', state: 'READY' },
      { name: 'simple', version: '2', state: 'READY' },
      { name: 'echo', version: '1', state: 'UNAVAILABLE' },
      { name: 'bytes_echo', version: '1', state: 'READY' },
      { name: 'never_loaded' },
    ]);
    expect(engine.indexCalls).toEqual([false]);
  });

  it('passes {"ready": true} and {"ready": false} to the engine', async () => {
    const { app, engine } = setup();
    engine.setModelReady('echo', false);
    const res = await post(app, '/v2/repository/index', { ready: true });
    expect(((await res.json()) as { name: string }[]).map(r => r.name)).toEqual([
      'simple',
      'simple',
      'bytes_echo',
    ]);
    await post(app, '/v2/repository/index', { ready: false });
    await post(app, '/v2/repository/index', {});
    expect(engine.indexCalls).toEqual([true, false, false]);
  });

  it.each([
    ['a non-boolean ready', '{"ready":"yes"}', /'ready'.*boolean, got string/],
    [
      'malformed JSON',
      '{"ready":',
      /failed to parse the JSON body of the repository index request/,
    ],
    ['a JSON array', '[true]', /must be a JSON object, got array/],
  ])('rejects %s with 400', async (_, body, message) => {
    const { app, engine } = setup();
    await expectError(
      await post(app, '/v2/repository/index', new TextEncoder().encode(body)),
      400,
      message,
    );
    expect(engine.indexCalls).toEqual([]);
  });
});

describe('POST /v2/repository/models/{m}/load', () => {
  it('loads with an empty body and answers 200 with an empty body', async () => {
    const { app, engine } = setup();
    await expectEmpty(await post(app, '/v2/repository/models/simple/load'));
    expect(engine.loadCalls).toEqual([{ name: 'simple', opts: {} }]);
  });

  it('passes a config override string to the engine unchanged', async () => {
    const { app, engine } = setup();
    const config = '{"max_batch_size": 4, "backend": "onnxruntime"}';
    await expectEmpty(
      await post(app, '/v2/repository/models/simple/load', { parameters: { config } }),
    );
    expect(engine.loadCalls).toEqual([{ name: 'simple', opts: { config } }]);
  });

  // issue #13 item 4: file overrides, base64 over HTTP as Triton's http_server.cc decodes them.
  it('passes file: overrides to the engine as the decoded bytes', async () => {
    const { app, engine } = setup();
    const body = {
      parameters: {
        config: '{}',
        'file:1/model.onnx': Buffer.from('onnx bytes').toString('base64'),
      },
    };
    await expectEmpty(await post(app, '/v2/repository/models/simple/load', body));
    expect(engine.loadCalls).toEqual([
      {
        name: 'simple',
        opts: { config: '{}', files: new Map([['file:1/model.onnx', Buffer.from('onnx bytes')]]) },
      },
    ]);
  });

  it.each([
    [
      { parameters: { config: { max_batch_size: 4 } } },
      /'config' for model 'simple' must be a JSON string, got object/,
    ],
    [{ parameters: { color: 'red' } }, /unrecognized load parameter 'color' for model 'simple'/],
    [
      { parameters: { config: '{}', 'file:1/m.onnx': 'not base64!' } },
      /load parameter 'file:1\/m.onnx' for model 'simple' must be the file's content in base64: it is not valid base64/,
    ],
    [
      { parameters: { config: '{}', 'file:1/m.onnx': 7 } },
      /load parameter 'file:1\/m.onnx' for model 'simple' must be the file's content in base64, got number/,
    ],
    [
      { parameters: ['config'] },
      /'parameters' of the load request for model 'simple' must be an object, got array/,
    ],
  ])('rejects bad parameters %j with 400', async (body, message) => {
    const { app, engine } = setup();
    await expectError(await post(app, '/v2/repository/models/simple/load', body), 400, message);
    expect(engine.loadCalls).toEqual([]);
  });
});

describe('POST /v2/repository/models/{m}/unload', () => {
  it('unloads and answers 200 with an empty body', async () => {
    const { app, engine } = setup();
    await expectEmpty(await post(app, '/v2/repository/models/simple/unload'));
    expect(engine.unloadCalls).toEqual(['simple']);
    expect(engine.isModelReady('simple')).toBe(false);
  });

  it('accepts unload_dependents: false, which clients send by default', async () => {
    const { app, engine } = setup();
    await expectEmpty(
      await post(app, '/v2/repository/models/echo/unload', {
        parameters: { unload_dependents: false },
      }),
    );
    expect(engine.unloadCalls).toEqual(['echo']);
  });

  it('refuses unload_dependents: true with 501 rather than ignoring it', async () => {
    const { app, engine } = setup();
    const body = { parameters: { unload_dependents: true } };
    await expectError(
      await post(app, '/v2/repository/models/echo/unload', body),
      501,
      /unload_dependents/,
    );
    expect(engine.unloadCalls).toEqual([]);
  });

  it('rejects unknown unload parameters with 400', async () => {
    const { app } = setup();
    const body = { parameters: { force: true } };
    await expectError(
      await post(app, '/v2/repository/models/echo/unload', body),
      400,
      /unrecognized unload parameter 'force'/,
    );
  });
});

describe('named repositories', () => {
  it.each([
    '/v2/repository/other/index',
    '/v2/repository/other/models/simple/load',
    '/v2/repository/other/models/simple/unload',
  ])('POST %s answers 501 naming the repository', async path => {
    const { app, engine } = setup();
    await expectError(await post(app, path), 501, /repository 'other'/);
    expect(engine.loadCalls).toEqual([]);
    expect(engine.unloadCalls).toEqual([]);
  });
});
