/*
 * The response cache end to end (issue #15 section 3): `braid serve --cache-config local,size=...`
 * in a child process with a copy of the example `simple` model whose config enables
 * response_cache; repeated requests over HTTP and gRPC are hits, as the statistics of both
 * protocols and the nv_cache_* metrics say, and the model executes once per distinct request.
 */
import { appendFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client, ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES, tempRepository } from '../support/repo.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';
import { inferenceClient } from '../engine/server/grpc/grpc-harness.js';

type Rpc = (req: object, cb: (err: ServiceError | null, res: any) => void) => void;
type InferenceClient = Client & Record<string, Rpc>;

let repo: Awaited<ReturnType<typeof tempRepository>>;
let server: ServeProcess;
let client: InferenceClient;
let metricsUrl: string;

beforeAll(async () => {
  repo = await tempRepository({ simple: path.join(EXAMPLES, 'simple') });
  await appendFile(
    path.join(repo.dir, 'simple', 'config.yaml'),
    '\nresponse_cache:\n  enable: true\n',
  );
  server = await startServe(
    ['--model-repository', repo.dir, '--cache-config', 'local,size=1048576'],
    60_000,
  );
  const grpc = server.logs.find(l => l.msg === 'Started GRPCInferenceService');
  const metrics = server.logs.find(l => l.msg === 'Started Metrics Service');
  metricsUrl = `http://127.0.0.1:${metrics!.port as number}/metrics`;
  client = inferenceClient<InferenceClient>(`127.0.0.1:${grpc!.port as number}`);
}, 90_000);

afterAll(async () => {
  client?.close();
  await server?.stop();
  await repo?.dispose();
});

const call = (rpc: string, req: object): Promise<any> =>
  new Promise((resolve, reject) =>
    client[rpc]!.call(client, req, (err, res) => (err ? reject(err) : resolve(res))),
  );

const httpInfer = async (version: number, b: number) => {
  const body = {
    inputs: [
      {
        name: 'INPUT0',
        datatype: 'FP32',
        shape: [1, 16],
        data: Array.from({ length: 16 }, (_, i) => i),
      },
      { name: 'INPUT1', datatype: 'FP32', shape: [1, 16], data: Array<number>(16).fill(b) },
    ],
  };
  const res = await fetch(`${server.url}/v2/models/simple/versions/${version}/infer`, {
    method: 'POST',
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { outputs: { name: string; data: number[] }[] };
};

const httpStats = async (version: number) => {
  const res = await fetch(`${server.url}/v2/models/simple/versions/${version}/stats`);
  return ((await res.json()) as { model_stats: any[] }).model_stats[0];
};

describe('response cache over real sockets', () => {
  it('answers a repeated HTTP request from the cache: cache_hit in statistics, execution count unchanged', async () => {
    const first = await httpInfer(1, 3);
    const executed = (await httpStats(1)).execution_count as number;
    const second = await httpInfer(1, 3);
    expect(second.outputs).toEqual(first.outputs);
    const s = await httpStats(1);
    expect(s.execution_count).toBe(executed);
    expect(s.inference_stats.cache_hit.count).toBe(1);
    expect(s.inference_stats.cache_miss.count).toBe(1);
    expect(s.inference_stats.success.count).toBe(2);
  });

  it('answers a repeated gRPC request from the cache, with cache_hit in gRPC ModelStatistics', async () => {
    const f32 = (v: number[]) => Buffer.from(new Float32Array(v).buffer);
    const req = {
      model_name: 'simple',
      model_version: '2',
      inputs: [
        { name: 'INPUT0', datatype: 'FP32', shape: [1, 16] },
        { name: 'INPUT1', datatype: 'FP32', shape: [1, 16] },
      ],
      raw_input_contents: [
        f32(Array.from({ length: 16 }, (_, i) => i)),
        f32(Array<number>(16).fill(2)),
      ],
    };
    const first = await call('ModelInfer', req);
    const second = await call('ModelInfer', { ...req, id: 'again' });
    expect(second.id).toBe('again');
    expect(second.raw_output_contents).toEqual(first.raw_output_contents);
    const stats = (await call('ModelStatistics', { name: 'simple', version: '2' })).model_stats[0];
    expect(Number(stats.execution_count)).toBe(1);
    expect(Number(stats.inference_stats.cache_hit.count)).toBe(1);
    expect(Number(stats.inference_stats.cache_miss.count)).toBe(1);
  });

  it("exports Triton's nv_cache_* metrics per model, equal to the statistics", async () => {
    const text = await (await fetch(metricsUrl)).text();
    expect(text).toMatch(/^nv_cache_num_hits_per_model\{model="simple",version="1"\} 1$/m);
    expect(text).toMatch(/^nv_cache_num_misses_per_model\{model="simple",version="1"\} 1$/m);
    expect(text).toMatch(/^nv_cache_hit_duration_per_model\{model="simple",version="2"\} \d+$/m);
    expect(text).toMatch(/^nv_cache_miss_duration_per_model\{model="simple",version="2"\} \d+$/m);
  });
});
