/*
 * gRPC ModelInfer is traced as HTTP infer is: a root span `InferRequest` continuing the client's
 * W3C context from the call's metadata, the model and compute spans under it, and the gRPC status
 * on a failure. Before, no gRPC call was traced at all.
 */
import type { ServiceError } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startOtlpReceiver, type OtlpReceiver } from '../engine/telemetry/otlp-receiver.js';
import { failure, tritonClient, type TritonClient } from '../engine/server/grpc/triton-client.js';
import { EXAMPLES } from '../support/repo.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';

let receiver: OtlpReceiver;
let server: ServeProcess;
let client: TritonClient;

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  server = await startServe([
    '--model-repository',
    EXAMPLES,
    '--model-control-mode',
    'explicit',
    '--load-model',
    'simple',
    '--trace-config',
    'mode=opentelemetry',
    '--trace-config',
    `opentelemetry,url=${receiver.url}`,
    '--trace-config',
    'opentelemetry,bsp_schedule_delay=50',
    '--trace-config',
    'level=TIMESTAMPS',
    // Samples none by itself: a call is traced because its client sent a sampled context.
    '--trace-config',
    'rate=1000',
  ]);
  const started = server.logs.find(l => l.msg === 'Started GRPCInferenceService');
  client = tritonClient(started!.port as number);
}, 60_000);

afterAll(async () => {
  client?.close();
  await server?.stop();
  await receiver?.close();
});

const f32 = (values: number[]) => Buffer.from(new Float32Array(values).buffer);

const modelInfer = (req: object, traceId: string, parent: string): Promise<unknown> =>
  client.call('ModelInfer', req, { traceparent: `00-${traceId}-${parent}-01` });

const simpleRequest = (id: string, shape = [1, 16]) => ({
  model_name: 'simple',
  model_version: '1',
  id,
  inputs: ['INPUT0', 'INPUT1'].map(name => ({ name, datatype: 'FP32', shape })),
  raw_input_contents: [f32(Array(16).fill(1)), f32(Array(16).fill(2))],
});

describe('gRPC ModelInfer traces', () => {
  it("continue the client's trace: InferRequest → model → compute", async () => {
    const traceId = 'c'.repeat(32);
    await modelInfer(simpleRequest('g-traced'), traceId, '3'.repeat(16));
    await receiver.waitFor(spans => spans.some(s => s.traceId === traceId && s.name === 'compute'));
    const spans = receiver.spans.filter(s => s.traceId === traceId);
    const root = spans.find(s => s.name === 'InferRequest')!;
    expect(root.parentSpanId).toBe('3'.repeat(16));
    expect(root.attributes).toMatchObject({
      'rpc.system': 'grpc',
      'rpc.method': 'ModelInfer',
      'rpc.grpc.status_code': 0,
      'braid.request_id': 'g-traced',
    });
    expect(root.events.map(e => e.name)).toContain('INFER_RESPONSE_COMPLETE');
    const model = spans.find(s => s.name === 'simple')!;
    expect(model.parentSpanId).toBe(root.spanId);
    expect(model.attributes).toMatchObject({ 'triton.request_id': 'g-traced' });
    const compute = spans.find(s => s.name === 'compute')!;
    expect(compute.parentSpanId).toBe(model.spanId);
  });

  it('record the gRPC status of a refused call', async () => {
    const traceId = 'd'.repeat(32);
    const err: ServiceError = await failure(
      modelInfer(simpleRequest('g-bad', [1, 8]), traceId, '4'.repeat(16)),
    );
    expect(err.code).toBe(3); // INVALID_ARGUMENT
    await receiver.waitFor(spans =>
      spans.some(s => s.traceId === traceId && s.name === 'InferRequest'),
    );
    const root = receiver.spans.find(s => s.traceId === traceId && s.name === 'InferRequest')!;
    expect(root.attributes).toMatchObject({ 'rpc.grpc.status_code': 3 });
    expect(root.status.code).toBe(2); // ERROR
  });
});
