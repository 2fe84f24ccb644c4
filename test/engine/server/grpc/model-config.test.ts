// issue #13 item 4: gRPC ModelConfig answers Triton's ModelConfig message, and ModelInfer serves
// classification, over a real socket to a real engine serving config.pbtxt models.
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../../engine/runtime/engine.js';
import { listenGrpc, type GrpcServerHandle } from '../../../../engine/server/grpc/listen.js';
import { standardEngine } from '../../../support/engine.js';
import { LABELS, tritonRepository } from '../triton-repo.js';
import { failure, tritonClient, type TritonClient } from './triton-client.js';

let repo: { dir: string; dispose(): Promise<void> };
let engine: Engine;
let server: GrpcServerHandle;
let client: TritonClient;

beforeAll(async () => {
  repo = await tritonRepository();
  engine = await standardEngine(repo.dir);
  server = await listenGrpc(engine, { port: 0, host: '127.0.0.1', maxMessageBytes: 1 << 20 });
  client = tritonClient(server.port);
}, 60_000);

afterAll(async () => {
  client?.close();
  await server?.close(0);
  await engine?.shutdown(5000);
  await repo?.dispose();
});

/**
 * Every field the HTTP config has is in the decoded message with the same value: 64-bit integers
 * come as decimal strings, enums by name, maps as objects.
 */
function expectSameConfig(http: unknown, grpc: unknown, at = 'config'): void {
  if (Array.isArray(http)) {
    expect(Array.isArray(grpc), at).toBe(true);
    expect((grpc as unknown[]).length, at).toBe(http.length);
    http.forEach((v, i) => expectSameConfig(v, (grpc as unknown[])[i], `${at}[${i}]`));
  } else if (typeof http === 'object' && http !== null) {
    expect(typeof grpc, at).toBe('object');
    for (const [k, v] of Object.entries(http))
      expectSameConfig(v, (grpc as Record<string, unknown>)[k], `${at}.${k}`);
  } else if (typeof http === 'number') {
    expect(Number(grpc), at).toBe(http);
  } else {
    expect(grpc, at).toBe(http);
  }
}

/**
 * protobufjs, under proto-loader, keys a decoded map<uint64, ...> by the key's 8 little-endian
 * bytes as a string (the wire holds the plain varint key); this turns them back into decimals.
 */
function withDecimalKeys(map: Record<string, unknown>): Record<string, unknown> {
  const key = (k: string) =>
    k.length === 8 ? Buffer.from(k, 'latin1').readBigUInt64LE().toString() : k;
  return Object.fromEntries(Object.entries(map).map(([k, v]) => [key(k), v]));
}

async function modelConfig(req: object) {
  const { config } = await client.call('ModelConfig', req);
  const batching = config.dynamic_batching;
  if (batching) batching.priority_queue_policy = withDecimalKeys(batching.priority_queue_policy);
  return config;
}

