import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../../engine/core/clock.js';
import { startLoad } from '../../../../engine/cli/perf/load-session.js';

// A server that reads each request and never answers: the load's requests stay in flight.
let server: http.Server;
let origin = '';
const arrived: (() => void)[] = [];
let requestsSeen = 0;

beforeAll(async () => {
  server = http.createServer(req => {
    req.resume();
    requestsSeen++;
    arrived.splice(0).forEach(wake => wake());
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise(resolve => server.close(resolve));
});

async function inFlight(n: number): Promise<void> {
  while (requestsSeen < n) await new Promise<void>(resolve => arrived.push(resolve));
}

describe.each(['raw', 'http'] as const)('startLoad with the %s client', client => {
  // issue #17 item 2: stop() hung when a request was still unanswered after the grace, because
  // closing the raw connection dropped the request's callback instead of failing it.
  it('stop() closes connections whose requests outlive the grace, and resolves', async () => {
    requestsSeen = 0;
    const clock = new SimulatedClock();
    const body = Buffer.from('{"inputs":[]}');
    const load = startLoad({
      url: `${origin}/never`,
      requests: [{ body, headers: { 'content-type': 'application/json' } }],
      concurrency: 2,
      client,
      clock,
      stopGraceMs: 100,
    });
    await inFlight(2);
    const stopped = load.stop();
    let done = false;
    void stopped.then(() => (done = true));
    clock.advance(99);
    await new Promise(resolve => setImmediate(resolve));
    expect(done).toBe(false);
    clock.advance(1);
    await stopped;
    expect(done).toBe(true);
  }, 10_000);
});
