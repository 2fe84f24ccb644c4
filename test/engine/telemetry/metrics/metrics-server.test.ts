import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryLogger } from '../../../../engine/core/logger.js';
import {
  serveMetrics,
  type MetricsServerHandle,
} from '../../../../engine/telemetry/metrics/metrics-server.js';

const handles: MetricsServerHandle[] = [];
afterEach(async () => {
  while (handles.length) await handles.pop()!.close();
});

async function start(render: () => Promise<string>, logger = new InMemoryLogger()) {
  const h = await serveMetrics(
    { contentType: 'text/plain; version=0.0.4; charset=utf-8', render },
    { port: 0, host: '127.0.0.1', logger },
  );
  handles.push(h);
  return { url: `http://127.0.0.1:${h.port}`, logger, handle: h };
}

describe('serveMetrics', () => {
  it('serves GET /metrics with the Prometheus content type', async () => {
    const { url } = await start(async () => 'up 1\n');
    const res = await fetch(`${url}/metrics?x=1`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    expect(await res.text()).toBe('up 1\n');
    expect((await fetch(`${url}/metrics`, { method: 'HEAD' })).status).toBe(200);
  });

  it('answers 404 elsewhere, 405 for other methods, and 500 with a log line when rendering fails', async () => {
    const { url } = await start(async () => 'up 1\n');
    expect((await fetch(`${url}/`)).status).toBe(404);
    expect((await fetch(`${url}/metrics`, { method: 'POST' })).status).toBe(405);
    const failing = await start(() => Promise.reject(new Error('boom')));
    expect((await fetch(`${failing.url}/metrics`)).status).toBe(500);
    expect(failing.logger.lines).toEqual([
      { level: 'error', msg: 'rendering metrics failed', fields: { error: 'boom' } },
    ]);
  });

  it('closes idempotently, and refuses connections afterwards', async () => {
    const { url, handle } = await start(async () => '');
    await Promise.all([handle.close(), handle.close()]);
    await expect(fetch(`${url}/metrics`)).rejects.toThrow();
  });
});
