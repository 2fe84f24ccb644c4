/*
 * The console's in-memory telemetry (issue #18): the ring of recent traces beside the OTLP
 * export (bounded in traces and spans, newest first, OTLP JSON per trace) and the log tail.
 */
import { describe, expect, it } from 'vitest';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { context, trace } from '@opentelemetry/api';
import { createLogger } from '../../../engine/telemetry/logger.js';
import { LogTailRing } from '../../../engine/telemetry/log-tail.js';
import { TraceRing } from '../../../engine/telemetry/tracing/trace-ring.js';

function tracerWith(ring: TraceRing) {
  const exported = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exported), ring],
  });
  return { tracer: provider.getTracer('test'), exported };
}

/** A request trace: root InferRequest on `path` with one child. */
function request(tracer: ReturnType<typeof tracerWith>['tracer'], path: string): string {
  const root = tracer.startSpan('InferRequest', { attributes: { 'url.path': path } });
  const child = tracer.startSpan('step a', {}, trace.setSpan(context.active(), root));
  child.end();
  root.end();
  return root.spanContext().traceId;
}

describe('TraceRing', () => {
  it('keeps traces beside the exporter, newest first, named by their root and model', () => {
    const ring = new TraceRing();
    const { tracer, exported } = tracerWith(ring);
    const first = request(tracer, '/v2/models/ocr/infer');
    const second = request(tracer, '/v2/models/simple/versions/1/infer');
    expect(exported.getFinishedSpans()).toHaveLength(4);
    expect(ring.list().map(t => [t.traceId, t.name, t.model, t.spanCount])).toEqual([
      [second, 'InferRequest', 'simple', 2],
      [first, 'InferRequest', 'ocr', 2],
    ]);
    const spans = ring.spans(first)!;
    expect(spans.map(s => s.name)).toEqual(['InferRequest', 'step a']);
    expect(spans[1]!.parentSpanId).toBe(spans[0]!.spanId);
  });

  it('drops the oldest trace past maxTraces and counts spans past maxSpansPerTrace out', () => {
    const ring = new TraceRing({ maxTraces: 2, maxSpansPerTrace: 1 });
    const { tracer } = tracerWith(ring);
    const ids = [
      request(tracer, '/v2/models/a/infer'),
      request(tracer, '/v2/models/b/infer'),
      request(tracer, '/v2/models/c/infer'),
    ];
    expect(ring.list().map(t => t.traceId)).toEqual([ids[2], ids[1]]);
    expect(ring.spans(ids[0]!)).toBeUndefined();
    expect(ring.spans(ids[2]!)).toHaveLength(1);
  });

  it('gives a trace as an OTLP/JSON export request', () => {
    const ring = new TraceRing();
    const { tracer } = tracerWith(ring);
    const id = request(tracer, '/v2/models/ocr/infer');
    const otlp = ring.otlpJson(id) as {
      resourceSpans: {
        scopeSpans: { scope: { name: string }; spans: Record<string, unknown>[] }[];
      }[];
    };
    const scope = otlp.resourceSpans[0]!.scopeSpans[0]!;
    expect(scope.scope.name).toBe('test');
    const root = scope.spans.find(s => s['name'] === 'InferRequest')!;
    expect(root).toMatchObject({
      traceId: id,
      kind: 1,
      attributes: [{ key: 'url.path', value: { stringValue: '/v2/models/ocr/infer' } }],
    });
    expect(typeof root['startTimeUnixNano']).toBe('string');
    expect(ring.otlpJson('0'.repeat(32))).toBeUndefined();
  });
});

describe('LogTailRing', () => {
  it("keeps a logger's lines as fields, numbered, bounded, and answers what came after a number", () => {
    const tail = new LogTailRing(2);
    const lines: string[] = [];
    const log = createLogger({ write: l => lines.push(l), tap: e => tail.push(e), level: 'info' });
    log.child({ model: 'simple' }).log('info', 'one', { n: 1 });
    log.log('debug', 'not written');
    log.log('warn', 'two');
    log.log('error', 'three');
    expect(lines).toHaveLength(3);
    expect(tail.since(0).map(e => [e.seq, e.level, e.msg])).toEqual([
      [2, 'warn', 'two'],
      [3, 'error', 'three'],
    ]);
    expect(tail.since(2).map(e => e.msg)).toEqual(['three']);
    expect(tail.since(3)).toEqual([]);
    const first = new LogTailRing();
    createLogger({ write: () => {}, tap: e => first.push(e) })
      .child({ model: 'm' })
      .log('info', 'x', { n: 1 });
    expect(first.since(0)[0]!.fields).toEqual({ model: 'm', n: 1 });
  });
});
