// issue #13 item 5: server metadata lists exactly the extensions served. Each listed extension
// has a probe that uses it over a real socket; an extension without a probe fails the test, so
// the list cannot grow past what is served.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../engine/runtime/engine.js';
import { createApp } from '../../../engine/server/app.js';
import { listenGrpc, type GrpcServerHandle } from '../../../engine/server/grpc/listen.js';
import { listen, type HttpServerHandle } from '../../../engine/server/listen.js';
import { LogControl } from '../../../engine/telemetry/logger.js';
import { TraceSettingsStore } from '../../../engine/telemetry/tracing/trace-settings.js';
import { tritonClient, type TritonClient } from './grpc/triton-client.js';
import { standardEngine } from '../../support/engine.js';
import { tritonRepository } from './triton-repo.js';

let repo: { dir: string; dispose(): Promise<void> };
let engine: Engine;
let http: HttpServerHandle;
let grpc: GrpcServerHandle;
let client: TritonClient;

beforeAll(async () => {
  repo = await tritonRepository();
  engine = await standardEngine(repo.dir);
  const traceSettings = new TraceSettingsStore(
    { level: 'OFF', rate: 1 },
    { url: 'http://127.0.0.1:4318/v1/traces' },
  );
  http = await listen(createApp(engine, { traceSettings, logging: new LogControl() }), {
    port: 0,
    host: '127.0.0.1',
  });
  grpc = await listenGrpc(engine, { port: 0, host: '127.0.0.1', maxMessageBytes: 1 << 20 });
  client = tritonClient(grpc.port);
}, 60_000);

afterAll(async () => {
  client?.close();
  await Promise.all([http?.close(0), grpc?.close(0)]);
  await engine?.shutdown(5000);
  await repo?.dispose();
});

const url = (p: string) => `http://127.0.0.1:${http.port}${p}`;
const a = Array.from({ length: 16 }, (_, i) => i);
const httpInfer = (body: object) =>
  fetch(url('/v2/models/classify/infer'), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      inputs: ['INPUT0', 'INPUT1'].map(name => ({
        name,
        datatype: 'FP32',
        shape: [1, 16],
        data: a,
      })),
      ...body,
    }),
  });
const json = async (res: Response) => {
  expect(res.status).toBe(200);
  return (await res.json()) as any;
};

/** What proves each extension is served over HTTP. */
const HTTP_PROBES: Record<string, () => Promise<void>> = {
  classification: async () => {
    const body = await json(
      await httpInfer({ outputs: [{ name: 'OUTPUT0', parameters: { classification: 1 } }] }),
    );
    expect(body.outputs[0]).toMatchObject({ datatype: 'BYTES', data: ['30.000000:15:class-15'] });
  },
  model_repository: async () =>
    expect(
      Array.isArray(await json(await fetch(url('/v2/repository/index'), { method: 'POST' }))),
    ).toBe(true),
  schedule_policy: async () => {
    await json(await httpInfer({ parameters: { priority: 2, timeout: 60_000_000 } }));
    expect((await httpInfer({ parameters: { priority: -1 } })).status).toBe(400);
  },
  model_configuration: async () =>
    expect((await json(await fetch(url('/v2/models/classify/config')))).max_batch_size).toBe(8),
  binary_tensor_data: async () => {
    const res = await httpInfer({ parameters: { binary_data_output: true } });
    expect(res.headers.get('content-type')).toBe('application/octet-stream');
  },
  parameters: async () => {
    await json(
      await httpInfer({
        parameters: { client_tag: 'x' },
        outputs: [{ name: 'OUTPUT0', parameters: { binary_data: false } }],
      }),
    );
  },
  statistics: async () =>
    expect((await json(await fetch(url('/v2/models/classify/stats')))).model_stats[0].name).toBe(
      'classify',
    ),
  trace: async () =>
    expect((await json(await fetch(url('/v2/trace/setting')))).trace_level).toEqual(['OFF']),
  logging: async () => expect((await json(await fetch(url('/v2/logging')))).log_info).toBe(true),
};

const f32 = (values: number[]) => Buffer.from(new Float32Array(values).buffer);
const grpcInfer = (extra: object = {}) =>
  client.call('ModelInfer', {
    model_name: 'classify',
    inputs: ['INPUT0', 'INPUT1'].map(name => ({ name, datatype: 'FP32', shape: [1, 16] })),
    raw_input_contents: [f32(a), f32(a)],
    ...extra,
  });

/** What proves each extension is served over gRPC. */
const GRPC_PROBES: Record<string, () => Promise<void>> = {
  classification: async () => {
    const res = await grpcInfer({
      outputs: [{ name: 'OUTPUT0', parameters: { classification: { int64_param: 1 } } }],
    });
    expect(res.outputs[0]).toMatchObject({ datatype: 'BYTES', shape: ['1', '1'] });
  },
  model_repository: async () =>
    expect((await client.call('RepositoryIndex', {})).models.length).toBeGreaterThan(0),
  schedule_policy: async () =>
    expect(
      (
        await grpcInfer({
          parameters: { priority: { int64_param: 2 }, timeout: { int64_param: 60_000_000 } },
        })
      ).model_name,
    ).toBe('classify'),
  model_configuration: async () =>
    expect((await client.call('ModelConfig', { name: 'classify' })).config.max_batch_size).toBe(8),
  binary_tensor_data: async () => expect((await grpcInfer()).raw_output_contents).toHaveLength(2),
  parameters: async () =>
    expect(
      (await grpcInfer({ parameters: { client_tag: { string_param: 'x' } } })).outputs,
    ).toHaveLength(2),
  statistics: async () =>
    expect((await client.call('ModelStatistics', { name: 'classify' })).model_stats[0].name).toBe(
      'classify',
    ),
};

describe('server metadata extensions', () => {
  it('over HTTP lists only extensions that are served, and each one is', async () => {
    const { extensions } = (await json(await fetch(url('/v2')))) as { extensions: string[] };
    expect(extensions).toEqual([
      'classification',
      'model_repository',
      'schedule_policy',
      'model_configuration',
      'binary_tensor_data',
      'parameters',
      'statistics',
      'trace',
      'logging',
    ]);
    for (const ext of extensions) {
      expect(HTTP_PROBES, `no probe for HTTP extension '${ext}'`).toHaveProperty(ext);
      await HTTP_PROBES[ext]!();
    }
  });

  it('over gRPC lists only extensions that are served, and each one is', async () => {
    const { extensions } = (await client.call('ServerMetadata')) as { extensions: string[] };
    expect(extensions).not.toContain('trace');
    expect(extensions).not.toContain('logging');
    for (const ext of extensions) {
      expect(GRPC_PROBES, `no probe for gRPC extension '${ext}'`).toHaveProperty(ext);
      await GRPC_PROBES[ext]!();
    }
  });
});
