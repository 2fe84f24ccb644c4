import { Agent } from 'node:http';
import { connect } from 'node:net';
import { afterEach, describe, it, expect } from 'vitest';
import { SimulatedClock } from '../../../engine/core/clock.js';
import { createApp } from '../../../engine/server/app.js';
import { listen } from '../../../engine/server/listen.js';
import type { HttpServerHandle } from '../../../engine/server/listen.js';
import { fakeEngine } from './helpers.js';
import { send } from './http-client.js';

const handles: HttpServerHandle[] = [];
const agents: Agent[] = [];

afterEach(async () => {
  for (const a of agents.splice(0)) a.destroy();
  await Promise.all(handles.splice(0).map(h => h.close(0)));
});

async function start(clock = new SimulatedClock()) {
  const engine = fakeEngine();
  const server = await listen(createApp(engine), { port: 0, host: '127.0.0.1', clock });
  handles.push(server);
  return { engine, server, clock };
}

function keepAliveAgent(): Agent {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  agents.push(agent);
  return agent;
}

/** Settles within `ms`, or reports that it did not. */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([p, new Promise<'pending'>(r => setTimeout(() => r('pending'), ms))]);
}

describe('listen', () => {
  it('binds port 0 to a free port and serves the app', async () => {
    const { server } = await start();
    expect(server.port).toBeGreaterThan(0);
    expect(server.host).toBe('127.0.0.1');
    const res = await send(server.port, '/v2/health/live');
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    const missing = await send(server.port, '/v2/nowhere');
    expect(missing.status).toBe(404);
    expect(missing.headers['content-type']).toBe('application/json');
    expect(JSON.parse(missing.body)).toEqual({ error: 'Not Found' });
  });

  // Load balancers' default health checks (haproxy `option httpchk`) send no Host header.
  it.each(['HTTP/1.0', 'HTTP/1.1'])('answers a %s request without a Host header', async version => {
    const { server } = await start();
    const answer = await new Promise<string>((resolve, reject) => {
      const socket = connect(server.port, '127.0.0.1', () =>
        socket.end(`GET /v2/health/live ${version}\r\nConnection: close\r\n\r\n`),
      );
      let text = '';
      socket.on('data', d => (text += d.toString()));
      socket.on('end', () => resolve(text));
      socket.on('error', reject);
    });
    expect(answer.split('\r\n')[0]).toBe(`HTTP/1.1 200 OK`);
  });

  it('rejects when the port is taken', async () => {
    const { server } = await start();
    await expect(
      listen(createApp(fakeEngine()), { port: server.port, host: '127.0.0.1' }),
    ).rejects.toThrow(/EADDRINUSE/);
  });
});

describe('HttpServerHandle.close', () => {
  it('stops accepting, lets in-flight requests finish, then resolves', async () => {
    const { engine, server } = await start();
    let release!: () => void;
    engine.loadGate = new Promise(r => (release = r));
    const loading = engine.nextLoad();
    const inflight = send(server.port, '/v2/repository/models/simple/load', {
      method: 'POST',
      agent: keepAliveAgent(),
    });
    await loading;
    const closed = server.close(60_000);
    expect(await within(closed, 50)).toBe('pending');
    await expect(send(server.port, '/v2/health/live')).rejects.toThrow(/ECONNREFUSED/);
    release();
    const res = await inflight;
    expect(res.status).toBe(200);
    await expect(closed).resolves.toBeUndefined();
  });

  it('closes idle keep-alive sockets after a short settle period, not the grace period', async () => {
    const { server, clock } = await start();
    const agent = keepAliveAgent();
    expect((await send(server.port, '/v2/health/live', { agent })).status).toBe(200);
    const closed = server.close(60_000);
    // Requests whose bytes already arrived get the settle period to be parsed and served.
    expect(await within(closed, 50)).toBe('pending');
    clock.advance(50);
    await expect(closed).resolves.toBeUndefined();
  });

  it('destroys sockets still busy when the grace period ends', async () => {
    const { engine, server, clock } = await start();
    engine.loadGate = new Promise(() => {});
    const loading = engine.nextLoad();
    const inflight = send(server.port, '/v2/repository/models/simple/load', { method: 'POST' });
    await loading;
    const closed = server.close(1_000);
    clock.advance(999);
    expect(await within(closed, 50)).toBe('pending');
    clock.advance(1);
    await expect(inflight).rejects.toThrow(/socket hang up|ECONNRESET/);
    await expect(closed).resolves.toBeUndefined();
  });

  it('is idempotent', async () => {
    const { server } = await start();
    const first = server.close(0);
    expect(server.close(0)).toBe(first);
    await first;
  });
});
