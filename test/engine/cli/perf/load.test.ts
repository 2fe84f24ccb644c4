import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../../engine/core/clock.js';
import { runLoad } from '../../../../engine/cli/perf/load.js';
import type { LoadResult } from '../../../../engine/cli/perf/load.js';

let server: http.Server;
let origin = '';
/*
 * Time moves only when a request reaches the server: each arrival advances the clock by `step`
 * ms. Windows, warm-ups and paced sends all run on this clock, so what a run measures follows
 * from the number of requests served, never from how fast this machine happens to be.
 */
let clock: SimulatedClock;
let step = 1;
beforeEach(() => {
  clock = new SimulatedClock();
  step = 1;
});

beforeAll(async () => {
  server = http.createServer((req, res) => {
    clock.advance(step);
    req.resume();
    req.on('end', () => {
      if (req.url === '/fail') {
        res.writeHead(500, { 'content-type': 'application/json' });
        res.end('{"error":"model exploded"}');
      } else if (req.url === '/chunked') {
        // No content-length: Node frames the body with chunked transfer encoding.
        res.writeHead(200, { 'content-type': 'text/plain' });
        res.write('o');
        res.end('k');
      } else {
        res.writeHead(200, { 'content-length': 2 });
        res.end('ok');
      }
    });
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise(resolve => server.close(resolve));
});

const body = Buffer.from('{"inputs":[]}');
const short = () => ({ body, durationMs: 300, warmupMs: 50, clock });

function expectOrdered(r: LoadResult): void {
  expect(r.p50).toBeGreaterThan(0);
  expect(r.p50).toBeLessThanOrEqual(r.p90);
  expect(r.p90).toBeLessThanOrEqual(r.p95);
  expect(r.p95).toBeLessThanOrEqual(r.p99);
  expect(r.mean).toBeGreaterThan(0);
}

describe.each(['raw', 'http'] as const)('runLoad with the %s client', client => {
  it('measures successful requests with ordered percentiles', async () => {
    const r = await runLoad({ ...short(), url: `${origin}/ok`, concurrency: 4, client });
    // 300 arrivals fall inside the window; at most 4 of them are answered after it closes, and
    // at most 4 answered inside it arrived before it opened.
    expect(r.requests).toBeGreaterThanOrEqual(300 - 4);
    expect(r.requests).toBeLessThanOrEqual(300 + 4);
    expect(r.errors).toEqual({ count: 0, messages: [] });
    expect(r.durationS).toBe(0.3);
    expect(r.throughput).toBeCloseTo(r.requests / 0.3, 6);
    // Warm-up and window end on arrivals 50 and 350; the 4 workers each have one more in flight.
    expect(r.sent).toBeGreaterThanOrEqual(350);
    expect(r.sent).toBeLessThanOrEqual(350 + 4);
    // A request's own arrival moves the clock by 1 ms: no latency is below that.
    expect(r.p50).toBeGreaterThanOrEqual(1);
    expectOrdered(r);
  });

  it('counts non-2xx responses as errors and keeps the first few messages', async () => {
    const url = `${origin}/fail`;
    const r = await runLoad({ ...short(), url, concurrency: 2, client, keepErrors: 3 });
    expect(r.requests).toBe(0);
    expect(r.errors.count).toBeGreaterThanOrEqual(300 - 2);
    expect(r.errors.count).toBeLessThanOrEqual(300 + 2);
    expect(r.errors.messages).toHaveLength(3);
    expect(r.errors.messages[0]).toBe('HTTP 500: {"error":"model exploded"}');
    expect(r.p50).toBeNaN();
  });

  it('reads chunked responses to the end', async () => {
    const r = await runLoad({ ...short(), url: `${origin}/chunked`, concurrency: 2, client });
    expect(r.requests).toBeGreaterThanOrEqual(300 - 2);
    expect(r.errors.count).toBe(0);
  });

  it('reports connection failures as errors', async () => {
    const closed = http.createServer();
    await new Promise<void>(resolve => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise(resolve => closed.close(resolve));
    const url = `http://127.0.0.1:${port}/`;
    // No request ever arrives, so the clock moves one ms per turn of the event loop instead.
    let driving = true;
    const drive = () => {
      clock.advance(1);
      if (driving) setImmediate(drive);
    };
    setImmediate(drive);
    const r = await runLoad({
      url,
      body,
      concurrency: 1,
      durationMs: 200,
      warmupMs: 0,
      client,
      clock,
    }).finally(() => (driving = false));
    expect(r.requests).toBe(0);
    expect(r.errors.count).toBeGreaterThan(0);
    expect(r.errors.messages[0]).toMatch(/ECONNREFUSED|closed/);
  });
});

describe('runLoad pacing', () => {
  it('never sends faster than ratePerSec', async () => {
    // Each arrival moves the clock by one 10 ms slot of the 100/s schedule, so 8 workers could
    // send far ahead of it if the cap did not hold them back.
    step = 10;
    const paced = { ...short(), warmupMs: 0, ratePerSec: 100 };
    const r = await runLoad({ ...paced, url: `${origin}/ok`, concurrency: 8 });
    // 100/s over 0.3 s is 30 sends; the window may close on one more that was already due.
    expect(r.sent).toBeGreaterThanOrEqual(30);
    expect(r.sent).toBeLessThanOrEqual(31);
    expect(r.requests).toBeGreaterThan(0);
  });

  it('rejects a concurrency below 1', async () => {
    const run = runLoad({ url: `${origin}/ok`, body, concurrency: 0, durationMs: 10 });
    await expect(run).rejects.toThrow(/concurrency/);
  });
});
