// issue #15 section 1: a pipeline whose last step calls a decoupled model streams its responses
// over gRPC ModelStreamInfer and HTTP generate_stream, on real sockets: each response of the
// step is one response of the pipeline; a client that cancels stops the step's generator; a
// failure mid-stream reaches the client as it does for a decoupled model.
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Client, ClientDuplexStream } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { standardBackends } from '../../../engine/cli/backends.js';
import { noopLogger } from '../../../engine/core/logger.js';
import { createEngine, type Engine } from '../../../engine/runtime/engine.js';
import { createApp } from '../../../engine/server/app.js';
import { listen, type HttpServerHandle } from '../../../engine/server/listen.js';
import { tempRepository } from '../../support/repo.js';
import { inferenceClient, startGrpc, type GrpcHarness } from './grpc/grpc-harness.js';

const fixture = (p: string) => fileURLToPath(new URL(`../../fixtures/${p}`, import.meta.url));

interface StreamMessage {
  error_message: string;
  infer_response: {
    id: string;
    model_name: string;
    parameters: Record<string, { bool_param?: boolean }>;
    outputs: { name: string }[];
    raw_output_contents: Buffer[];
  };
}

let repo: Awaited<ReturnType<typeof tempRepository>>;
let engine: Engine;
let grpc: GrpcHarness;
let http: HttpServerHandle;
let url: string;
let client: Client & { ModelStreamInfer: () => ClientDuplexStream<object, StreamMessage> };
let gates: string;

