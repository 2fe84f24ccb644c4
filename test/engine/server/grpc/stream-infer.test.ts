// issue #15 section 1: gRPC ModelStreamInfer with Triton's semantics (src/grpc/stream_infer_handler.cc):
// responses of each request in order, errors per request without ending the stream,
// `triton_final_response`, and the empty final response a request opts in to.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Client, ClientDuplexStream, ServiceError } from '@grpc/grpc-js';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJsBackend } from '../../../../backends/js/index.js';
import { createOnnxRuntimeBackend } from '../../../../backends/onnxruntime/index.js';
import { createEngine, type Engine } from '../../../../engine/runtime/engine.js';
import { EXAMPLES, tempRepository } from '../../../support/repo.js';
import { failure, inferenceClient, startGrpc, type GrpcHarness } from './grpc-harness.js';

const STREAMER = fileURLToPath(new URL('../../../fixtures/js-models/streamer', import.meta.url));

interface StreamMessage {
  error_message: string;
  infer_response: {
    id: string;
    model_name: string;
    model_version: string;
    parameters: Record<string, { bool_param?: boolean }>;
    outputs: { name: string }[];
    raw_output_contents: Buffer[];
  };
}

let repo: Awaited<ReturnType<typeof tempRepository>>;
let engine: Engine;
let grpc: GrpcHarness;
let client: Client & { ModelStreamInfer: () => ClientDuplexStream<object, StreamMessage> };

beforeAll(async () => {
  repo = await tempRepository({ streamer: STREAMER, simple: path.join(EXAMPLES, 'simple') });
  engine = await createEngine({
    modelRepository: repo.dir,
    backends: [createJsBackend(), createOnnxRuntimeBackend()],
  });
  grpc = await startGrpc(engine);
  client = inferenceClient<typeof client>(`127.0.0.1:${grpc.server.port}`);
}, 60_000);

afterAll(async () => {
  client?.close();
  await grpc?.close();
  await engine?.shutdown();
  await repo?.dispose();
});

const bytes = (s: string) => {
  const b = Buffer.from(s);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(b.length);
  return Buffer.concat([len, b]);
};

function words(id: string, text: string, extra: object = {}, gate?: string): object {
  const inputs = [{ name: 'TEXT', datatype: 'BYTES', shape: ['1'] }];
  const raw = [bytes(text)];
  if (gate) {
    inputs.push({ name: 'GATE', datatype: 'BYTES', shape: ['1'] });
    raw.push(bytes(gate));
  }
  return {
    model_name: 'streamer',
    model_version: '',
    id,
    inputs,
    raw_input_contents: raw,
    ...extra,
  };
}

function simple(id: string): object {
  const f32 = Buffer.from(new Float32Array(16).fill(1).buffer);
  const input = (name: string) => ({ name, datatype: 'FP32', shape: ['1', '16'] });
  return {
    model_name: 'simple',
    model_version: '1',
    id,
    inputs: [input('INPUT0'), input('INPUT1')],
    raw_input_contents: [f32, f32],
  };
}

/** The WORD of a response, or the error, tagged with the request id. */
function show(m: StreamMessage): string {
  const r = m.infer_response;
  if (m.error_message) return `${r.id}:error`;
  const final = r.parameters['triton_final_response']?.bool_param;
  const i = r.outputs.findIndex(o => o.name === 'WORD');
  const word =
    i >= 0
      ? r.raw_output_contents[i]!.subarray(4).toString()
      : r.outputs.length
        ? r.outputs.map(o => o.name).join('+')
        : '(empty)';
  return `${r.id}:${word}${final ? ':final' : ''}`;
}

/** Writes `requests`, half-closes, and collects every message until the stream ends. */
function exchange(requests: object[]): Promise<StreamMessage[]> {
  return new Promise((resolve, reject) => {
    const call = client.ModelStreamInfer();
    const got: StreamMessage[] = [];
    call.on('data', (m: StreamMessage) => got.push(m));
    call.on('error', reject);
    call.on('end', () => resolve(got));
    for (const r of requests) call.write(r);
    call.end();
  });
}

