/*
 * Restricted APIs over HTTP (issue #10, access control): every route's category as Triton's
 * src/http_server.cc checks it, the 403 and message of `RespondIfRestricted`, and that a refused
 * request does no work.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { Hono } from 'hono';
import { createApp as createBraidApp } from '../../../engine/server/app.js';
import type { AppOptions } from '../../../engine/server/app.js';
import { listen } from '../../../engine/server/listen.js';
import type { HttpServerHandle } from '../../../engine/server/listen.js';
import {
  HTTP_ROUTE_CATEGORIES,
  RESTRICTED_CATEGORIES,
  restriction,
} from '../../../engine/server/restricted-api.js';
import type { RestrictedCategory, Restrictions } from '../../../engine/server/restricted-api.js';
import { assertRoutesCategorized } from '../../../engine/server/restricted-http.js';
import type { BraidApp } from '../../../engine/server/routing.js';
import { expectError, fakeEngine } from './helpers.js';
import { send } from './http-client.js';

/** Route pattern, a request it answers, and its category: written from Triton's handlers, not from the table. */
const ROUTES: readonly [
  pattern: string,
  method: 'GET' | 'POST',
  path: string,
  category: RestrictedCategory,
][] = [
  ['/v2/health/live', 'GET', '/v2/health/live', 'health'],
  ['/v2/health/ready', 'GET', '/v2/health/ready', 'health'],
  ['/v2/models/:model/ready', 'GET', '/v2/models/simple/ready', 'health'],
  [
    '/v2/models/:model/versions/:version/ready',
    'GET',
    '/v2/models/simple/versions/1/ready',
    'health',
  ],
  ['/v2', 'GET', '/v2', 'metadata'],
  ['/v2/models/:model', 'GET', '/v2/models/simple', 'metadata'],
  ['/v2/models/:model/versions/:version', 'GET', '/v2/models/simple/versions/2', 'metadata'],
  ['/v2/models/:model/infer', 'POST', '/v2/models/simple/infer', 'inference'],
  [
    '/v2/models/:model/versions/:version/infer',
    'POST',
    '/v2/models/simple/versions/1/infer',
    'inference',
  ],
  // issue #15 section 1: the generate extension is inference, as in Triton's HandleGenerate.
  ['/v2/models/:model/generate', 'POST', '/v2/models/simple/generate', 'inference'],
  [
    '/v2/models/:model/versions/:version/generate',
    'POST',
    '/v2/models/simple/versions/1/generate',
    'inference',
  ],
  ['/v2/models/:model/generate_stream', 'POST', '/v2/models/simple/generate_stream', 'inference'],
  [
    '/v2/models/:model/versions/:version/generate_stream',
    'POST',
    '/v2/models/simple/versions/1/generate_stream',
    'inference',
  ],
  ['/v2/models/:model/config', 'GET', '/v2/models/simple/config', 'model-config'],
  [
    '/v2/models/:model/versions/:version/config',
    'GET',
    '/v2/models/simple/versions/1/config',
    'model-config',
  ],
  ['/v2/repository/index', 'POST', '/v2/repository/index', 'model-repository'],
  [
    '/v2/repository/models/:model/load',
    'POST',
    '/v2/repository/models/simple/load',
    'model-repository',
  ],
  [
    '/v2/repository/models/:model/unload',
    'POST',
    '/v2/repository/models/simple/unload',
    'model-repository',
  ],
  ['/v2/repository/:repo/index', 'POST', '/v2/repository/other/index', 'model-repository'],
  [
    '/v2/repository/:repo/models/:model/load',
    'POST',
    '/v2/repository/other/models/simple/load',
    'model-repository',
  ],
  [
    '/v2/repository/:repo/models/:model/unload',
    'POST',
    '/v2/repository/other/models/simple/unload',
    'model-repository',
  ],
  ['/v2/models/stats', 'GET', '/v2/models/stats', 'statistics'],
  ['/v2/models/:model/stats', 'GET', '/v2/models/simple/stats', 'statistics'],
  [
    '/v2/models/:model/versions/:version/stats',
    'GET',
    '/v2/models/simple/versions/1/stats',
    'statistics',
  ],
  ['/v2/trace/setting', 'GET', '/v2/trace/setting', 'trace'],
  ['/v2/models/:model/trace/setting', 'POST', '/v2/models/simple/trace/setting', 'trace'],
  [
    '/v2/models/:model/versions/:version/trace/setting',
    'GET',
    '/v2/models/simple/versions/1/trace/setting',
    'trace',
  ],
  ['/v2/logging', 'POST', '/v2/logging', 'logging'],
  // The console (issue #18): its page is its own category, its data that of what it shows.
  ['/console', 'GET', '/console', 'console'],
  ['/console/assets/:file', 'GET', '/console/assets/console.js', 'console'],
  // POST (405 when allowed): a GET is an endless event stream.
  ['/console/api/events', 'POST', '/console/api/events', 'statistics'],
  ['/console/api/plan/:model', 'GET', '/console/api/plan/simple', 'model-config'],
  [
    '/console/api/plan/:model/versions/:version',
    'GET',
    '/console/api/plan/simple/versions/1',
    'model-config',
  ],
  ['/console/api/machine/:model', 'GET', '/console/api/machine/simple', 'model-config'],
  [
    '/console/api/machine/:model/versions/:version',
    'GET',
    '/console/api/machine/simple/versions/1',
    'model-config',
  ],
  ['/console/api/config-check/:model', 'POST', '/console/api/config-check/simple', 'model-config'],
  ['/console/api/traces', 'GET', '/console/api/traces', 'trace'],
  ['/console/api/traces/:trace', 'GET', '/console/api/traces/abc', 'trace'],
  ['/console/api/logs', 'GET', '/console/api/logs', 'logging'],
];

