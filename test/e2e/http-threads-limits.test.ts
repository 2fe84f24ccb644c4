/*
 * issue #14: a body over --http-max-input-size gets the single loop's 413 on frontend threads
 * too, on infer routes (decoded there) and forwarded ones (answered by the engine thread's
 * app), and /metrics counts it under its route either way.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES, tempRepository } from '../support/repo.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';

const MAX_INPUT = 1 << 20;

let repo: { dir: string; dispose(): Promise<void> };
let server: ServeProcess;
let metricsUrl: string;

beforeAll(async () => {
  repo = await tempRepository({ simple: path.join(EXAMPLES, 'simple') });
  server = await startServe([
    '--model-repository',
    repo.dir,
    '--http-thread-count',
    '2',
    '--http-max-input-size',
    String(MAX_INPUT),
  ]);
  const metrics = server.logs.find(l => l.msg === 'Started Metrics Service')!;
  metricsUrl = `http://127.0.0.1:${String(metrics.port)}/metrics`;
});
afterAll(async () => {
  if (server?.child.exitCode === null) await server.stop('SIGKILL');
  await repo?.dispose();
});

/** `braid_http_requests_total` of POSTs answered 413 on `route`, as /metrics says. */
function count413(metrics: string, route: string): number {
  const line = metrics
    .split('\n')
    .find(l =>
      l.startsWith(`braid_http_requests_total{method="POST",route="${route}",status="413"}`),
    );
  return Number(line?.split(' ').pop());
}

describe('braid serve --http-thread-count 2 --http-max-input-size', () => {
  it('answers 413 for a body over the limit and counts it under its route, on every path', async () => {
    const big = new Uint8Array(MAX_INPUT + 1).fill(0x20);
    const post = (urlPath: string, init: RequestInit) =>
      fetch(server.url + urlPath, { method: 'POST', ...init });
    const declared = await post('/v2/repository/index', { body: big });
    // No Content-Length: the frontend finds out while reading.
    const chunked = await post('/v2/repository/index', {
      body: new Blob([big]).stream(),
      duplex: 'half',
    } as RequestInit);
    const infer = await post('/v2/models/simple/infer', { body: big });
    for (const res of [declared, chunked, infer]) {
      expect(res.status).toBe(413);
      expect(((await res.json()) as { error: string }).error).toBe(
        `request body exceeds the size limit of ${MAX_INPUT} bytes`,
      );
    }
    const text = await (await fetch(metricsUrl)).text();
    expect(count413(text, '/v2/repository/index')).toBe(2);
    expect(count413(text, '/v2/models/:model/infer')).toBe(1);
  });

  it('still serves a body just under the limit after refusing larger ones', async () => {
    const res = await fetch(`${server.url}/v2/repository/index`, {
      method: 'POST',
      body: JSON.stringify({ ready: true }).padEnd(MAX_INPUT, ' '),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual([
      { name: 'simple', version: '1', state: 'READY' },
      { name: 'simple', version: '2', state: 'READY' },
    ]);
  });
});
