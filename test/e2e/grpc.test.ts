/*
 * The gRPC protocol end to end: `braid serve` in a child process, a real gRPC client over a real
 * socket. The typed client uses the server's own proto; the wire test encodes ModelInfer by hand
 * from the field numbers of the reference (open-inference-protocol.md §2.2), so a numbering
 * mistake in the proto cannot hide behind a client built from the same file.
 */
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { credentials, Metadata } from '@grpc/grpc-js';
import type { Client, ServiceError } from '@grpc/grpc-js';
import protobuf from 'protobufjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES, ROOT, tempRepository } from '../support/repo.js';
import { startServe } from '../support/serve-process.js';
import type { ServeProcess } from '../support/serve-process.js';
import { inferenceClient } from '../engine/server/grpc/grpc-harness.js';

type Rpc = (req: object, cb: (err: ServiceError | null, res: any) => void) => void;
type InferenceClient = Client & Record<string, Rpc>;

let server: ServeProcess;
let client: InferenceClient;
let address: string;

const call = (rpc: string, req: object = {}): Promise<any> =>
  new Promise((resolve, reject) =>
    client[rpc]!.call(client, req, (err, res) => (err ? reject(err) : resolve(res))),
  );
const failure = (p: Promise<unknown>): Promise<ServiceError> =>
  p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: ServiceError) => e,
  );

const f32 = (values: number[]) => Buffer.from(new Float32Array(values).buffer);

beforeAll(async () => {
  server = await startServe([
    '--model-repository',
    EXAMPLES,
    '--model-control-mode',
    'explicit',
    '--load-model',
    'simple',
  ]);
  const started = server.logs.find(l => l.msg === 'Started GRPCInferenceService');
  address = `127.0.0.1:${started!.port as number}`;
  client = inferenceClient<InferenceClient>(address);
}, 60_000);

afterAll(async () => {
  client?.close();
  await server?.stop();
});

