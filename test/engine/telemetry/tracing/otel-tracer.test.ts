import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { SpanKind, SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../../engine/core/clock.js';
import { EngineError } from '../../../../engine/core/errors.js';
import { InMemoryLogger } from '../../../../engine/core/logger.js';
import { NOOP_SPAN, startBatchSpan, startModelSpan } from '../../../../engine/core/telemetry.js';
import { toHrTime } from '../../../../engine/telemetry/tracing/otel-span.js';
import { OtelTracer } from '../../../../engine/telemetry/tracing/otel-tracer.js';
import { parseTraceConfig } from '../../../../engine/telemetry/tracing/trace-config.js';

const EPOCH = 1_800_000_000_000;
const tracers: OtelTracer[] = [];
afterEach(async () => {
  while (tracers.length) await tracers.pop()!.shutdown();
});

function setup(
  flags: string[] = ['level=TIMESTAMPS', 'rate=1'],
  headers: Record<string, string> = {},
) {
  const exporter = new InMemorySpanExporter();
  const clock = new SimulatedClock(EPOCH);
  const tracer = new OtelTracer({
    config: parseTraceConfig([...flags, 'opentelemetry,resource=team=vision'], {}),
    exporter,
    clock,
    serviceVersion: '9.9.9',
  });
  tracers.push(tracer);
  const start = (model = 'simple') =>
    tracer.startRequest('InferRequest', { model, header: name => headers[name] });
  const spans = async (): Promise<ReadableSpan[]> => {
    await tracer.forceFlush();
    return exporter.getFinishedSpans();
  };
  return { tracer, exporter, clock, start, spans };
}

/** Resolves once `check` holds, looking again after each short wait: waits for an event. */
async function until(check: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 3_000; i++) {
    if (check()) return;
    await new Promise(r => setTimeout(r, 10));
  }
  throw new Error(`gave up waiting for ${what}`);
}

const byName = (spans: readonly ReadableSpan[], name: string) => spans.find(s => s.name === name)!;
const ms = (t: readonly [number, number]) => t[0] * 1000 + t[1] / 1e6;

describe('OtelTracer', () => {
  it('answers the no-op span for a request it does not sample, and exports only sampled ones', async () => {
    const { start, spans } = setup(['level=TIMESTAMPS', 'rate=2']);
    const [first, second] = [start(), start()];
    expect(first).toBe(NOOP_SPAN);
    expect(first.child('x')).toBe(NOOP_SPAN);
    expect(second.recording).toBe(true);
    second.end();
    expect((await spans()).map(s => s.name)).toEqual(['InferRequest']);
    const off = setup(['level=OFF', 'rate=1']);
    expect(off.start()).toBe(NOOP_SPAN);
    expect(await off.spans()).toEqual([]);
  });

  it('nests spans on explicit engine-clock times and exports them with the resource', async () => {
    const { start, clock, spans } = setup();
    clock.advance(100);
    const root = start();
    const model = startModelSpan(root, 'simple', 1, 'req-1', clock.now());
    clock.advance(5);
    model.event('QUEUE_START');
    const compute = model.child('compute', { startAt: 106, attributes: { 'braid.batch_size': 4 } });
    compute.end(110);
    model.end(111);
    clock.advance(10);
    root.end();
    const [c, m, r] = await spans();
    expect([c!.name, m!.name, r!.name]).toEqual(['compute', 'simple', 'InferRequest']);
    expect(r!.kind).toBe(SpanKind.SERVER);
    expect(m!.parentSpanContext?.spanId).toBe(r!.spanContext().spanId);
    expect(c!.parentSpanContext?.spanId).toBe(m!.spanContext().spanId);
    expect(m!.attributes).toEqual({
      'triton.model_name': 'simple',
      'triton.model_version': 1,
      'triton.request_id': 'req-1',
    });
    expect(m!.events.map(e => [e.name, ms(e.time) - EPOCH])).toEqual([
      ['REQUEST_START', 100],
      ['QUEUE_START', 105],
    ]);
    expect([ms(c!.startTime) - EPOCH, ms(c!.endTime) - EPOCH]).toEqual([106, 110]);
    expect([ms(r!.startTime) - EPOCH, ms(r!.endTime) - EPOCH]).toEqual([100, 115]);
    expect(r!.resource.attributes).toMatchObject({
      'service.name': 'braid',
      'service.version': '9.9.9',
      team: 'vision',
    });
  });

  it('continues a sampled W3C context from the client even when the rate would skip it', async () => {
    const traceparent = '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01';
    const { start, spans } = setup(['level=TIMESTAMPS', 'rate=1000'], {
      traceparent,
      tracestate: 'congo=t61rcWkgMzE',
    });
    const root = start();
    expect(root.recording).toBe(true);
    const tp = root.traceparent()!;
    expect(tp).toMatch(/^00-0af7651916cd43dd8448eb211c80319c-[0-9a-f]{16}-01$/);
    root.end();
    const [r] = await spans();
    expect(r!.spanContext().traceId).toBe('0af7651916cd43dd8448eb211c80319c');
    expect(r!.parentSpanContext).toMatchObject({ spanId: 'b7ad6b7169203331', isRemote: true });
    expect(r!.parentSpanContext?.traceState?.get('congo')).toBe('t61rcWkgMzE');
    expect(tp.split('-')[2]).toBe(r!.spanContext().spanId);
  });

  it('ignores an unsampled or malformed traceparent for the sampling decision', () => {
    const unsampled = setup(['level=TIMESTAMPS', 'rate=1000'], {
      traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00',
    });
    expect(unsampled.start()).toBe(NOOP_SPAN);
    const garbage = setup(['level=TIMESTAMPS', 'rate=1000'], { traceparent: 'not-a-traceparent' });
    expect(garbage.start()).toBe(NOOP_SPAN);
  });

  it('gives a batch one compute span under the first traced request, linked both ways with the others', async () => {
    const { start, spans } = setup();
    const [a, b] = [start(), start()];
    const compute = startBatchSpan([{ trace: NOOP_SPAN }, { trace: a }, {}, { trace: b }], {
      attributes: { 'braid.batch_size': 3 },
    });
    compute.end();
    a.end();
    b.end();
    const all = await spans();
    const [sa, sb] = all.filter(s => s.name === 'InferRequest');
    const c = byName(all, 'compute');
    expect(c.parentSpanContext?.spanId).toBe(sa!.spanContext().spanId);
    expect(c.links.map(l => l.context.spanId)).toEqual([sb!.spanContext().spanId]);
    expect(sb!.links.map(l => l.context.spanId)).toEqual([c.spanContext().spanId]);
    expect(sa!.links).toEqual([]);
    expect(startBatchSpan([{ trace: NOOP_SPAN }, {}])).toBe(NOOP_SPAN);
  });

  it('marks a failed span with the error code and message, and ends a span once', async () => {
    const { start, spans } = setup();
    const root = start();
    root.fail(
      new EngineError('INVALID_ARG', "input 'INPUT0' of model 'simple': expected FP32, got INT32"),
    );
    root.end();
    root.end();
    const [r] = await spans();
    expect(r!.status).toEqual({
      code: SpanStatusCode.ERROR,
      message: "input 'INPUT0' of model 'simple': expected FP32, got INT32",
    });
    expect(r!.attributes['error.type']).toBe('INVALID_ARG');
  });
});

