import { afterAll, beforeAll, describe, it, expect } from 'vitest';
import { createApp } from '../../../engine/server/app.js';
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
    const before = engine.inferCalls.length;
    const values = [1, 2, 3, 4, 5, 6, 7, 8].map(k => [k, k + 0.5, k + 0.25, -k]);
    await Promise.all(
      values.map(async v => {
        const header = Buffer.from(
          JSON.stringify({
            inputs: [
              {
                name: 'INPUT0',
                shape: [1, 4],
                datatype: 'FP32',
                parameters: { binary_data_size: 16 },
              },
            ],
          }),
        );
        const data = Buffer.from(new Float32Array(v).buffer);
        const res = await fetch(`http://127.0.0.1:${server.port}/v2/models/echo/infer`, {
          method: 'POST',
          headers: { 'Inference-Header-Content-Length': String(header.byteLength) },
          body: Buffer.concat([header, data]),
        });
        expect(res.status).toBe(200);
      }),
    );
    // The decoded tensors still read their own request's values once every request is done.
    const seen = engine.inferCalls.slice(before).map(r => {
      const data = r.inputs.get('INPUT0')!.data as Float32Array;
      expect(data.byteOffset % 8).toBe(0);
      return [...data];
    });
    expect(seen.sort((a, b) => a[0]! - b[0]!)).toEqual(values);
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
