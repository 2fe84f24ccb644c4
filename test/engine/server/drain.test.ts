// issue #10 item 11: while the server drains it keeps serving: new inference is refused with
// 503, requests already received finish, and settled() says when they have.
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../engine/server/app.js';
import { InFlight } from '../../../engine/server/drain.js';
import { listen } from '../../../engine/server/listen.js';
import type { HttpServerHandle } from '../../../engine/server/listen.js';
import { expectError, fakeEngine, post } from './helpers.js';
import { rawRequest, send } from './http-client.js';

const request = {
  inputs: [{ name: 'INPUT0', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }],
};
const body = JSON.stringify(request);

const handles: HttpServerHandle[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map(h => h.close(0)));
});

/** Settles within `ms`, or reports that it did not. */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([p, new Promise<'pending'>(r => setTimeout(() => r('pending'), ms))]);
}

describe('the app while draining', () => {
  it('refuses infer with 503 "server is shutting down" and serves everything else', async () => {
    let draining = false;
    const engine = fakeEngine();
    const app = createApp(engine, { isDraining: () => draining });
    expect((await post(app, '/v2/models/echo/infer', request)).status).toBe(200);
    draining = true;
    await expectError(
      await post(app, '/v2/models/echo/infer', request),
      503,
      'server is shutting down',
    );
    await expectError(
      await post(app, '/v2/models/simple/versions/1/infer', request),
      503,
      'server is shutting down',
    );
    expect(engine.inferCalls).toHaveLength(1);
    expect((await app.request('/v2/health/live')).status).toBe(200);
    expect((await app.request('/v2/models/echo')).status).toBe(200);
    expect((await app.request('/v2/models/echo/infer')).status).toBe(405);
  });
});

describe('HttpServerHandle.settled', () => {
  it('waits for requests already received, serving new connections meanwhile', async () => {
    let draining = false;
    const engine = fakeEngine();
    let release!: () => void;
    engine.script('echo', { gate: new Promise<void>(r => (release = r)) });
    const server = await listen(createApp(engine, { isDraining: () => draining }), {
      port: 0,
      host: '127.0.0.1',
    });
    handles.push(server);
    const started = engine.nextInfer();
    const inflight = send(server.port, '/v2/models/echo/infer', { method: 'POST', body });
    await started;
    // Headers in before the drain, body after: the request was already arriving, so it is served.
    const head = `POST /v2/models/echo/infer HTTP/1.1\r\nHost: braid\r\nContent-Length: ${body.length}\r\n\r\n`;
    const arriving = await rawRequest(server.port, head);
    await send(server.port, '/v2/health/live');
    draining = true;
    const settled = server.settled();
    arriving.socket.end(body);
    const refused = await send(server.port, '/v2/models/echo/infer', { method: 'POST', body });
    expect(refused.status).toBe(503);
    expect(await within(settled, 50)).toBe('pending');
    release();
    expect((await inflight).status).toBe(200);
    expect(await arriving.received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    await settled;
  });
});

describe('InFlight', () => {
  it('settles once what was in flight at the call is done, not what began later', async () => {
    const inFlight = new InFlight();
    const first = inFlight.begin();
    const settled = inFlight.settled();
    const later = inFlight.begin();
    expect(inFlight.size).toBe(2);
    first();
    first();
    await settled;
    expect(inFlight.size).toBe(1);
    later();
    expect(inFlight.size).toBe(0);
    await inFlight.settled();
  });
});