describe('gRPC ModelConfig', () => {
  it.each(['classify', 'simple', 'mul_sub', 'add_mul'])(
    'answers %s’s completed config as Triton’s ModelConfig message',
    async name => {
      expectSameConfig(
        JSON.parse(JSON.stringify(engine.modelConfig(name))),
        await modelConfig({ name }),
      );
    },
  );

  it('encodes enums by name, int64 as integers, oneofs, maps and nested policies faithfully', async () => {
    const config = await modelConfig({ name: 'classify', version: '1' });
    expect(config).toMatchObject({
      name: 'classify',
      platform: 'onnxruntime_onnx',
      max_batch_size: 8,
      version_policy: { policy_choice: 'specific', specific: { versions: ['1'] } },
      input: [
        { name: 'INPUT0', data_type: 'TYPE_FP32', format: 'FORMAT_NONE', dims: ['16'] },
        { name: 'INPUT1' },
      ],
      output: [
        { name: 'OUTPUT0', label_filename: 'labels.txt' },
        { name: 'OUTPUT1', dims: ['4', '4'], reshape: { shape: ['16'] } },
      ],
      instance_group: [{ name: 'cpus', kind: 'KIND_CPU', count: 2 }],
      scheduling_choice: 'dynamic_batching',
      dynamic_batching: {
        preferred_batch_size: [4, 8],
        max_queue_delay_microseconds: '100',
        priority_levels: '2',
        default_priority_level: '1',
        default_queue_policy: {
          timeout_action: 'DELAY',
          default_timeout_microseconds: '5000000',
          allow_timeout_override: true,
          max_queue_size: 16,
        },
        priority_queue_policy: { '2': { max_queue_size: 4, timeout_action: 'REJECT' } },
      },
      optimization: { graph: { level: 1 }, priority: 'PRIORITY_DEFAULT' },
      parameters: { execution_thread: { string_value: 'main' } },
      metric_tags: { team: 'vision' },
    });
    const ensemble = (await client.call('ModelConfig', { name: 'add_mul' })).config;
    expect(ensemble.scheduling_choice).toBe('ensemble_scheduling');
    expect(ensemble.ensemble_scheduling.step[0]).toMatchObject({
      model_name: 'simple',
      model_version: '-1',
      input_map: { INPUT0: 'A', INPUT1: 'B' },
    });
    expect((await client.call('ModelConfig', { name: 'simple' })).config.version_policy).toEqual({
      policy_choice: 'latest',
      latest: { num_versions: 1 },
    });
  });

  it('answers NOT_FOUND for an unknown model and INVALID_ARGUMENT for a malformed version', async () => {
    expect((await failure(client.call('ModelConfig', { name: 'nope' }))).code).toBe(
      status.NOT_FOUND,
    );
    expect(
      (await failure(client.call('ModelConfig', { name: 'classify', version: 'x' }))).code,
    ).toBe(status.INVALID_ARGUMENT);
  });
});

const f32 = (values: number[]) => Buffer.from(new Float32Array(values).buffer);
const strings = (raw: Buffer): string[] => {
  const out: string[] = [];
  for (let at = 0; at < raw.length;) {
    const n = raw.readUInt32LE(at);
    out.push(raw.subarray(at + 4, at + 4 + n).toString());
    at += 4 + n;
  }
  return out;
};

describe('gRPC classification', () => {
  const a = Array.from({ length: 16 }, (_, i) => i);
  const b = Array.from({ length: 16 }, (_, i) => (i === 3 ? 20 : 0));
  const request = (parameters: object) => ({
    model_name: 'classify',
    inputs: [
      { name: 'INPUT0', datatype: 'FP32', shape: [2, 16] },
      { name: 'INPUT1', datatype: 'FP32', shape: [2, 16] },
    ],
    outputs: [{ name: 'OUTPUT0', parameters }],
    raw_input_contents: [f32([...a, ...a]), f32([...b, ...b.map(x => -x)])],
  });

  it('answers the top k per batch item as BYTES "value:index:label", as tritonclient’s class_count asks', async () => {
    const res = await client.call('ModelInfer', request({ classification: { int64_param: 3 } }));
    expect(res.outputs).toEqual([
      expect.objectContaining({ name: 'OUTPUT0', datatype: 'BYTES', shape: ['2', '3'] }),
    ]);
    expect(strings(res.raw_output_contents[0])).toEqual([
      `23.000000:3:${LABELS[3]}`,
      `15.000000:15:${LABELS[15]}`,
      `14.000000:14:${LABELS[14]}`,
      `15.000000:15:${LABELS[15]}`,
      `14.000000:14:${LABELS[14]}`,
      `13.000000:13:${LABELS[13]}`,
    ]);
  });

  it('leaves the label off where the label file has none', async () => {
    const res = await client.call('ModelInfer', {
      ...request({ classification: { int64_param: 16 } }),
      outputs: [{ name: 'OUTPUT0', parameters: { classification: { int64_param: 16 } } }],
    });
    expect(strings(res.raw_output_contents[0])).toContain('7.000000:7');
  });

  it('refuses a classification that is not an int64_param of at least 1, as Triton', async () => {
    const wrongType = await failure(
      client.call('ModelInfer', request({ classification: { string_param: '2' } })),
    );
    expect(wrongType).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details:
        "invalid value type for 'classification' parameter of output 'OUTPUT0', expected int64_param",
    });
    const zero = await failure(
      client.call('ModelInfer', request({ classification: { int64_param: 0 } })),
    );
    expect(zero.details).toBe(
      "invalid value for 'classification' parameter of output 'OUTPUT0', expected >= 1, got 0",
    );
  });
});
