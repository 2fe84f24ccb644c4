// issue #10 items 3 and 4: the serve-wide limits reach the models of a running server.
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/repo.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';

const JS_MODELS = path.join(ROOT, 'test', 'fixtures', 'js-models');

/*
 * Two servers, one limit each: filling a 32 MB heap can take longer than a 300 ms execute
 * timeout on a busy machine, and the timeout must not decide the heap test.
 */
const servers: Record<'heap' | 'timeout', ServeProcess | undefined> = {
  heap: undefined,
  timeout: undefined,
};
/** The server the test at hand talks to. */
let server: ServeProcess;
const common = [
  '--model-repository',
  JS_MODELS,
  '--model-control-mode',
  'explicit',
  '--max-instance-count',
  '2',
];
beforeAll(async () => {
  [servers.heap, servers.timeout] = await Promise.all([
    startServe([...common, '--load-model', 'hog', '--backend-config', 'js,max-heap-mb=32']),
    startServe([
      ...common,
      '--load-model',
      'faulty',
      '--backend-config',
      'js,execute-timeout-ms=300',
    ]),
  ]);
});
afterAll(async () => {
  await Promise.all(Object.values(servers).map(s => s?.stop()));
});
const post = (url: string, body: unknown) =>
  fetch(server.url + url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body),
  });
const infer = (model: string, mode: number) =>
  post(`/v2/models/${model}/infer`, {
    inputs: [{ name: 'MODE', datatype: 'INT32', shape: [1], data: [mode] }],
  });
const error = async (res: Response) => ((await res.json()) as { error: string }).error;

describe('braid serve resource limits', () => {
  it('fails a request whose JS model exhausts --backend-config js,max-heap-mb, and serves the next', async () => {
    server = servers.heap!;
    const res = await infer('hog', 1);
    expect(res.status).toBe(500);
    expect(await error(res)).toMatch(
      /model 'hog': its worker ran out of memory \(heap limit 32 MB/,
    );
    expect((await infer('hog', 0)).status).toBe(200);
  });

  it('stops a looping JS model after --backend-config js,execute-timeout-ms, and serves the next', async () => {
    server = servers.timeout!;
    const res = await infer('faulty', 3);
    expect(res.status).toBe(503);
    expect(await error(res)).toMatch(/model 'faulty': execute\(\) did not finish within 300 ms/);
    expect((await infer('faulty', 0)).status).toBe(200);
  });

  it('answers 400 to a load asking for more instances than --max-instance-count', async () => {
    server = servers.heap!;
    const config = JSON.stringify({
      backend: 'js',
      instance_group: [{ kind: 'KIND_CPU', count: 3 }],
    });
    const res = await post('/v2/repository/models/plain/load', { parameters: { config } });
    expect(res.status).toBe(400);
    expect(await error(res)).toMatch(
      /model 'plain': instance_group\[0\]\.count is 3, which makes 3 instances of each version; at most 2 are allowed \(--max-instance-count\)/,
    );
  });
});
