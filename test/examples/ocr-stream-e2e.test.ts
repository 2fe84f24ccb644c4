/*
 * The streaming OCR example end to end (issue #15 section 1): `braid serve` on
 * examples/model_repository, `ocr_stream` read over HTTP generate_stream (server-sent events,
 * read with fetch as they arrive) and gRPC ModelStreamInfer (grpc-js), both over real sockets,
 * each line checked against what the non-streaming `ocr` pipeline answers for the same image.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client, ClientDuplexStream } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES } from '../support/repo.js';
import { startServe } from '../support/serve-process.js';
import type { ServeProcess } from '../support/serve-process.js';
import { EXAMPLE_IMAGES, OCR_MODELS } from './ocr-harness.js';
import { inferenceClient } from '../engine/server/grpc/grpc-harness.js';

interface StreamMessage {
  error_message: string;
  infer_response: {
    id: string;
    model_name: string;
    parameters: Record<string, { bool_param?: boolean }>;
    outputs: { name: string; shape: string[] }[];
    raw_output_contents: Buffer[];
  };
}

/** One line as the pipelines answer it. */
interface Line {
  text: string;
  box: number[];
  score: number;
}

let server: ServeProcess;
let client: Client & { ModelStreamInfer: () => ClientDuplexStream<object, StreamMessage> };
let receipt: Buffer;
/** What the non-streaming `ocr` pipeline reads in receipt.png. */
let expected: Line[];

beforeAll(async () => {
  const models = [...OCR_MODELS, 'ocr_ctc_stream', 'ocr', 'ocr_stream'];
  server = await startServe(
    [
      '--model-repository',
      EXAMPLES,
      '--model-control-mode',
      'explicit',
      ...models.flatMap(m => ['--load-model', m]),
    ],
    90_000,
  );
  const started = server.logs.find(l => l.msg === 'Started GRPCInferenceService');
  client = inferenceClient<typeof client>(`127.0.0.1:${started!.port as number}`);
  receipt = await readFile(path.join(EXAMPLE_IMAGES, 'receipt.png'));
  expected = await ocrLines(receipt);
}, 120_000);

afterAll(async () => {
  client?.close();
  await server?.stop();
});

/** The lines of the non-streaming pipeline: the image with the binary extension, outputs as JSON. */
async function ocrLines(image: Buffer): Promise<Line[]> {
  const element = Buffer.alloc(4 + image.length);
  element.writeUInt32LE(image.length, 0);
  image.copy(element, 4);
  const header = Buffer.from(
    JSON.stringify({
      inputs: [
        {
          name: 'IMAGE',
          datatype: 'BYTES',
          shape: [1],
          parameters: { binary_data_size: element.length },
        },
      ],
    }),
  );
  const res = await fetch(`${server.url}/v2/models/ocr/infer`, {
    method: 'POST',
    headers: { 'Inference-Header-Content-Length': String(header.length) },
    body: Buffer.concat([header, element]),
  });
  const body = (await res.json()) as { outputs: { name: string; data: unknown[] }[] };
  const out = (name: string) => body.outputs.find(o => o.name === name)!.data;
  const boxes = out('BOXES') as number[];
  return (out('TEXT') as string[]).map((text, i) => ({
    text,
    box: boxes.slice(i * 8, i * 8 + 8),
    score: (out('SCORES') as number[])[i]!,
  }));
}

/** Reads server-sent events off `res` as they arrive, each event's JSON in order. */
async function readEvents(res: Response): Promise<unknown[]> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  const events: unknown[] = [];
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return events;
    buffered += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffered.indexOf('\n\n')) >= 0) {
      events.push(JSON.parse(buffered.slice(0, cut).replace(/^data: /, '')));
      buffered = buffered.slice(cut + 2);
    }
  }
}

describe('the ocr_stream example', () => {
  it('is decoupled, and infer refuses it as it refuses every decoupled model', async () => {
    const config = (await (await fetch(`${server.url}/v2/models/ocr_stream/config`)).json()) as {
      model_transaction_policy: { decoupled: boolean };
    };
    expect(config.model_transaction_policy).toEqual({ decoupled: true });
    const res = await fetch(`${server.url}/v2/models/ocr_stream/infer`, {
      method: 'POST',
      headers: { 'Inference-Header-Content-Length': '0' },
      body: receipt,
    });
    // UNSUPPORTED, as for the decoupled models themselves.
    expect(res.status).toBe(501);
    expect(((await res.json()) as { error: string }).error).toMatch(/generate_stream/);
  });

  it('streams one server-sent event per line of receipt.png, in order, as ocr reads them', async () => {
    expect(expected.length).toBe(4);
    const res = await fetch(`${server.url}/v2/models/ocr_stream/generate_stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ IMAGE: `data:image/png;base64,${receipt.toString('base64')}` }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const events = (await readEvents(res)) as {
      model_name: string;
      TEXT: string;
      BOXES: number[];
      SCORES: number;
    }[];
    expect(events.map(e => e.TEXT)).toEqual(expected.map(l => l.text));
    expect(events.map(e => e.BOXES)).toEqual(expected.map(l => l.box));
    expect(events.map(e => e.SCORES)).toEqual(expected.map(l => l.score));
    expect(events.every(e => e.model_name === 'ocr_stream')).toBe(true);
  });

  it('streams the same lines over gRPC ModelStreamInfer, then the empty final response', async () => {
    const len = Buffer.alloc(4);
    len.writeUInt32LE(receipt.length);
    const got = await new Promise<StreamMessage[]>((resolve, reject) => {
      const call = client.ModelStreamInfer();
      const messages: StreamMessage[] = [];
      call.on('data', (m: StreamMessage) => messages.push(m));
      call.on('error', reject);
      call.on('end', () => resolve(messages));
      call.write({
        model_name: 'ocr_stream',
        id: 'receipt',
        inputs: [{ name: 'IMAGE', datatype: 'BYTES', shape: ['1'] }],
        raw_input_contents: [Buffer.concat([len, receipt])],
        parameters: { triton_enable_empty_final_response: { bool_param: true } },
      });
      call.end();
    });
    expect(got.every(m => m.error_message === '')).toBe(true);
    const lines = got.slice(0, -1).map(m => {
      const r = m.infer_response;
      const at = r.outputs.findIndex(o => o.name === 'TEXT');
      expect(r.outputs[at]!.shape).toEqual(['1']);
      return r.raw_output_contents[at]!.subarray(4).toString();
    });
    expect(lines).toEqual(expected.map(l => l.text));
    const final = got.at(-1)!.infer_response;
    expect(final).toMatchObject({ id: 'receipt', model_name: 'ocr_stream', outputs: [] });
    expect(final.parameters['triton_final_response']?.bool_param).toBe(true);
  });
});
