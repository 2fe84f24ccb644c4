// issue #10 item 8: a client that stalls while sending its headers or its body held the
// connection for Node's defaults (60 s for headers, 300 s for the request, checked every 30 s).
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../../engine/server/app.js';
import { listen } from '../../../engine/server/listen.js';
import type { HttpServerHandle, ListenOptions } from '../../../engine/server/listen.js';
import { fakeEngine } from './helpers.js';
import { rawRequest } from './http-client.js';

const handles: HttpServerHandle[] = [];
afterEach(async () => {
  await Promise.all(handles.splice(0).map(h => h.close(0)));
});

async function start(opts: Partial<ListenOptions> = {}) {
  const engine = fakeEngine();
  const server = await listen(createApp(engine), {
    port: 0,
    host: '127.0.0.1',
    headersTimeoutMs: 150,
    requestTimeoutMs: 300,
    ...opts,
  });
  handles.push(server);
  return { engine, server };
}

const body = JSON.stringify({
  inputs: [{ name: 'INPUT0', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }],
});
const head = (length = Buffer.byteLength(body)) =>
  `POST /v2/models/echo/infer HTTP/1.1\r\nHost: braid\r\nContent-Type: application/json\r\nContent-Length: ${length}\r\n\r\n`;

describe('HTTP request timeouts', () => {
  it('answers 408 and closes when the headers stall', async () => {
    const { server } = await start();
    const { received } = await rawRequest(
      server.port,
      'POST /v2/models/echo/infer HTTP/1.1\r\nHost: braid\r\n',
    );
    expect(await received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
  });

  it('answers 408 and closes when the body stalls', async () => {
    const { engine, server } = await start();
    const { received } = await rawRequest(server.port, head() + body.slice(0, 10));
    expect(await received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    expect(engine.inferCalls).toEqual([]);
  });

  it('answers 408 when the body trickles in slower than the request timeout allows', async () => {
    const { server } = await start();
    const { socket, received } = await rawRequest(server.port, head(10_000));
    const trickle = setInterval(() => socket.writable && socket.write('x'), 20);
    try {
      expect(await received).toMatch(/^HTTP\/1\.1 408 Request Timeout\r\n/);
    } finally {
      clearInterval(trickle);
    }
  });

  it('lets a request received in time take as long as it needs to answer', async () => {
    const { engine, server } = await start();
    let release!: () => void;
    engine.script('echo', { gate: new Promise<void>(r => (release = r)) });
    const started = engine.nextInfer();
    const slow = await rawRequest(server.port, head() + body);
    slow.socket.end();
    await started;
    // A stalled client opened after it: its 408 shows the timeouts have passed for both.
    const stalled = await rawRequest(server.port, 'POST /v2/models/echo/infer HTTP/1.1\r\n');
    expect(await stalled.received).toMatch(/^HTTP\/1\.1 408 /);
    release();
    expect(await slow.received).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  });
});
