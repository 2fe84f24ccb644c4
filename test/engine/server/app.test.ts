import { describe, it, expect } from 'vitest';
import { ERROR_CODES, EngineError } from '../../../engine/core/errors.js';
import type { ErrorCode } from '../../../engine/core/errors.js';
import { InMemoryLogger } from '../../../engine/core/logger.js';
import { createApp } from '../../../engine/server/app.js';
import { httpStatusOf } from '../../../engine/server/errors.js';
import { fakeEngine, expectError, post, setup } from './helpers.js';

describe('createApp routing', () => {
  it.each([
    '/',
    '/v1/models/simple',
    '/v2/',
    '/v2/health',
    '/v2/health/alive',
    '/v2/models',
    '/v2/models/simple/bogus',
    '/v2/models/simple/versions',
    '/v2/models/simple/versions/1/bogus',
    '/v2/repository',
    '/v2/repository/models/simple',
  ])('answers 404 {"error":"Not Found"} for unknown path %s', async path => {
    const { app } = setup();
    await expectError(await app.request(path), 404, 'Not Found');
  });

  it.each([
    ['POST', '/v2'],
    ['POST', '/v2/health/live'],
    ['PUT', '/v2/health/ready'],
    ['DELETE', '/v2/models/simple'],
    ['POST', '/v2/models/simple/versions/1'],
    ['POST', '/v2/models/simple/ready'],
    ['POST', '/v2/models/simple/config'],
    ['GET', '/v2/models/simple/infer'],
    ['GET', '/v2/models/simple/versions/2/infer'],
    ['POST', '/v2/models/stats'],
    ['POST', '/v2/models/simple/stats'],
    ['GET', '/v2/repository/index'],
    ['GET', '/v2/repository/models/simple/load'],
    ['PUT', '/v2/repository/models/simple/unload'],
    ['GET', '/v2/repository/other/index'],
  ])('answers 405 {"error":"Method Not Allowed"} for %s %s', async (method, path) => {
    const { app } = setup();
    await expectError(await app.request(path, { method }), 405, 'Method Not Allowed');
  });

  it.each([
    '/v2/models/simple/versions/abc',
    '/v2/models/simple/versions/-1/ready',
    '/v2/models/simple/versions/1.5/config',
    '/v2/models/simple/versions/99999999999999999999/stats',
  ])('answers 400 naming the model for a non-numeric version in %s', async path => {
    const { app } = setup();
    const msg = await expectError(await app.request(path), 400);
    expect(msg).toContain("model 'simple'");
    expect(msg).toContain('non-negative integer');
  });

  it('rejects a non-numeric version on infer before reading the body', async () => {
    const { app, engine } = setup();
    await expectError(
      await post(app, '/v2/models/simple/versions/v1/infer', {}),
      400,
      /version 'v1'/,
    );
    expect(engine.inferCalls).toHaveLength(0);
  });

  it('decodes percent-encoded model names', async () => {
    const engine = fakeEngine().addModel({ name: 'a b', kind: 'echo', inputs: [], outputs: [] });
    const app = createApp(engine);
    const res = await app.request('/v2/models/a%20b');
    expect(res.status).toBe(200);
    expect(((await res.json()) as { name: string }).name).toBe('a b');
  });
});

describe('error mapping', () => {
  it.each(Object.keys(ERROR_CODES) as ErrorCode[])(
    'maps an engine %s failure to its status with {"error"}',
    async code => {
      const { app, engine } = setup();
      engine.loadError = new EngineError(code, `loading model 'simple' failed with ${code}`);
      const res = await post(app, '/v2/repository/models/simple/load');
      await expectError(res, httpStatusOf(code), `loading model 'simple' failed with ${code}`);
    },
  );

  it('answers 500 with a generic message for unexpected failures and logs the real one', async () => {
    const log = new InMemoryLogger();
    const engine = fakeEngine();
    engine.loadError = new RangeError('secret internal detail');
    const app = createApp(engine, { logger: log });
    const msg = await expectError(await post(app, '/v2/repository/models/simple/load'), 500);
    expect(msg).not.toContain('secret');
    expect(
      log.lines.some(l => l.level === 'error' && l.fields['error'] === 'secret internal detail'),
    ).toBe(true);
  });
});

describe('createApp options', () => {
  it.each([0, -1, 1.5, Number.NaN])('rejects maxInputSize %s', size => {
    expect(() => createApp(fakeEngine(), { maxInputSize: size })).toThrow(/maxInputSize/);
  });
});
