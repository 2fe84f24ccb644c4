import type { CancelSignal } from '../../../engine/core/cancel.js';
import { describe, it, expect } from 'vitest';
import { createApp } from '../../../engine/server/app.js';
import { listen } from '../../../engine/server/listen.js';
import { fakeEngine } from './helpers.js';
import { send } from './http-client.js';

const request = JSON.stringify({
  inputs: [{ name: 'INPUT0', shape: [1, 4], datatype: 'FP32', data: [1, 2, 3, 4] }],
});

function aborted(signal: CancelSignal): Promise<void> {
  return signal.aborted ? Promise.resolve() : new Promise(r => signal.addEventListener('abort', () => r(), { once: true }));
}

describe('client disconnect', () => {
  it('aborts the signal the engine received when the client goes away mid-request', async () => {
    const engine = fakeEngine();
    engine.script('echo', { hang: true });
    const server = await listen(createApp(engine), { port: 0, host: '127.0.0.1' });
    try {
      const started = engine.nextInfer();
      let destroy!: () => void;
      const client = send(server.port, '/v2/models/echo/infer', {
        method: 'POST',
        body: request,
        onRequest: req => (destroy = () => req.destroy()),
      });
      const req = await started;
      expect(req.signal).toBeDefined();
      expect(req.signal!.aborted).toBe(false);
      destroy();
      await expect(client).rejects.toThrow();
      await aborted(req.signal!);
      expect(req.signal!.aborted).toBe(true);
    } finally {
      await server.close(0);
    }
  });

  it('leaves the signal alone when the response completes', async () => {
    const engine = fakeEngine();
    const server = await listen(createApp(engine), { port: 0, host: '127.0.0.1' });
    try {
      const res = await send(server.port, '/v2/models/echo/infer', { method: 'POST', body: request });
      expect(res.status).toBe(200);
      expect(JSON.parse(res.body).outputs[0].data).toEqual([1, 2, 3, 4]);
      await new Promise(r => setTimeout(r, 20));
      expect(engine.inferCalls[0]!.signal!.aborted).toBe(false);
    } finally {
      await server.close(0);
    }
  });
});
