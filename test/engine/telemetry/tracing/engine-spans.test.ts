import path from 'node:path';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOnnxRuntimeBackend } from '../../../../backends/onnxruntime/index.js';
import { NOOP_SPAN } from '../../../../engine/core/telemetry.js';
import { createEngine, type Engine } from '../../../../engine/runtime/engine.js';
import { OtelTracer } from '../../../../engine/telemetry/tracing/otel-tracer.js';
import { parseTraceConfig } from '../../../../engine/telemetry/tracing/trace-config.js';
import { EXAMPLES, simpleInputs, tempRepository } from '../../../support/repo.js';

let engine: Engine;
let dispose: () => Promise<void>;
let tracer: OtelTracer;
const exporter = new InMemorySpanExporter();

beforeAll(async () => {
  const repo = await tempRepository({ simple: path.join(EXAMPLES, 'simple') });
  engine = await createEngine({
    modelRepository: repo.dir,
    backends: [createOnnxRuntimeBackend()],
  });
  tracer = new OtelTracer({
    config: parseTraceConfig(['level=TIMESTAMPS', 'rate=1'], {}),
    exporter,
  });
  dispose = async () => {
    await engine.shutdown(5000);
    await tracer.shutdown();
    await repo.dispose();
  };
});
afterAll(() => dispose());

async function finished(): Promise<ReadableSpan[]> {
  await tracer.forceFlush();
  const spans = exporter.getFinishedSpans();
  exporter.reset();
  return spans;
}

const id = (s: ReadableSpan | undefined) => s?.spanContext().spanId;
const childrenOf = (spans: readonly ReadableSpan[], parent: ReadableSpan | undefined) =>
  spans
    .filter(s => s.parentSpanContext?.spanId === id(parent))
    .map(s => s.name)
    .sort();

describe('engine spans', () => {
  it("opens Triton's model span under the caller's span, and one compute span per batch", async () => {
    const roots = [
      tracer.startRequest('InferRequest', { model: 'simple' }),
      tracer.startRequest('InferRequest', { model: 'simple' }),
    ];
    await Promise.all(
      roots.map((root, i) =>
        engine.infer(
          { modelName: 'simple', modelVersion: 1, id: `r${i}`, inputs: simpleInputs(i + 1) },
          { trace: root },
        ),
      ),
    );
    roots.forEach(r => r.end());
    const spans = await finished();
    const models = spans.filter(s => s.name === 'simple');
    expect(models.map(m => m.attributes['triton.request_id']).sort()).toEqual(['r0', 'r1']);
    expect(models.map(m => m.attributes['braid.batch_size']).sort()).toEqual([1, 2]);
    for (const m of models) {
      expect(m.events.map(e => e.name)).toEqual(['REQUEST_START', 'QUEUE_START', 'REQUEST_END']);
      expect(m.attributes['braid.queue_time_us']).toEqual(expect.any(Number));
    }
    const [compute, ...more] = spans.filter(s => s.name === 'compute');
    expect(more).toEqual([]); // both requests ran in one execution
    expect(compute!.attributes).toMatchObject({ 'braid.batch_size': 3, 'braid.request_count': 2 });
    expect(childrenOf(spans, compute)).toEqual([
      'compute_infer',
      'compute_input',
      'compute_output',
    ]);
    expect(byId(spans, compute!.parentSpanContext?.spanId)?.name).toBe('simple');
  });

  it('nests per-step spans of a pipeline: pipeline span → step span → model span → compute', async () => {
    // What a pipeline runner does with the ports: one child span per step, then the step's model
    // call through the engine under that step span; a skipped step is a span that says why.
    const root = tracer.startRequest('InferRequest', { model: 'ensemble' });
    const pipeline = root.child('ensemble', { attributes: { 'braid.pipeline': 'ensemble' } });
    for (const step of ['add', 'add_again']) {
      const span = pipeline.child(`step ${step}`, {
        attributes: { 'braid.step': step, 'braid.model': 'simple', 'braid.retries': 0 },
      });
      await engine.infer(
        { modelName: 'simple', modelVersion: 1, inputs: simpleInputs() },
        { trace: span },
      );
      span.end();
    }
    pipeline
      .child('step postprocess', {
        attributes: { 'braid.step': 'postprocess', 'braid.skipped': 'when: score < 0.5 was false' },
      })
      .end();
    pipeline.end();
    root.end();
    const spans = await finished();
    const p = spans.find(s => s.name === 'ensemble')!;
    expect(
      childrenOf(
        spans,
        spans.find(s => s.name === 'InferRequest'),
      ),
    ).toEqual(['ensemble']);
    expect(childrenOf(spans, p)).toEqual(['step add', 'step add_again', 'step postprocess']);
    for (const step of spans.filter(s => s.name === 'step add' || s.name === 'step add_again')) {
      const [model] = spans.filter(s => s.parentSpanContext?.spanId === id(step));
      expect(model!.name).toBe('simple');
      expect(childrenOf(spans, model)).toEqual(['compute']);
    }
    expect(new Set(spans.map(s => s.spanContext().traceId)).size).toBe(1);
  });

  it('records a failed request on its model span, and traces nothing without a recording span', async () => {
    const root = tracer.startRequest('InferRequest', { model: 'simple' });
    await expect(
      engine.infer({ modelName: 'simple', inputs: new Map() }, { trace: root }),
    ).rejects.toMatchObject({ code: 'INVALID_ARG' });
    root.end();
    await engine.infer({ modelName: 'simple', inputs: simpleInputs() }, { trace: NOOP_SPAN });
    await engine.infer({ modelName: 'simple', inputs: simpleInputs() });
    const spans = await finished();
    expect(spans.map(s => s.name).sort()).toEqual(['InferRequest', 'simple']);
    const model = spans.find(s => s.name === 'simple')!;
    expect(model.status.code).toBe(2);
    expect(model.status.message).toMatch(/INPUT0/);
    expect(model.attributes['error.type']).toBe('INVALID_ARG');
  });
});

function byId(
  spans: readonly ReadableSpan[],
  spanId: string | undefined,
): ReadableSpan | undefined {
  return spans.find(s => s.spanContext().spanId === spanId);
}