beforeAll(async () => {
  repo = await tempRepository({
    streamer: fixture('js-models/streamer'),
    words: fixture('stream-pipelines/words'),
    not_last: fixture('stream-pipelines/not_last'),
  });
  gates = await mkdtemp(path.join(tmpdir(), 'braid-pipeline-stream-'));
  engine = await createEngine({
    modelRepository: repo.dir,
    backends: catalog => standardBackends(catalog, { logger: noopLogger }),
    controlMode: 'explicit',
    loadModels: ['streamer', 'words'],
  });
  http = await listen(createApp(engine), { port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${http.port}`;
  grpc = await startGrpc(engine);
  client = inferenceClient<typeof client>(`127.0.0.1:${grpc.server.port}`);
}, 60_000);

afterAll(async () => {
  client?.close();
  await grpc?.close();
  await http?.close(0);
  await engine?.shutdown();
  await repo?.dispose();
  await rm(gates, { recursive: true, force: true });
});

const bytes = (s: string) => {
  const b = Buffer.from(s);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(b.length);
  return Buffer.concat([len, b]);
};

function words(id: string, text: string, gate?: string): object {
  const inputs = [{ name: 'TEXT', datatype: 'BYTES', shape: ['1'] }];
  const raw = [bytes(text)];
  if (gate) {
    inputs.push({ name: 'GATE', datatype: 'BYTES', shape: ['1'] });
    raw.push(bytes(gate));
  }
  return {
    model_name: 'words',
    id,
    inputs,
    raw_input_contents: raw,
    parameters: { triton_enable_empty_final_response: { bool_param: true } },
  };
}

/** The WORD of a message, `error` or `(final)`, after the request id. */
function show(m: StreamMessage): string {
  const r = m.infer_response;
  if (m.error_message) return `${r.id}:error`;
  const i = r.outputs.findIndex(o => o.name === 'WORD');
  if (i < 0) return `${r.id}:(final)`;
  return `${r.id}:${r.raw_output_contents[i]!.subarray(4).toString()}`;
}

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

/** Waits for the file the streamer fixture writes when its generator is returned. */
async function returned(gate: string): Promise<boolean> {
  while (!existsSync(`${gate}.returned`)) await new Promise(resolve => setTimeout(resolve, 10));
  return true;
}

const generateStream = (body: object, signal?: AbortSignal) =>
  fetch(`${url}/v2/models/words/generate_stream`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
    ...(signal ? { signal } : {}),
  });

/** The `data:` payloads of a whole server-sent event stream. */
async function events(res: Response): Promise<unknown[]> {
  const text = await res.text();
  return text
    .split('\n\n')
    .filter(Boolean)
    .map(chunk => JSON.parse(chunk.replace(/^data: /, '')) as unknown);
}

describe('a pipeline that streams, over gRPC ModelStreamInfer', () => {
  it('is decoupled by its last step, and sends each of its responses, then the final flag', async () => {
    expect(engine.modelConfig('words').model_transaction_policy.decoupled).toBe(true);
    const got = await exchange([words('w', 'one two three')]);
    expect(got.map(show)).toEqual(['w:ONE', 'w:TWO', 'w:THREE', 'w:(final)']);
    expect(got.every(m => m.infer_response.model_name === 'words')).toBe(true);
    const final = got.at(-1)!.infer_response.parameters['triton_final_response'];
    expect(final?.bool_param).toBe(true);
  });

  it('answers a failure mid-stream with an error on that request, naming the step', async () => {
    const got = await exchange([words('bad', 'ok fail'), words('next', 'fine')]);
    expect(got.map(show)).toEqual(expect.arrayContaining(['bad:OK', 'bad:error', 'next:FINE']));
    const bad = got.find(m => m.error_message)!;
    expect(bad.error_message).toMatch(/pipeline 'words'.*step 'speak'.*cannot say 'fail'/);
  });

  it("stops the decoupled step's generator when the client cancels the stream", async () => {
    const gate = path.join(gates, 'grpc');
    const call = client.ModelStreamInfer();
    call.on('error', () => undefined);
    const first = new Promise<StreamMessage>(resolve => call.once('data', resolve));
    call.write(words('c', 'c0 c1', gate));
    expect(show(await first)).toBe('c:C0');
    call.cancel();
    expect(await returned(gate)).toBe(true);
  });
});

describe('a pipeline that cannot stream', () => {
  it('fails to load with 400, naming the decoupled step and the step that reads it', async () => {
    const res = await fetch(`${url}/v2/repository/models/not_last/load`, { method: 'POST' });
    expect(res.status).toBe(400);
    const { error } = (await res.json()) as { error: string };
    expect(error).toMatch(
      /step 'speak': model 'streamer' version 1 is decoupled, so this step must be the pipeline's last: .*found step 'again' reading them/,
    );
  });
});

describe('a pipeline that streams, over HTTP generate_stream', () => {
  it('sends each response as a server-sent event', async () => {
    const res = await generateStream({ TEXT: 'a b' });
    expect(res.status).toBe(200);
    expect(await events(res)).toEqual([
      { model_name: 'words', model_version: '1', WORD: 'A', INDEX: 0 },
      { model_name: 'words', model_version: '1', WORD: 'B', INDEX: 1 },
    ]);
  });

  it('ends with an error event when the step fails after responding', async () => {
    const got = await events(await generateStream({ TEXT: 'ok fail' }));
    expect(got[0]).toMatchObject({ WORD: 'OK' });
    expect(got[1]).toEqual({ error: expect.stringMatching(/step 'speak'.*cannot say 'fail'/) });
    expect(got).toHaveLength(2);
  });

  it("stops the decoupled step's generator when the client disconnects", async () => {
    const gate = path.join(gates, 'sse');
    const abort = new AbortController();
    const res = await generateStream({ TEXT: 'x0 x1', GATE: gate }, abort.signal);
    const reader = res.body!.getReader();
    const first = new TextDecoder().decode((await reader.read()).value);
    expect(first).toMatch(/"WORD":"X0"/);
    abort.abort();
    expect(await returned(gate)).toBe(true);
  });

  it('counts each request once and each response by its index, as Triton counts decoupled ones', async () => {
    const before = engine.statistics('words')[0]!;
    await events(await generateStream({ TEXT: 'p q r' }));
    const after = engine.statistics('words')[0]!;
    const count = (s: typeof after, i: string, k: 'success' | 'empty_response') =>
      s.response_stats[i]?.[k].count ?? 0;
    expect(after.inference_stats.success.count - before.inference_stats.success.count).toBe(1);
    expect(after.execution_count - before.execution_count).toBe(1);
    for (const i of ['0', '1', '2'])
      expect(count(after, i, 'success') - count(before, i, 'success')).toBe(1);
    expect(count(after, '3', 'empty_response') - count(before, '3', 'empty_response')).toBe(1);
  });
});
