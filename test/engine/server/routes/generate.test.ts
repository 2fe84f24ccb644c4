// issue #15 section 1: Triton's generate extension (docs/protocol/extension_generate.md,
// src/http_server.cc GenerateRequestClass): JSON keys map to inputs or parameters, outputs to keys.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJsBackend } from '../../../../backends/js/index.js';
import { createOnnxRuntimeBackend } from '../../../../backends/onnxruntime/index.js';
import { createEngine, type Engine } from '../../../../engine/runtime/engine.js';
import { createApp } from '../../../../engine/server/app.js';
import {
  generateResponseJson,
  readGenerateRequest,
} from '../../../../engine/server/codec/generate-json.js';
import type { BraidApp } from '../../../../engine/server/routing.js';
import { EXAMPLES, tempRepository } from '../../../support/repo.js';

const STREAMER = fileURLToPath(new URL('../../../fixtures/js-models/streamer', import.meta.url));

let repo: Awaited<ReturnType<typeof tempRepository>>;
let engine: Engine;
let app: BraidApp;

beforeAll(async () => {
  repo = await tempRepository({
    streamer: STREAMER,
    word_streamer: path.join(EXAMPLES, 'word_streamer'),
    simple: path.join(EXAMPLES, 'simple'),
  });
  engine = await createEngine({
    modelRepository: repo.dir,
    backends: [createJsBackend(), createOnnxRuntimeBackend()],
  });
  app = createApp(engine);
}, 60_000);

afterAll(async () => {
  await engine?.shutdown();
  await repo?.dispose();
});

const post = (url: string, body: unknown) =>
  app.request(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });

/** The `data:` payloads of a server-sent event stream. */
function events(text: string): unknown[] {
  return text
    .split('\n\n')
    .filter(Boolean)
    .map(chunk => {
      expect(chunk.startsWith('data: ')).toBe(true);
      return JSON.parse(chunk.slice('data: '.length)) as unknown;
    });
}

describe('the generate request mapping', () => {
  const specs = [
    { name: 'text_input', datatype: 'BYTES', shape: [1] },
    { name: 'ids', datatype: 'INT64', shape: [-1, 2] },
    { name: 'flag', datatype: 'BOOL', shape: [-1] },
  ] as const;

  it('makes inputs of keys that name them and parameters of the rest, nested ones included', () => {
    const req = readGenerateRequest(
      {
        id: 'r',
        text_input: 'hi',
        ids: [1, 2, 3, 4],
        temperature: 0.5,
        parameters: { stream: false, flag: true },
      },
      specs,
    );
    expect(req.id).toBe('r');
    expect(req.parameters).toEqual({ temperature: 0.5, stream: false });
    expect(new TextDecoder().decode((req.inputs.get('text_input')!.data as Uint8Array[])[0])).toBe(
      'hi',
    );
    expect(req.inputs.get('ids')).toMatchObject({ datatype: 'INT64', shape: [2, 2] });
    expect(req.inputs.get('flag')).toMatchObject({ datatype: 'BOOL', shape: [1] });
  });

  it('refuses values that do not fit the input, naming it', () => {
    expect(() => readGenerateRequest({ ids: [1, 2, 3] }, specs)).toThrow(
      "The schema can not convert input 'ids' to tensor with proper shape",
    );
    expect(() => readGenerateRequest({ text_input: 3 }, specs)).toThrow(
      /input 'text_input' of the generate request: element 0 must be a string/,
    );
    expect(() => readGenerateRequest({ top_k: [1] }, specs)).toThrow(
      /parameter 'top_k' has invalid type/,
    );
    expect(() => readGenerateRequest([1], specs)).toThrow(/must be a JSON object/);
  });

  it('answers with model, version, id, parameters and outputs as keys: one element as itself', () => {
    const text = generateResponseJson({
      id: 'r',
      modelName: 'm',
      modelVersion: '1',
      parameters: { done: true },
      outputs: new Map([
        ['text_output', { datatype: 'BYTES', shape: [1], data: [new TextEncoder().encode('hey')] }],
        ['logits', { datatype: 'FP32', shape: [2], data: Float32Array.of(0.5, 1) }],
      ]),
    });
    expect(JSON.parse(text)).toEqual({
      model_name: 'm',
      model_version: '1',
      id: 'r',
      done: true,
      text_output: 'hey',
      logits: [0.5, 1],
    });
  });
});

describe('POST /generate', () => {
  it('runs a model that is not decoupled, shaping inputs from its metadata', async () => {
    const res = await post('/v2/models/simple/versions/1/generate', {
      INPUT0: Array(16).fill(2),
      INPUT1: Array(16).fill(1),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({ model_name: 'simple', model_version: '1' });
    expect(body['OUTPUT0']).toEqual(Array(16).fill(3));
  });

  it('answers a decoupled model that sends exactly one response', async () => {
    const res = await post('/v2/models/word_streamer/generate', { text_input: 'hello' });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      model_name: 'word_streamer',
      model_version: '1',
      text_output: 'hello',
      index: 0,
    });
  });

  it('refuses a model that sends more than one response, as Triton does', async () => {
    const res = await post('/v2/models/word_streamer/generate', { text_input: 'hello world' });
    expect(res.status).toBe(500);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /^generate expects model to produce exactly 1 response/,
    );
  });
});

describe('POST /generate_stream', () => {
  it('sends each response of a decoupled model as one server-sent event', async () => {
    const res = await post('/v2/models/word_streamer/generate_stream', {
      text_input: 'hello big world',
      id: 'g1',
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(events(await res.text())).toEqual([
      { model_name: 'word_streamer', model_version: '1', id: 'g1', text_output: 'hello', index: 0 },
      { model_name: 'word_streamer', model_version: '1', id: 'g1', text_output: ' big', index: 1 },
      {
        model_name: 'word_streamer',
        model_version: '1',
        id: 'g1',
        text_output: ' world',
        index: 2,
      },
    ]);
  });

  it('answers a failure before the first response with a JSON error and its status', async () => {
    const res = await post('/v2/models/word_streamer/generate_stream', { delay_ms: 1 });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(((await res.json()) as { error: string }).error).toMatch(/text_input/);
  });

  it('ends the stream with an error event when the model fails after responding', async () => {
    const res = await post('/v2/models/streamer/generate_stream', { TEXT: 'ok fail' });
    expect(res.status).toBe(200);
    const got = events(await res.text());
    expect(got[0]).toMatchObject({ WORD: 'ok', INDEX: 0 });
    expect((got[1] as { error: string }).error).toMatch(/cannot say 'fail'/);
    expect(got.length).toBe(2);
  });
});

describe('POST /infer on a decoupled model', () => {
  it('is refused with 501: it answers only on streaming endpoints', async () => {
    const res = await post('/v2/models/word_streamer/infer', {
      inputs: [{ name: 'text_input', datatype: 'BYTES', shape: [1], data: ['a'] }],
    });
    expect(res.status).toBe(501);
    expect(((await res.json()) as { error: string }).error).toMatch(/decoupled transaction policy/);
  });
});
