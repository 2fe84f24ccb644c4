// issue #10 items 3 and 4: the serve-wide limits reach the models of a running server.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/repo.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';

const JS_MODELS = path.join(ROOT, 'test', 'fixtures', 'js-models');

let server: ServeProcess;
beforeAll(async () => {
  server = await startServe([
    '--model-repository', JS_MODELS,
    '--model-control-mode', 'explicit',
    '--load-model', 'hog',
    '--load-model', 'faulty',
    '--max-instance-count', '2',
    '--backend-config', 'js,max-heap-mb=32',
    '--backend-config', 'js,execute-timeout-ms=300',
  ]);
});
afterAll(async () => {
  if (server) await server.stop();
});

const post = (url: string, body: unknown) => fetch(server.url + url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
const infer = (model: string, mode: number) => post(`/v2/models/${model}/infer`, { inputs: [{ name: 'MODE', datatype: 'INT32', shape: [1], data: [mode] }] });
const error = async (res: Response) => ((await res.json()) as { error: string }).error;

describe('braid serve resource limits', () => {
  it('fails a request whose JS model exhausts --backend-config js,max-heap-mb, and serves the next', async () => {
    const res = await infer('hog', 1);
    expect(res.status).toBe(500);
    expect(await error(res)).toMatch(/model 'hog': its worker ran out of memory \(heap limit 32 MB/);
    expect((await infer('hog', 0)).status).toBe(200);
  });

  it('stops a looping JS model after --backend-config js,execute-timeout-ms, and serves the next', async () => {
    const res = await infer('faulty', 3);
    expect(res.status).toBe(503);
    expect(await error(res)).toMatch(/model 'faulty': execute\(\) did not finish within 300 ms/);
    expect((await infer('faulty', 0)).status).toBe(200);
  });

  it('answers 400 to a load asking for more instances than --max-instance-count', async () => {
    const config = JSON.stringify({ backend: 'js', instance_group: [{ kind: 'KIND_CPU', count: 3 }] });
    const res = await post('/v2/repository/models/plain/load', { parameters: { config } });
    expect(res.status).toBe(400);
    expect(await error(res)).toMatch(/model 'plain': instance_group\[0\]\.count is 3, which makes 3 instances of each version; at most 2 are allowed \(--max-instance-count\)/);
  });
});