describe('ModelStreamInfer', () => {
  it('streams a decoupled model’s responses in order, each marked not final', async () => {
    const got = await exchange([words('r1', 'one two three')]);
    expect(got.map(show)).toEqual(['r1:one', 'r1:two', 'r1:three']);
    expect(got[0]!.infer_response).toMatchObject({ model_name: 'streamer', model_version: '1' });
  });

  it('sends the empty final response a request opts in to, with its id, model and version', async () => {
    const got = await exchange([
      words('r2', 'a b', {
        parameters: { triton_enable_empty_final_response: { bool_param: true } },
      }),
    ]);
    expect(got.map(show)).toEqual(['r2:a', 'r2:b', 'r2:(empty):final']);
    expect(got[2]!.infer_response).toMatchObject({
      id: 'r2',
      model_name: 'streamer',
      model_version: '',
    });
    const none = await exchange([
      words('r3', 'none', {
        parameters: { triton_enable_empty_final_response: { bool_param: true } },
      }),
    ]);
    expect(none.map(show)).toEqual(['r3:(empty):final']);
  });

  it('keeps each request’s responses in order when several run on one stream', async () => {
    const got = (await exchange([words('x', 'x0 x1 x2'), words('y', 'y0 y1')])).map(show);
    expect(got.filter(s => s.startsWith('x:'))).toEqual(['x:x0', 'x:x1', 'x:x2']);
    expect(got.filter(s => s.startsWith('y:'))).toEqual(['y:y0', 'y:y1']);
  });

  it('answers a failed request with error_message and goes on with the next', async () => {
    const got = await exchange([
      words('bad', 'ok fail'),
      { ...simple('lost'), model_name: 'nope' },
      words('good', 'fine'),
    ]);
    expect(got.map(show)).toEqual(
      expect.arrayContaining(['bad:ok', 'bad:error', 'lost:error', 'good:fine']),
    );
    const bad = got.find(m => m.infer_response.id === 'bad' && m.error_message)!;
    expect(bad.error_message).toMatch(/cannot say 'fail'/);
    expect(bad.infer_response.parameters['triton_final_response']?.bool_param).toBe(true);
    const lost = got.find(m => m.infer_response.id === 'lost')!;
    expect(lost.error_message).toMatch(/nope/);
  });

  it('answers a model that is not decoupled once per request, final, in request order', async () => {
    const got = await exchange([simple('s1'), simple('s2'), simple('s3')]);
    expect(got.map(show)).toEqual([
      's1:OUTPUT0+OUTPUT1:final',
      's2:OUTPUT0+OUTPUT1:final',
      's3:OUTPUT0+OUTPUT1:final',
    ]);
  });

  it('stops the model’s generator when the client cancels the stream', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'braid-grpc-stream-'));
    try {
      const gate = path.join(dir, 'gate');
      const call = client.ModelStreamInfer();
      call.on('error', () => undefined);
      const first = new Promise<StreamMessage>(resolve => call.once('data', resolve));
      call.write(words('c', 'c0 c1 c2', {}, gate));
      expect(show(await first)).toBe('c:c0');
      call.cancel();
      while (!existsSync(`${gate}.returned`)) await new Promise(resolve => setTimeout(resolve, 10));
      expect(existsSync(`${gate}.returned`)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('refuses a decoupled model over ModelInfer, which sends exactly one response', async () => {
    const err: ServiceError = await failure(grpc.call('ModelInfer', words('u', 'a')));
    expect(err.code).toBe(12);
    expect(err.details).toMatch(/decoupled transaction policy/);
  });

  it('counts a decoupled request once in the statistics, and each response by its index', async () => {
    const before = engine.statistics('streamer')[0]!;
    await exchange([words('st', 'p q')]);
    const after = engine.statistics('streamer')[0]!;
    expect(after.inference_stats.success.count - before.inference_stats.success.count).toBe(1);
    expect(after.response_stats['1']!.success.count).toBeGreaterThan(
      before.response_stats['1']?.success.count ?? 0,
    );
  });
});