describe('gRPC', () => {
  it('answers health and metadata', async () => {
    expect(await call('ServerLive')).toEqual({ live: true });
    expect(await call('ServerReady')).toEqual({ ready: true });
    expect(await call('ModelReady', { name: 'simple', version: '2' })).toEqual({ ready: true });
    expect(await call('ModelReady', { name: 'mlp' })).toEqual({ ready: false });
    const meta = await call('ServerMetadata');
    expect(meta.name).toBe('braid');
    expect(meta.extensions).toContain('binary_tensor_data');
    const model = await call('ModelMetadata', { name: 'simple', version: '1' });
    expect(model).toMatchObject({ name: 'simple', versions: ['1'], platform: 'onnxruntime_onnx' });
    expect(model.inputs[0]).toEqual({ name: 'INPUT0', datatype: 'FP32', shape: ['-1', '16'] });
  });

  it('infers from raw input contents and answers raw, as Triton does', async () => {
    const a = Array.from({ length: 16 }, (_, i) => i);
    const b = Array.from({ length: 16 }, () => 1);
    const res = await call('ModelInfer', {
      model_name: 'simple',
      model_version: '1',
      id: 'g1',
      inputs: [
        { name: 'INPUT0', datatype: 'FP32', shape: [1, 16] },
        { name: 'INPUT1', datatype: 'FP32', shape: [1, 16] },
      ],
      outputs: [{ name: 'OUTPUT1' }, { name: 'OUTPUT0' }],
      raw_input_contents: [f32(a), f32(b)],
    });
    expect(res).toMatchObject({ model_name: 'simple', model_version: '1', id: 'g1' });
    expect(res.outputs.map((o: { name: string }) => o.name)).toEqual(['OUTPUT1', 'OUTPUT0']);
    expect(res.outputs[1]).toMatchObject({ datatype: 'FP32', shape: ['1', '16'] });
    const out0 = new Float32Array(new Uint8Array(res.raw_output_contents[1]).buffer);
    expect(Array.from(out0)).toEqual(a.map(v => v + 1));
  });

  it('infers from typed contents too', async () => {
    const res = await call('ModelInfer', {
      model_name: 'simple',
      inputs: [
        {
          name: 'INPUT0',
          datatype: 'FP32',
          shape: [1, 16],
          contents: { fp32_contents: Array(16).fill(3) },
        },
        {
          name: 'INPUT1',
          datatype: 'FP32',
          shape: [1, 16],
          contents: { fp32_contents: Array(16).fill(2) },
        },
      ],
    });
    expect(res.model_version).toBe('2'); // the highest ready version: OUTPUT0 = INPUT0 * INPUT1
    const byName = new Map(
      res.outputs.map((o: { name: string }, i: number) => [o.name, res.raw_output_contents[i]]),
    );
    expect(
      Array.from(new Float32Array(new Uint8Array(byName.get('OUTPUT0') as Buffer).buffer)),
    ).toEqual(Array(16).fill(6));
  });

  it('maps engine errors to gRPC statuses with the same messages', async () => {
    const unknown = await failure(call('ModelInfer', { model_name: 'nope', inputs: [] }));
    expect(unknown.code).toBe(5); // NOT_FOUND
    const short = await failure(
      call('ModelInfer', {
        model_name: 'simple',
        inputs: [
          { name: 'INPUT0', datatype: 'FP32', shape: [1, 16], contents: { fp32_contents: [1, 2] } },
        ],
      }),
    );
    expect(short.code).toBe(3); // INVALID_ARGUMENT
    expect(short.details).toBe(
      "input 'INPUT0' with shape [1,16] needs 16 value(s) in fp32_contents, got 2",
    );
    const missing = await failure(
      call('ModelInfer', {
        model_name: 'simple',
        inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [1, 16] }],
        raw_input_contents: [f32(Array(16).fill(0))],
      }),
    );
    expect(missing.details).toMatch(/missing required input\(s\) 'INPUT1'/);
    const badVersion = await failure(call('ModelReady', { name: 'simple', version: 'two' }));
    expect(badVersion.code).toBe(3);
  });

  it('reports statistics and controls the repository', async () => {
    const stats = await call('ModelStatistics', { name: 'simple', version: '1' });
    expect(stats.model_stats[0]).toMatchObject({ name: 'simple', version: '1' });
    expect(Number(stats.model_stats[0].inference_stats.success.count)).toBeGreaterThanOrEqual(1);
    const index = await call('RepositoryIndex', { ready: false });
    expect(index.models.map((m: { name: string }) => m.name)).toContain('mlp');
    await call('RepositoryModelLoad', { model_name: 'mlp' });
    expect(await call('ModelReady', { name: 'mlp' })).toEqual({ ready: true });
    await call('RepositoryModelUnload', { model_name: 'mlp' });
    expect(await call('ModelReady', { name: 'mlp' })).toEqual({ ready: false });
    const bad = await failure(
      call('RepositoryModelLoad', {
        model_name: 'mlp',
        parameters: { nonsense: { bool_param: true } },
      }),
    );
    expect(bad.details).toBe("unrecognized load parameter 'nonsense' for model 'mlp'");
  }, 30_000);

  it('refuses a load override asking for more instances than --max-instance-count', async () => {
    // issue #10 item 3
    const config = JSON.stringify({ instance_group: [{ kind: 'KIND_CPU', count: 1000 }] });
    const refused = await failure(
      call('RepositoryModelLoad', {
        model_name: 'mlp',
        parameters: { config: { string_param: config } },
      }),
    );
    expect(refused.code).toBe(3); // INVALID_ARGUMENT
    expect(refused.details).toMatch(
      /model 'mlp': instance_group\[0\]\.count is 1000, which makes 1000 instances of each version; at most 64 are allowed \(--max-instance-count\)/,
    );
  });

  it('speaks the reference wire format: ModelInfer encoded by hand, by field number', async () => {
    const w = protobuf.Writer.create();
    w.uint32((1 << 3) | 2).string('simple'); // model_name = 1
    w.uint32((2 << 3) | 2).string('1'); // model_version = 2
    for (const name of ['INPUT0', 'INPUT1']) {
      const t = protobuf.Writer.create();
      t.uint32((1 << 3) | 2).string(name); // InferInputTensor.name = 1
      t.uint32((2 << 3) | 2).string('FP32'); // datatype = 2
      t.uint32((3 << 3) | 2)
        .fork()
        .int64(1)
        .int64(16)
        .ldelim(); // shape = 3, packed
      w.uint32((5 << 3) | 2).bytes(t.finish()); // inputs = 5
    }
    w.uint32((7 << 3) | 2).bytes(f32(Array(16).fill(2))); // raw_input_contents = 7
    w.uint32((7 << 3) | 2).bytes(f32(Array(16).fill(5)));
    const body = Buffer.from(w.finish());
    const { Client: GenericClient } = await import('@grpc/grpc-js');
    const raw = new GenericClient(address, credentials.createInsecure());
    const reply = await new Promise<Buffer>((resolve, reject) =>
      raw.makeUnaryRequest(
        '/inference.GRPCInferenceService/ModelInfer',
        (b: Buffer) => b,
        (b: Buffer) => b,
        body,
        new Metadata(),
        {},
        (e, r) => (e ? reject(e) : resolve(r!)),
      ),
    );
    raw.close();
    // ModelInferResponse: model_name = 1, outputs = 5 (name = 1), raw_output_contents = 6.
    const r = protobuf.Reader.create(reply);
    const fields: { no: number; value: Uint8Array | string }[] = [];
    while (r.pos < r.len) {
      const tag = r.uint32();
      fields.push({ no: tag >>> 3, value: tag >>> 3 === 1 ? r.string() : r.bytes() });
    }
    expect(fields.find(f => f.no === 1)?.value).toBe('simple');
    const firstOutput = protobuf.Reader.create(fields.find(f => f.no === 5)!.value as Uint8Array);
    firstOutput.uint32();
    expect(firstOutput.string()).toBe('OUTPUT0');
    const out = fields.find(f => f.no === 6)!.value as Uint8Array;
    expect(Array.from(new Float32Array(new Uint8Array(out).buffer))).toEqual(Array(16).fill(7)); // 2 + 5
  });

  it('finishes a call in flight on SIGTERM, then exits 0', async () => {
    // A server of its own, with a model that answers only once the test opens its gate: the call
    // is in flight when the signal arrives, however slow this machine is.
    const repo = await tempRepository({
      gated: path.join(ROOT, 'test', 'fixtures', 'js-models', 'gated'),
    });
    const gated = await startServe(['--model-repository', repo.dir]);
    const port = gated.logs.find(l => l.msg === 'Started GRPCInferenceService')!.port as number;
    const own = inferenceClient<InferenceClient>(`127.0.0.1:${port}`);
    try {
      const gate = path.join(repo.dir, 'release');
      const inputs = [
        {
          name: 'GATE',
          datatype: 'BYTES',
          shape: [1],
          contents: { bytes_contents: [Buffer.from(gate)] },
        },
        { name: 'x', datatype: 'INT32', shape: [1], contents: { int_contents: [7] } },
      ];
      const inFlight = new Promise<any>((resolve, reject) =>
        own['ModelInfer']!.call(own, { model_name: 'gated', inputs }, (err, res) =>
          err ? reject(err) : resolve(res),
        ),
      );
      await until(() => existsSync(`${gate}.started`), 'the call to reach the model');
      const exited = gated.stop();
      await until(() => gated.logs.some(l => l.msg === 'shutting down'), 'the drain to begin');
      await writeFile(gate, '');
      const res = await inFlight;
      const out = res.raw_output_contents[0] as Buffer;
      expect(out.readInt32LE(0)).toBe(7); // answered raw, as Triton does
      expect(await exited).toBe(0);
    } finally {
      own.close();
      if (gated.child.exitCode === null) await gated.stop('SIGKILL');
      await repo.dispose();
    }
  }, 60_000);
});

/** Resolves once `check` holds, looking again after each short wait: waits for an event. */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 3_000; i++) {
    if (check()) return;
    await new Promise(r => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}
