/*
 * issue #10 item 11: during SIGTERM's drain the server keeps listening, so probes and load
 * balancers get answers rather than resets: not-ready, 503 for new inference, and the requests
 * already received finish before the process exits 0.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ROOT, tempRepository } from '../support/repo.js';
import { startServe } from '../support/serve-process.js';
import type { ServeProcess } from '../support/serve-process.js';

const cleanup: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

interface Answer {
  readonly status: number;
  readonly body: string;
}

/** One request on a connection of its own (no agent): a new connection every time. */
function fresh(port: number, method: string, urlPath: string, body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method, path: urlPath, agent: false }, res => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const inferBody = (gate: string, x: number) =>
  JSON.stringify({
    inputs: [
      { name: 'GATE', datatype: 'BYTES', shape: [1], data: [gate] },
      { name: 'x', datatype: 'INT32', shape: [1], data: [x] },
    ],
  });

/** Resolves once `check` holds, looking again after each turn of a short wait. */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    if (check()) return;
    await new Promise(r => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('braid serve drain on SIGTERM', () => {
  it('keeps answering while requests in flight finish, then exits 0', async () => {
    const repo = await tempRepository({
      gated: path.join(ROOT, 'test', 'fixtures', 'js-models', 'gated'),
    });
    cleanup.push(() => repo.dispose());
    const s: ServeProcess = await startServe([
      '--model-repository',
      repo.dir,
      '--allow-grpc',
      'false',
      '--allow-metrics',
      'false',
    ]);
    cleanup.push(() => (s.child.exitCode === null ? s.stop('SIGKILL') : Promise.resolve()));
    const gate = path.join(repo.dir, 'release');

    const inflight = fresh(s.port, 'POST', '/v2/models/gated/infer', inferBody(gate, 7));
    await until(() => existsSync(`${gate}.started`), 'the request to reach the model');
    const exited = s.stop('SIGTERM');
    await until(() => s.logs.some(l => l.msg === 'shutting down'), 'the drain to begin');

    expect((await fresh(s.port, 'GET', '/v2/health/ready')).status).toBe(400);
    expect((await fresh(s.port, 'GET', '/v2/health/live')).status).toBe(200);
    const refused = await fresh(s.port, 'POST', '/v2/models/gated/infer', inferBody(gate, 8));
    expect(refused).toEqual({
      status: 503,
      body: JSON.stringify({ error: 'server is shutting down' }),
    });

    await writeFile(gate, '');
    const done = await inflight;
    expect(done.status).toBe(200);
    expect((JSON.parse(done.body) as { outputs: { data: number[] }[] }).outputs[0]!.data).toEqual([
      7,
    ]);
    expect(await exited).toBe(0);
    expect(s.logs.some(l => l.msg === 'stopped')).toBe(true);
  });
});
