/*
 * Streaming end to end (issue #15 section 1): `braid serve` in a child process with the example
 * decoupled model `word_streamer`; a grpc-js client on ModelStreamInfer and server-sent events
 * read with fetch, both over real sockets.
 */
import type { Client, ClientDuplexStream } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES } from '../support/repo.js';
import { startServe } from '../support/serve-process.js';
import type { ServeProcess } from '../support/serve-process.js';
import { inferenceClient } from '../engine/server/grpc/grpc-harness.js';

interface StreamMessage {
  error_message: string;
  infer_response: {
    id: string;
    parameters: Record<string, { bool_param?: boolean }>;
    outputs: { name: string }[];
    raw_output_contents: Buffer[];
  };
}

let server: ServeProcess;
let client: Client & { ModelStreamInfer: () => ClientDuplexStream<object, StreamMessage> };

beforeAll(async () => {
  server = await startServe(
    [
      '--model-repository',
      EXAMPLES,
      '--model-control-mode',
      'explicit',
      '--load-model',
      'word_streamer',
    ],
    60_000,
  );
  const started = server.logs.find(l => l.msg === 'Started GRPCInferenceService');
  client = inferenceClient<typeof client>(`127.0.0.1:${started!.port as number}`);
}, 90_000);

afterAll(async () => {
  client?.close();
  await server?.stop();
});

const lengthPrefixed = (s: string) => {
  const b = Buffer.from(s);
  const len = Buffer.alloc(4);
  len.writeUInt32LE(b.length);
  return Buffer.concat([len, b]);
};

function request(id: string, text: string, emptyFinal = false): object {
  return {
    model_name: 'word_streamer',
    id,
    inputs: [{ name: 'text_input', datatype: 'BYTES', shape: ['1'] }],
    raw_input_contents: [lengthPrefixed(text)],
    ...(emptyFinal
      ? { parameters: { triton_enable_empty_final_response: { bool_param: true } } }
      : {}),
  };
}

function token(m: StreamMessage): string {
  const r = m.infer_response;
  const i = r.outputs.findIndex(o => o.name === 'text_output');
  const final = r.parameters['triton_final_response']?.bool_param ? '|final' : '';
  return `${r.id}:${i >= 0 ? r.raw_output_contents[i]!.subarray(4).toString() : ''}${final}`;
}

/** Reads server-sent events off `res` as they arrive; `onEvent` returns false to stop reading. */
async function readEvents(res: Response, onEvent: (data: unknown) => boolean): Promise<void> {
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffered = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += decoder.decode(value, { stream: true });
    let cut: number;
    while ((cut = buffered.indexOf('\n\n')) >= 0) {
      const chunk = buffered.slice(0, cut);
      buffered = buffered.slice(cut + 2);
      if (!onEvent(JSON.parse(chunk.replace(/^data: /, '')))) return;
    }
  }
}

describe('gRPC ModelStreamInfer with grpc-js', () => {
  it('streams each word as a response, then the empty final response, on one stream for two requests', async () => {
    const got = await new Promise<StreamMessage[]>((resolve, reject) => {
      const call = client.ModelStreamInfer();
      const messages: StreamMessage[] = [];
      call.on('data', (m: StreamMessage) => messages.push(m));
      call.on('error', reject);
      call.on('end', () => resolve(messages));
      call.write(request('a', 'the quick fox', true));
      call.write(request('b', 'hello world'));
      call.end();
    });
    const tokens = got.map(token);
    expect(tokens.filter(t => t.startsWith('a:'))).toEqual([
      'a:the',
      'a: quick',
      'a: fox',
      'a:|final',
    ]);
    expect(tokens.filter(t => t.startsWith('b:'))).toEqual(['b:hello', 'b: world']);
    expect(got.every(m => m.error_message === '')).toBe(true);
  });
});

describe('HTTP generate_stream over a socket', () => {
  it('delivers server-sent events as the model sends them', async () => {
    const res = await fetch(`${server.url}/v2/models/word_streamer/generate_stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text_input: 'one two three', delay_ms: 5 }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    const words: string[] = [];
    await readEvents(res, data => {
      words.push((data as { text_output: string }).text_output);
      return true;
    });
    expect(words).toEqual(['one', ' two', ' three']);
  });

  it('stops the model when the client goes away mid-stream', async () => {
    const stats = async () => {
      const r = await fetch(`${server.url}/v2/models/word_streamer/stats`);
      return (
        (await r.json()) as {
          model_stats: { response_stats: Record<string, { cancel: { count: number } }> }[];
        }
      ).model_stats[0]!;
    };
    const client = new AbortController();
    const res = await fetch(`${server.url}/v2/models/word_streamer/generate_stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text_input: 'first never-sent', delay_ms: 600_000 }),
      signal: client.signal,
    });
    const seen: unknown[] = [];
    await readEvents(res, data => (seen.push(data), false)).catch(() => undefined);
    client.abort();
    expect(seen).toEqual([
      { model_name: 'word_streamer', model_version: '1', text_output: 'first', index: 0 },
    ]);
    // The model waits 10 minutes before its next word unless the cancellation reaches it.
    while (((await stats()).response_stats['1']?.cancel.count ?? 0) < 1)
      await new Promise(resolve => setTimeout(resolve, 20));
    expect((await stats()).response_stats['1']!.cancel.count).toBe(1);
  });
});