const CONSOLE = {
  assets: new Map([
    ['console.js', { body: new TextEncoder().encode('1'), contentType: 'text/javascript' }],
  ]),
  sources: {},
};

/** The app with every route, the console's included. */
const createApp = (engine: ReturnType<typeof fakeEngine>, opts: AppOptions = {}): BraidApp =>
  createBraidApp(engine, { console: CONSOLE, ...opts });

const only = (category: RestrictedCategory, header = 'admin-key', value = 's3cret'): Restrictions =>
  new Map([[category, restriction(header, value)]]);

function request(
  app: BraidApp,
  method: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<Response> {
  const body = method === 'POST' ? '{}' : undefined;
  return Promise.resolve(
    app.request(path, {
      method,
      headers: { 'content-type': 'application/json', ...headers },
      ...(body ? { body } : {}),
    }),
  );
}

describe('the HTTP category table', () => {
  it("gives every route Triton's category", () => {
    expect(Object.fromEntries(HTTP_ROUTE_CATEGORIES)).toEqual(
      Object.fromEntries(ROUTES.map(([p, , , c]) => [p, c])),
    );
  });

  it('covers exactly the routes the app registers', () => {
    const registered = new Set(
      createApp(fakeEngine())
        .routes.map(r => r.path)
        .filter(p => p !== '/*'),
    );
    expect([...registered].sort()).toEqual([...HTTP_ROUTE_CATEGORIES.keys()].sort());
  });

  it('fails the start of an app with a route that has no category', () => {
    const app: BraidApp = new Hono();
    app.get('/v2/health/live', c => c.body(null));
    app.get('/v2/unlisted', c => c.body(null));
    expect(() => assertRoutesCategorized(app)).toThrow(
      "HTTP route '/v2/unlisted' has no restricted-API category",
    );
  });
});

describe('--http-restricted-api', () => {
  it.each(RESTRICTED_CATEGORIES.filter(c => c !== 'shared-memory'))(
    "restricting %s refuses exactly its routes without the header, with 403 and Triton's message",
    async category => {
      const app = createApp(fakeEngine(), { restrictedApis: only(category) });
      for (const [, method, path, routeCategory] of ROUTES) {
        const res = await request(app, method, path);
        if (routeCategory === category)
          await expectError(res, 403, "This API is restricted, expecting header 'admin-key'");
        else expect(res.status, `${method} ${path}`).not.toBe(403);
      }
    },
  );

  it.each(ROUTES)(
    '%s: the right header passes, a wrong one or none is refused',
    async (_pattern, method, path, category) => {
      const open = await request(createApp(fakeEngine()), method, path);
      const app = createApp(fakeEngine(), { restrictedApis: only(category) });
      const allowed = await request(app, method, path, { 'admin-key': 's3cret' });
      expect(allowed.status).toBe(open.status);
      expect(await allowed.text()).toBe(await open.text());
      await expectError(await request(app, method, path, { 'admin-key': 's3cret2' }), 403);
      await expectError(await request(app, method, path, { 'admin-key': 'S3CRET' }), 403);
      await expectError(await request(app, method, path, { 'other-key': 's3cret' }), 403);
    },
  );

  it('refuses before reading the body or calling the engine', async () => {
    const engine = fakeEngine();
    const app = createApp(engine, { restrictedApis: only('inference') });
    const res = await app.request('/v2/models/simple/infer', { method: 'POST', body: '{not json' });
    await expectError(res, 403, "This API is restricted, expecting header 'admin-key'");
    expect(engine.inferCalls).toHaveLength(0);
    const load = await app.request('/v2/repository/models/simple/load', { method: 'POST' });
    expect(load.status).toBe(200);
    expect(engine.loadCalls).toHaveLength(1);
  });

  it('checks before the method, as Triton does: a wrong method on a restricted path is 403, not 405', async () => {
    const app = createApp(fakeEngine(), { restrictedApis: only('inference') });
    await expectError(await app.request('/v2/models/simple/infer'), 403);
    await expectError(
      await app.request('/v2/models/simple/infer', { headers: { 'admin-key': 's3cret' } }),
      405,
      'Method Not Allowed',
    );
  });

  it('answers statistics by its own category although the metadata pattern matches /v2/models/stats too', async () => {
    const app = createApp(fakeEngine(), {
      restrictedApis: new Map([['metadata', restriction('meta-key', 'm')]]),
    });
    expect((await app.request('/v2/models/stats')).status).toBe(200);
    await expectError(
      await app.request('/v2/models/simple'),
      403,
      "This API is restricted, expecting header 'meta-key'",
    );
  });

  it('matches header names in any case; leaves unknown paths 404', async () => {
    const app = createApp(fakeEngine(), { restrictedApis: only('health', 'X-Admin-Key') });
    expect(
      (await app.request('/v2/health/live', { headers: { 'x-admin-key': 's3cret' } })).status,
    ).toBe(200);
    await expectError(
      await app.request('/v2/health/live'),
      403,
      "This API is restricted, expecting header 'X-Admin-Key'",
    );
    await expectError(await app.request('/v2/nowhere'), 404, 'Not Found');
  });

  it('lets several categories share one key, and others have their own', async () => {
    const r = restriction('admin-key', 'a');
    const app = createApp(fakeEngine(), {
      restrictedApis: new Map([
        ['model-repository', r],
        ['logging', r],
        ['inference', restriction('infer-key', 'i')],
      ]),
    });
    expect((await request(app, 'POST', '/v2/repository/index', { 'admin-key': 'a' })).status).toBe(
      200,
    );
    expect((await request(app, 'GET', '/v2/logging', { 'admin-key': 'a' })).status).not.toBe(403);
    const infer = await request(app, 'POST', '/v2/models/simple/infer', { 'admin-key': 'a' });
    await expectError(infer, 403, "This API is restricted, expecting header 'infer-key'");
  });
});

describe('--http-restricted-api over a real socket', () => {
  let server: HttpServerHandle | undefined;
  afterEach(async () => server?.close(0));

  it('reads the header from the Node request', async () => {
    server = await listen(createApp(fakeEngine(), { restrictedApis: only('health') }), {
      port: 0,
      host: '127.0.0.1',
    });
    const refused = await send(server.port, '/v2/health/ready');
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toEqual({
      error: "This API is restricted, expecting header 'admin-key'",
    });
    expect(
      (await send(server.port, '/v2/health/ready', { headers: { 'Admin-Key': 's3cret' } })).status,
    ).toBe(200);
    expect(
      (await send(server.port, '/v2/health/ready', { headers: { 'admin-key': 'wrong' } })).status,
    ).toBe(403);
  });
});
