/**
 * @module
 * The last sampled traces kept in memory, beside the OTLP export (not instead of it), so the
 * console can draw a waterfall without a collector. Bounded twice: at most `maxTraces` traces
 * (the oldest leaves first) and at most `maxSpansPerTrace` spans each (later ones are counted,
 * not kept).
 */
import type { Attributes, HrTime } from '@opentelemetry/api';
import { SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { TraceSpanView, TraceSummary } from '../../core/trace-views.js';

/** Options of {@link TraceRing}. */
export interface TraceRingOptions {
  /** Traces kept. Default 100. */
  readonly maxTraces?: number;
  /** Spans kept of one trace. Default 2000. */
  readonly maxSpansPerTrace?: number;
}

/** A kept trace in the console's list. */
export type TraceRingSummary = TraceSummary;

/** One span of a kept trace, for the waterfall. */
export type TraceRingSpan = TraceSpanView;

interface Kept {
  readonly spans: ReadableSpan[];
  dropped: number;
}

const ms = (t: HrTime): number => t[0] * 1e3 + t[1] / 1e6;
const nanos = (t: HrTime): string => (BigInt(t[0]) * 1_000_000_000n + BigInt(t[1])).toString();

/**
 * A span processor keeping the last traces; register it next to the exporting one.
 *
 * @example
 * const ring = new TraceRing({ maxTraces: 50 });
 * new BasicTracerProvider({ spanProcessors: [new BatchSpanProcessor(exporter), ring] });
 * ring.list()[0]?.traceId;
 */
export class TraceRing implements SpanProcessor {
  readonly #traces = new Map<string, Kept>();
  readonly #maxTraces: number;
  readonly #maxSpans: number;

  constructor(opts: TraceRingOptions = {}) {
    this.#maxTraces = opts.maxTraces ?? 100;
    this.#maxSpans = opts.maxSpansPerTrace ?? 2000;
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    const id = span.spanContext().traceId;
    let kept = this.#traces.get(id);
    if (!kept) {
      kept = { spans: [], dropped: 0 };
      this.#traces.set(id, kept);
      if (this.#traces.size > this.#maxTraces)
        this.#traces.delete(this.#traces.keys().next().value!);
    }
    if (kept.spans.length < this.#maxSpans) kept.spans.push(span);
    else kept.dropped++;
  }

  forceFlush(): Promise<void> {
    return Promise.resolve();
  }

  shutdown(): Promise<void> {
    return Promise.resolve();
  }

  /** The kept traces, newest first, each named after its root span. */
  list(): TraceRingSummary[] {
    const out: TraceRingSummary[] = [];
    for (const [traceId, { spans }] of this.#traces) {
      const root = rootOf(spans);
      const start = Math.min(...spans.map(s => ms(s.startTime)));
      const end = Math.max(...spans.map(s => ms(s.endTime)));
      const path = root.attributes['url.path'];
      const model = typeof path === 'string' ? /^\/v2\/models\/([^/]+)/.exec(path)?.[1] : undefined;
      out.push({
        traceId,
        name: root.name,
        ...(model === undefined ? {} : { model: decodeURIComponent(model) }),
        startMs: start,
        durationMs: end - start,
        spanCount: spans.length,
      });
    }
    return out.reverse();
  }

  /** The spans of one kept trace in start order; undefined when it is not (or no longer) kept. */
  spans(traceId: string): TraceRingSpan[] | undefined {
    const kept = this.#traces.get(traceId);
    if (!kept) return undefined;
    const depth = depths(kept.spans);
    const key = (s: ReadableSpan): number => depth.get(s.spanContext().spanId) ?? 0;
    // Start order; a parent starting in the same instant as its child comes first.
    return [...kept.spans]
      .sort((a, b) => ms(a.startTime) - ms(b.startTime) || key(a) - key(b))
      .map(s => {
        const parent = s.parentSpanContext?.spanId;
        const error =
          s.status.code === SpanStatusCode.ERROR ? (s.status.message ?? 'error') : undefined;
        return {
          spanId: s.spanContext().spanId,
          ...(parent ? { parentSpanId: parent } : {}),
          name: s.name,
          startMs: ms(s.startTime),
          durationMs: ms(s.duration),
          attributes: { ...s.attributes },
          links: s.links.map(l => l.context.spanId),
          ...(error === undefined ? {} : { error }),
        };
      });
  }

  /**
   * One kept trace as an OTLP/JSON `ExportTraceServiceRequest` (the body an OTLP/HTTP JSON
   * exporter posts), which Jaeger's "upload JSON" and `otel-cli` read. Undefined when not kept.
   */
  otlpJson(traceId: string): unknown {
    const kept = this.#traces.get(traceId);
    if (!kept) return undefined;
    const first = kept.spans[0]!;
    return {
      resourceSpans: [
        {
          resource: { attributes: attributes(first.resource.attributes as Attributes) },
          scopeSpans: [
            {
              scope: {
                name: first.instrumentationScope.name,
                version: first.instrumentationScope.version ?? '',
              },
              spans: kept.spans.map(otlpSpan),
            },
          ],
        },
      ],
    };
  }
}

/** The span whose parent is not in the trace (the request's root, or the first span). */
function rootOf(spans: readonly ReadableSpan[]): ReadableSpan {
  const ids = new Set(spans.map(s => s.spanContext().spanId));
  return spans.find(s => !s.parentSpanContext || !ids.has(s.parentSpanContext.spanId)) ?? spans[0]!;
}

/** How many ancestors each span has within the trace. */
function depths(spans: readonly ReadableSpan[]): Map<string, number> {
  const parent = new Map(spans.map(s => [s.spanContext().spanId, s.parentSpanContext?.spanId]));
  const out = new Map<string, number>();
  for (const id of parent.keys()) {
    let d = 0;
    for (
      let p = parent.get(id);
      p !== undefined && parent.has(p) && d < spans.length;
      p = parent.get(p)
    )
      d++;
    out.set(id, d);
  }
  return out;
}

function otlpSpan(s: ReadableSpan): unknown {
  const ctx = s.spanContext();
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    ...(s.parentSpanContext ? { parentSpanId: s.parentSpanContext.spanId } : {}),
    name: s.name,
    // OTLP's SpanKind is the API's plus one (0 is UNSPECIFIED).
    kind: s.kind + 1,
    startTimeUnixNano: nanos(s.startTime),
    endTimeUnixNano: nanos(s.endTime),
    attributes: attributes(s.attributes),
    events: s.events.map(e => ({
      timeUnixNano: nanos(e.time),
      name: e.name,
      attributes: attributes(e.attributes ?? {}),
    })),
    links: s.links.map(l => ({
      traceId: l.context.traceId,
      spanId: l.context.spanId,
      attributes: attributes(l.attributes ?? {}),
    })),
    status: { code: s.status.code, ...(s.status.message ? { message: s.status.message } : {}) },
  };
}

function attributes(attrs: Attributes): { key: string; value: unknown }[] {
  return Object.entries(attrs).flatMap(([key, v]) =>
    v === undefined ? [] : [{ key, value: anyValue(v) }],
  );
}

function anyValue(v: unknown): unknown {
  if (Array.isArray(v)) return { arrayValue: { values: v.map(anyValue) } };
  if (typeof v === 'boolean') return { boolValue: v };
  if (typeof v === 'number')
    return Number.isInteger(v) ? { intValue: String(v) } : { doubleValue: v };
  return { stringValue: String(v) };
}
