import type { CancelSignal } from '../../../engine/core/cancel.js';
import { describe, it, expect } from 'vitest';
import { createApp } from '../../../engine/server/app.js';
import { listen } from '../../../engine/server/listen.js';
import { fakeEngine } from './helpers.js';
import { rawRequest, send } from './http-client.js';

const request = JSON.stringify({
  inputs: [{ name: 'INPUT0', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }],
});

function aborted(signal: CancelSignal): Promise<void> {
  return signal.aborted
    ? Promise.resolve()
    : new Promise(r => signal.addEventListener('abort', () => r(), { once: true }));
}

const rawInfer = `POST /v2/models/echo/infer HTTP/1.1\r\nHost: braid\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(request)}\r\n\r\n${request}`;

describe('client disconnect', () => {
  // A client that closes its socket sends the same FIN as one that only half-closes (issue #10
  // item 9), so going away is seen when the connection resets: a client that exits or times out
  // with unread data, a proxy that drops the connection, or the first write after the FIN.
  it('aborts the signal the engine received when the connection resets mid-request', async () => {
    const engine = fakeEngine();
    engine.script('echo', { hang: true });
    const server = await listen(createApp(engine), { port: 0, host: '127.0.0.1' });
    try {
      const started = engine.nextInfer();
      const { socket } = await rawRequest(server.port, rawInfer);
      const req = await started;
      expect(req.signal).toBeDefined();
      expect(req.signal!.aborted).toBe(false);
      socket.resetAndDestroy();
      await aborted(req.signal!);
      expect(req.signal!.aborted).toBe(true);
    } finally {
      await server.close(0);
    }
  });

  // issue #10 item 9: `printf 'POST …' | nc -N host 8000` sends the request, then a FIN.
  it('answers a request whose client half-closes the connection after sending it', async () => {
    const engine = fakeEngine();
    let release!: () => void;
    engine.script('echo', { gate: new Promise<void>(r => (release = r)) });
    const server = await listen(createApp(engine), { port: 0, host: '127.0.0.1' });
    try {
      const started = engine.nextInfer();
      const { socket, received } = await rawRequest(server.port, rawInfer);
      const req = await started;
      socket.end();
      // A round trip on another connection: by its answer the server has read the FIN as well.
      expect((await send(server.port, '/v2/health/live')).status).toBe(200);
      release();
      const answer = await received;
      expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
      const body = JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4)) as {
        outputs: { data: number[] }[];
      };
      expect(body.outputs[0]!.data).toEqual([1, 2, 3, 4]);
      expect(req.signal!.aborted).toBe(false);
    } finally {
      await server.close(0);
    }
  });

  it('leaves the signal alone when the response completes', async () => {
    const engine = fakeEngine();
    const server = await listen(createApp(engine), { port: 0, host: '127.0.0.1' });
    try {
      const res = await send(server.port, '/v2/models/echo/infer', {
        method: 'POST',
        body: request,
      });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).outputs[0].data).toEqual([1, 2, 3, 4]);
      // Closing the server closes the connection: its 'close' has fired once close() resolves.
      await server.close(0);
      expect(engine.inferCalls[0]!.signal!.aborted).toBe(false);
    } finally {
      await server.close(0);
    }
  });
});
