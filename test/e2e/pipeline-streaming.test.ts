/*
 * A streaming pipeline's telemetry end to end (issue #15 section 1): `braid serve` with tracing to
 * an OTLP receiver; a traced generate_stream request to a pipeline whose last step calls a
 * decoupled model gives one trace with the pipeline's spans and one event per response, and the
 * pipeline's per-response metrics (time to first response, responses per request).
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedSpan,
} from '../engine/telemetry/otlp-receiver.js';
import { ROOT, tempRepository } from '../support/repo.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';

let repo: { dir: string; dispose(): Promise<void> };
let receiver: OtlpReceiver;
let server: ServeProcess;

beforeAll(async () => {
  repo = await tempRepository({
    streamer: path.join(ROOT, 'test', 'fixtures', 'js-models', 'streamer'),
    words: path.join(ROOT, 'test', 'fixtures', 'stream-pipelines', 'words'),
  });
  receiver = await startOtlpReceiver();
  server = await startServe([
    '--model-repository',
    repo.dir,
    '--trace-config',
    'mode=opentelemetry',
    '--trace-config',
    `opentelemetry,url=${receiver.url}`,
    '--trace-config',
    'opentelemetry,bsp_schedule_delay=50',
    '--trace-config',
    'rate=1',
    '--trace-config',
    'level=TIMESTAMPS',
  ]);
}, 60_000);
afterAll(async () => {
  await server?.stop();
  await receiver?.close();
  await repo?.dispose();
});

describe('a streaming pipeline served by braid serve', () => {
  it('exports one trace: InferRequest → pipeline (an event per response) → steps → model', async () => {
    const traceId = 'd'.repeat(32);
    const res = await fetch(`${server.url}/v2/models/words/generate_stream`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        traceparent: `00-${traceId}-${'4'.repeat(16)}-01`,
      },
      body: JSON.stringify({ TEXT: 'one two three' }),
    });
    expect(res.status).toBe(200);
    expect((await res.text()).match(/^data: /gm)).toHaveLength(3);

    const mine = (spans: readonly ReceivedSpan[]) => spans.filter(s => s.traceId === traceId);
    await receiver.waitFor(
      spans =>
        mine(spans).some(s => s.name === 'InferRequest') &&
        mine(spans).some(s => s.name === 'words') &&
        mine(spans).some(s => s.name === 'streamer'),
    );
    const spans = mine(receiver.spans);
    const byId = new Map(spans.map(s => [s.spanId, s]));
    const parentName = (s: ReceivedSpan) => byId.get(s.parentSpanId)?.name;
    const pipeline = spans.find(s => s.name === 'words')!;
    expect(parentName(pipeline)).toBe('InferRequest');
    expect(pipeline.events.filter(e => e.name === 'INFER_RESPONSE_COMPLETE')).toHaveLength(3);
    expect(pipeline.attributes['braid.response_count']).toBe(3);
    expect(pipeline.attributes['braid.first_response_us']).toBeGreaterThan(0);
    const steps = spans.filter(s => s.name.startsWith('step '));
    expect(steps.map(s => s.name).sort()).toEqual(['step shout', 'step speak']);
    expect(steps.every(s => s.parentSpanId === pipeline.spanId)).toBe(true);
    expect(parentName(spans.find(s => s.name === 'streamer')!)).toBe('step speak');
  });

  it("records the pipeline's time to first response and responses per request", async () => {
    const res = await fetch(`${server.url}/v2/models/words/generate_stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ TEXT: 'a b' }),
    });
    await res.text();
    const started = server.logs.find(l => l.msg === 'Started Metrics Service');
    const text = await (await fetch(`http://127.0.0.1:${started!.port as number}/metrics`)).text();
    const value = (name: string) =>
      Number(new RegExp(`^${name}\\{model="words",version="1"\\} (\\S+)$`, 'm').exec(text)?.[1]);
    // Both requests of this file: 3 responses, then 2.
    expect(value('braid_inference_first_response_seconds_count')).toBe(2);
    expect(value('braid_inference_responses_per_request_count')).toBe(2);
    expect(value('braid_inference_responses_per_request_sum')).toBe(5);
  });
});
