import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { createApp } from '../../../engine/server/app.js';
import { readBody } from '../../../engine/server/body.js';
import { listen } from '../../../engine/server/listen.js';
import type { HttpServerHandle } from '../../../engine/server/listen.js';
import type { FakeEngine } from './fake-engine.js';
import { fakeEngine } from './helpers.js';
import { send } from './http-client.js';

// Over a real socket the body is read from the Node stream, not the web stream app.request() uses.
const LIMIT = 1024;
const request = JSON.stringify({
  inputs: [{ name: 'INPUT0', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }],
});
const tooLarge = JSON.stringify({ error: `request body exceeds the size limit of ${LIMIT} bytes` });

let server: HttpServerHandle;
let engine: FakeEngine;

beforeAll(async () => {
  engine = fakeEngine();
  server = await listen(createApp(engine, { maxInputSize: LIMIT }), { port: 0, host: '127.0.0.1' });
});

afterAll(() => server.close(0));

const infer = (body: string | string[], headers?: Record<string, string>) =>
  send(server.port, '/v2/models/echo/infer', { method: 'POST', body, headers });

describe('request body over a socket', () => {
  it('reads a body sent with Content-Length', async () => {
    const res = await infer(request);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).outputs[0].data).toEqual([1, 2, 3, 4]);
  });

  it('reads a chunked body split across writes', async () => {
    const res = await infer([request.slice(0, 10), request.slice(10, 50), request.slice(50)]);
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body).outputs[0].data).toEqual([1, 2, 3, 4]);
  });

  it('answers 413 for a Content-Length over the limit', async () => {
    const calls = engine.inferCalls.length;
    const res = await infer(request + ' '.repeat(LIMIT));
    expect(res.status).toBe(413);
    expect(res.headers['content-type']).toBe('application/json');
    expect(res.body).toBe(tooLarge);
    expect(engine.inferCalls.length).toBe(calls);
  });

  it('answers 413 once a chunked body passes the limit', async () => {
    const calls = engine.inferCalls.length;
    const res = await infer([request, ...Array.from({ length: 20 }, () => ' '.repeat(100))]);
    expect(res.status).toBe(413);
    expect(res.body).toBe(tooLarge);
    expect(engine.inferCalls.length).toBe(calls);
  });

  it('keeps each small body in bytes of its own, aligned for tensor views', async () => {
    // Bodies come from a shared allocation pool: each must still be its own bytes after later
    // requests were read, as decoded tensors view them while they wait in the batcher queue.
    const kept: Uint8Array[] = [];
    const app = createApp(fakeEngine());
    app.post('/kept', async c => {
      kept.push(await readBody(c, LIMIT));
      return c.body(null, 204);
    });
    const own = await listen(app, { port: 0, host: '127.0.0.1' });
    try {
      const sent = Array.from({ length: 8 }, (_, k) => `{"k":${k}}`.padEnd(20 + k * 8, ' '));
      for (const body of sent) {
        const res = await send(own.port, '/kept', { method: 'POST', body });
        expect(res.status).toBe(204);
      }
      expect(kept.map(b => Buffer.from(b).toString('utf8'))).toEqual(sent);
      for (const b of kept) expect(b.byteOffset % 8).toBe(0);
    } finally {
      await own.close(0);
    }
  });

  it('reads the optional JSON body of the control endpoints', async () => {
    const res = await send(server.port, '/v2/repository/index', {
      method: 'POST',
      body: ['{"rea', 'dy":true}'],
    });
    expect(res.status).toBe(200);
    expect(engine.indexCalls.at(-1)).toBe(true);
  });
});
