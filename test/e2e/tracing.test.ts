import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES, tempRepository } from '../support/repo.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';
import {
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedSpan,
} from '../engine/telemetry/otlp-receiver.js';

// `simple` batching exactly two requests: the second one closes the batch, a lone one waits 300 ms.
const BATCH_OF_TWO = `
name: simple
backend: onnxruntime
max_batch_size: 8
version_policy: { specific: { versions: [1] } }
input:
  - { name: INPUT0, data_type: TYPE_FP32, dims: [16] }
  - { name: INPUT1, data_type: TYPE_FP32, dims: [16] }
output:
  - { name: OUTPUT0, data_type: TYPE_FP32, dims: [16] }
  - { name: OUTPUT1, data_type: TYPE_FP32, dims: [16] }
instance_group: [{ count: 1, kind: KIND_CPU }]
dynamic_batching: { preferred_batch_size: [2], max_queue_delay_microseconds: 300000 }
parameters: { execution_thread: { string_value: main } }
`;

const request = (id: string, batch = 1) => ({
  id,
  inputs: ['INPUT0', 'INPUT1'].map(name => ({
    name,
    datatype: 'FP32',
    shape: [batch, 16],
    data: Array.from({ length: 16 * batch }, (_, i) => i % 16),
  })),
});

let repo: { dir: string; dispose(): Promise<void> };
let receiver: OtlpReceiver;

beforeAll(async () => {
  repo = await tempRepository({ simple: path.join(EXAMPLES, 'simple') });
  await writeFile(path.join(repo.dir, 'simple', 'config.yaml'), BATCH_OF_TWO);
  receiver = await startOtlpReceiver();
});
afterAll(async () => {
  await receiver?.close();
  await repo?.dispose();
});