describe('OtelTracer export failures', () => {
  it('reports an unreachable collector as a warning and never fails its shutdown', async () => {
    const closed = createServer();
    await new Promise<void>(r => closed.listen(0, '127.0.0.1', r));
    const { port } = closed.address() as AddressInfo;
    await new Promise(r => closed.close(r));
    const logger = new InMemoryLogger();
    const flags = [
      'level=TIMESTAMPS',
      'rate=1',
      `opentelemetry,url=http://127.0.0.1:${port}/v1/traces`,
    ];
    const tracer = new OtelTracer({ config: parseTraceConfig(flags, {}), logger });
    tracer.startRequest('InferRequest', { model: 'm' }).end();
    await expect(tracer.shutdown()).resolves.toBeUndefined();
    const warnings = logger.lines.filter(l => l.level === 'warn');
    expect(warnings.at(-1)!.msg).toBe('tracing: the last spans could not be exported');
    expect(warnings.some(l => /ECONNREFUSED/.test(String(l.fields.error)))).toBe(true);
    expect(logger.lines[0]).toMatchObject({ level: 'info', msg: 'tracing started' });
  });

  it('reports failed periodic exports once as a warning, the rest at debug level', async () => {
    // A collector that turns every export down at once (400 is not retried).
    const exports: string[] = [];
    const collector = createHttpServer((req, res) => {
      exports.push(req.url ?? '');
      req.resume();
      req.on('end', () => res.writeHead(400).end('no'));
    });
    await new Promise<void>(r => collector.listen(0, '127.0.0.1', r));
    const { port } = collector.address() as AddressInfo;
    const logger = new InMemoryLogger();
    const url = `opentelemetry,url=http://127.0.0.1:${port}/v1/traces`;
    const flags = ['level=TIMESTAMPS', 'rate=1', url, 'opentelemetry,bsp_schedule_delay=10'];
    const tracer = new OtelTracer({ config: parseTraceConfig(flags, {}), logger });
    const problem = 'tracing: the span exporter reported a problem';
    const reports = () => logger.lines.filter(l => l.msg === problem);
    try {
      for (const count of [1, 2, 3]) {
        tracer.startRequest('InferRequest', { model: 'm' }).end();
        await until(() => reports().length >= count, `export failure ${count}`);
      }
      expect(exports.length).toBeGreaterThanOrEqual(3);
      expect(reports().map(l => l.level)).toEqual(['warn', 'debug', 'debug']);
      await expect(tracer.shutdown()).resolves.toBeUndefined();
      expect(logger.lines.filter(l => l.level === 'warn').map(l => l.msg)).toEqual([problem]);
    } finally {
      await tracer.shutdown();
      collector.closeAllConnections();
      await new Promise(r => collector.close(r));
    }
  });
});

describe('toHrTime', () => {
  it('splits epoch milliseconds into seconds and nanoseconds', () => {
    expect(toHrTime(1_700_000_000_123.5)).toEqual([1_700_000_000, 123_500_000]);
    expect(toHrTime(999.9999999)).toEqual([1, 0]);
  });
});
