import { describe, it, expect } from 'vitest';
import { MODEL_NOT_READY } from '../../../../engine/server/routes/metadata.js';
import { expectEmpty, expectError, setup } from '../helpers.js';

describe('server metadata', () => {
  it('GET /v2 returns the engine metadata as JSON', async () => {
    const { app, engine } = setup();
    const res = await app.request('/v2');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await res.json()).toEqual(engine.metadata);
  });
});

describe('model metadata', () => {
  it('GET /v2/models/{m} lists ready versions as strings and shapes with -1', async () => {
    const { app } = setup();
    const res = await app.request('/v2/models/simple');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      name: 'simple',
      versions: ['1', '2'],
      platform: 'fake',
      inputs: [
        { name: 'INPUT0', datatype: 'INT32', shape: [-1, 16] },
        { name: 'INPUT1', datatype: 'INT32', shape: [-1, 16] },
      ],
      outputs: [
        { name: 'OUTPUT0', datatype: 'INT32', shape: [-1, 16] },
        { name: 'OUTPUT1', datatype: 'INT32', shape: [-1, 16] },
      ],
    });
  });

  it('GET /v2/models/{m}/versions/{v} passes the version as a number and lists only it', async () => {
    const { app } = setup();
    const res = await app.request('/v2/models/simple/versions/2');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { versions: unknown }).versions).toEqual(['2']);
  });

  it('an unknown model or version is 404 with the engine message', async () => {
    const { app } = setup();
    await expectError(await app.request('/v2/models/nope'), 404, /unknown model: 'nope'/);
    await expectError(await app.request('/v2/models/simple/versions/7'), 404, /version 7/);
  });
});

describe('model ready', () => {
  it('is 200 with an empty body when ready, with or without a version', async () => {
    const { app } = setup();
    await expectEmpty(await app.request('/v2/models/simple/ready'));
    await expectEmpty(await app.request('/v2/models/simple/versions/1/ready'));
  });

  it(`is 400 {"error":"${MODEL_NOT_READY}"} when not ready`, async () => {
    const { app, engine } = setup();
    engine.setModelReady('simple', false, 2);
    await expectEmpty(await app.request('/v2/models/simple/versions/1/ready'));
    await expectError(
      await app.request('/v2/models/simple/versions/2/ready'),
      400,
      'Model version not ready',
    );
  });

  it('is 400 not ready for an unknown model, as the engine never throws here', async () => {
    const { app } = setup();
    await expectError(await app.request('/v2/models/nope/ready'), 400, MODEL_NOT_READY);
  });
});

describe('model config', () => {
  it('GET …/config returns the completed config', async () => {
    const { app, engine } = setup();
    for (const path of ['/v2/models/simple/config', '/v2/models/simple/versions/1/config']) {
      const res = await app.request(path);
      expect(res.status).toBe(200);
      const body = (await res.json()) as Record<string, unknown>;
      expect(body).toEqual(JSON.parse(JSON.stringify(engine.modelConfig('simple'))));
      expect(body['max_batch_size']).toBe(8);
    }
  });

  it('an unknown model is 404', async () => {
    const { app } = setup();
    await expectError(await app.request('/v2/models/nope/config'), 404);
  });
});