/** Starts braid serve exporting traces to the receiver, with `env` set for the child only. */
async function serveTraced(
  traceConfig: string[],
  env: Record<string, string> = {},
): Promise<ServeProcess> {
  const saved = Object.fromEntries(Object.keys(env).map(k => [k, process.env[k]]));
  Object.assign(process.env, env);
  try {
    return await startServe([
      '--model-repository',
      repo.dir,
      '--metrics-port',
      '0',
      '--trace-config',
      'mode=opentelemetry',
      '--trace-config',
      `opentelemetry,url=${receiver.url}`,
      '--trace-config',
      'opentelemetry,bsp_schedule_delay=50',
      ...traceConfig.flatMap(c => ['--trace-config', c]),
    ]);
  } finally {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

function infer(
  server: ServeProcess,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${server.url}/v2/models/simple/infer`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

const inTrace = (traceId: string) => (s: ReceivedSpan) => s.traceId === traceId;
const eventNames = (s: ReceivedSpan | undefined) => s?.events.map(e => e.name);

describe('traces exported over OTLP/HTTP', () => {
  it('exports InferRequest → model → compute over protobuf, one compute span per batch linked from both requests', async () => {
    const server = await serveTraced(['level=TIMESTAMPS', 'rate=1000']);
    try {
      // rate=1000 samples none of two requests by itself: each is traced because its client sent
      // a sampled W3C context.
      const clients = [
        { traceId: 'a'.repeat(32), parent: '1'.repeat(16), id: 'req-a' },
        { traceId: 'b'.repeat(32), parent: '2'.repeat(16), id: 'req-b' },
      ];
      const responses = await Promise.all(
        clients.map(c =>
          infer(server, request(c.id), {
            traceparent: `00-${c.traceId}-${c.parent}-01`,
            tracestate: 'vendor=x',
          }),
        ),
      );
      expect(responses.map(r => r.status)).toEqual([200, 200]);
      await receiver.waitFor(
        spans =>
          spans.filter(s => s.name === 'InferRequest' && clients.some(c => c.traceId === s.traceId))
            .length === 2 &&
          spans.filter(
            s => s.name === 'compute_output' && clients.some(c => c.traceId === s.traceId),
          ).length === 1,
      );

      const models: ReceivedSpan[] = [];
      for (const c of clients) {
        const spans = receiver.spans.filter(inTrace(c.traceId));
        expect(spans.every(s => s.encoding === 'protobuf')).toBe(true);
        const root = spans.find(s => s.name === 'InferRequest')!;
        expect(root.parentSpanId).toBe(c.parent);
        expect(root.kind).toBe(2); // SERVER
        expect(root.attributes).toMatchObject({
          'http.route': '/v2/models/:model/infer',
          'http.response.status_code': 200,
          'braid.request_id': c.id,
        });
        expect(eventNames(root)).toEqual([
          'HTTP_RECV_START',
          'HTTP_RECV_END',
          'INFER_RESPONSE_COMPLETE',
          'HTTP_SEND_START',
        ]);
        expect(root.resource['service.name']).toBe('braid');
        const model = spans.find(s => s.name === 'simple')!;
        expect(model.parentSpanId).toBe(root.spanId);
        expect(model.attributes).toMatchObject({
          'triton.model_name': 'simple',
          'triton.model_version': 1,
          'triton.request_id': c.id,
          'braid.batch_size': 1,
        });
        expect(model.attributes['braid.queue_time_us']).toBeGreaterThanOrEqual(0);
        expect(eventNames(model)).toEqual(['REQUEST_START', 'QUEUE_START', 'REQUEST_END']);
        models.push(model);
      }

      // One compute span for the batch, under the first request's model span...
      const computes = receiver.spans.filter(
        s => s.name === 'compute' && clients.some(c => c.traceId === s.traceId),
      );
      expect(computes).toHaveLength(1);
      const compute = computes[0]!;
      const owner = models.find(m => m.spanId === compute.parentSpanId)!;
      const other = models.find(m => m !== owner)!;
      expect(owner).toBeDefined();
      expect(compute.attributes).toMatchObject({ 'braid.batch_size': 2, 'braid.request_count': 2 });
      expect(eventNames(compute)).toEqual([
        'COMPUTE_START',
        'COMPUTE_INPUT_END',
        'COMPUTE_OUTPUT_START',
        'COMPUTE_END',
      ]);
      // ...linked to the other request's model span, which links back.
      expect(compute.links).toEqual([{ traceId: other.traceId, spanId: other.spanId }]);
      expect(other.links).toEqual([{ traceId: compute.traceId, spanId: compute.spanId }]);
      const phases = receiver.spans.filter(s => s.parentSpanId === compute.spanId);
      expect(phases.map(s => s.name).sort()).toEqual([
        'compute_infer',
        'compute_input',
        'compute_output',
      ]);
      for (const p of phases) {
        expect(p.startNs >= compute.startNs && p.endNs <= compute.endNs).toBe(true);
      }
      expect(compute.startNs >= owner.startNs && compute.endNs <= owner.endNs).toBe(true);
    } finally {
      await server.stop();
    }
  });

  it('exports over JSON with OTEL_* settings, samples by rate, and obeys the trace settings API at run time', async () => {
    const server = await serveTraced(['level=TIMESTAMPS', 'rate=1'], {
      OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'braid-json',
      OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment=test',
    });
    try {
      const settings = await (await fetch(`${server.url}/v2/trace/setting`)).json();
      expect(settings).toMatchObject({
        trace_level: ['TIMESTAMPS'],
        trace_rate: '1',
        trace_count: '-1',
        trace_mode: 'opentelemetry',
        url: receiver.url,
      });

      // A failing request (wrong shape) is traced with its error on every span it reached.
      const bad = request('bad');
      bad.inputs[0]!.shape = [1, 15];
      expect((await infer(server, bad)).status).toBe(400);
      // Tracing off for the model, then a request: no trace. On again: traced.
      const off = await fetch(`${server.url}/v2/models/simple/trace/setting`, {
        method: 'POST',
        body: JSON.stringify({ trace_level: ['OFF'] }),
      });
      expect(await off.json()).toMatchObject({ trace_level: ['OFF'], trace_rate: '1' });
      await Promise.all([infer(server, request('untraced')), infer(server, request('untraced-2'))]);
      await fetch(`${server.url}/v2/models/simple/trace/setting`, {
        method: 'POST',
        body: JSON.stringify({ trace_level: null }),
      });
      await Promise.all([infer(server, request('traced', 2)), infer(server, request('traced-2'))]);

      await receiver.waitFor(spans =>
        spans.some(s => s.attributes['braid.request_id'] === 'traced'),
      );
      const mine = receiver.spans.filter(s => s.resource['service.name'] === 'braid-json');
      expect(mine.every(s => s.encoding === 'json')).toBe(true);
      expect(mine[0]!.resource['deployment.environment']).toBe('test');
      const ids = mine
        .filter(s => s.name === 'InferRequest')
        .map(s => s.attributes['braid.request_id']);
      expect(ids).not.toContain('untraced');
      expect(ids).not.toContain('untraced-2');
      const failed = mine.find(
        s => s.name === 'InferRequest' && s.attributes['http.response.status_code'] === 400,
      )!;
      expect(failed.status.code).toBe(2); // ERROR
      expect(failed.status.message).toMatch(/INPUT0/);
      const traced = mine.find(s => s.attributes['braid.request_id'] === 'traced')!;
      const model = mine.find(s => s.parentSpanId === traced.spanId)!;
      expect(model).toMatchObject({
        name: 'simple',
        attributes: expect.objectContaining({ 'braid.batch_size': 2 }),
      });
    } finally {
      await server.stop();
    }
  });
});
