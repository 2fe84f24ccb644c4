import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  startOtlpReceiver,
  type OtlpReceiver,
  type ReceivedSpan,
} from '../engine/telemetry/otlp-receiver.js';
import { EXAMPLES, ROOT, tempRepository } from '../support/repo.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';

let repo: { dir: string; dispose(): Promise<void> };
let receiver: OtlpReceiver;
let server: ServeProcess;

beforeAll(async () => {
  repo = await tempRepository({
    simple: path.join(EXAMPLES, 'simple'),
    scale: path.join(ROOT, 'test', 'fixtures', 'js-models', 'scale'),
    chain: path.join(ROOT, 'test', 'fixtures', 'pipeline-repo', 'chain'),
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
    'rate=1000',
    '--trace-config',
    'level=TIMESTAMPS',
  ]);
});
afterAll(async () => {
  await server?.stop();
  await receiver?.close();
  await repo?.dispose();
});

const body = {
  id: 'pipe-1',
  inputs: ['A', 'C'].map(name => ({
    name,
    datatype: 'FP32',
    shape: [1, 16],
    data: Array.from({ length: 16 }, (_, i) => (name === 'A' ? i : 2)),
  })),
};

describe('a traced pipeline request over HTTP', () => {
  it('answers and exports InferRequest → pipeline → step → model → compute', async () => {
    const traceId = 'c'.repeat(32);
    const res = await fetch(`${server.url}/v2/models/chain/infer`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        traceparent: `00-${traceId}-${'3'.repeat(16)}-01`,
      },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    const out = (await res.json()) as { id: string; outputs: { name: string; data: number[] }[] };
    expect(out.id).toBe('pipe-1');
    expect(out.outputs[0]!.data.slice(0, 3)).toEqual([8, 12, 16]);

    const mine = (spans: readonly ReceivedSpan[]) => spans.filter(s => s.traceId === traceId);
    await receiver.waitFor(
      spans =>
        mine(spans).filter(s => s.name === 'compute').length === 3 &&
        mine(spans).some(s => s.name === 'InferRequest'),
    );
    const spans = mine(receiver.spans);
    const byId = new Map(spans.map(s => [s.spanId, s]));
    const parentName = (s: ReceivedSpan) => byId.get(s.parentSpanId ?? '')?.name;

    const root = spans.find(s => s.name === 'InferRequest')!;
    const pipeline = spans.find(s => s.name === 'chain')!;
    expect(pipeline.parentSpanId).toBe(root.spanId);
    const steps = spans.filter(s => s.name.startsWith('step '));
    expect(steps.map(s => s.name).sort()).toEqual(['step add', 'step mul', 'step scale']);
    for (const s of steps) {
      expect(s.parentSpanId).toBe(pipeline.spanId);
      expect(s.attributes).toMatchObject({ 'braid.pipeline': 'chain', 'braid.step.status': 'ran' });
    }
    // Each step's model request opens under the step, and its batch's compute span under that.
    const models = spans.filter(s => s.name === 'simple' || s.name === 'scale');
    expect(models.map(parentName).sort()).toEqual(['step add', 'step mul', 'step scale']);
    const computes = spans.filter(s => s.name === 'compute');
    expect(computes.map(parentName).sort()).toEqual(['scale', 'simple', 'simple']);
  });
});
