/**
 * @module The {@link TraceSpan} port over an OpenTelemetry SDK span.
 */
import { ROOT_CONTEXT, SpanStatusCode, trace } from '@opentelemetry/api';
import type { HrTime, Link, Span, Tracer } from '@opentelemetry/api';
import { isEngineError } from '../../core/errors.js';
import type { SpanOptions, TraceAttributes, TraceSpan } from '../../core/telemetry.js';

/** What spans need of their tracer: the SDK tracer and the engine clock mapped to wall time. */
export interface SpanFactory {
  readonly tracer: Tracer;
  /** Wall-clock time for an engine-clock time in milliseconds; now when absent. */
  wallTime(at?: number): HrTime;
}

/**
 * Epoch milliseconds as OpenTelemetry's `[seconds, nanoseconds]`. Passing an HrTime rather than
 * a number keeps the SDK from reading small numbers as offsets from process start.
 *
 * @example
 * toHrTime(1_700_000_000_123.5); // [1700000000, 123500000]
 */
export function toHrTime(epochMs: number): HrTime {
  let seconds = Math.floor(epochMs / 1000);
  let nanos = Math.round((epochMs - seconds * 1000) * 1e6);
  if (nanos >= 1e9) {
    seconds += 1;
    nanos -= 1e9;
  }
  return [seconds, nanos];
}

/**
 * A recording span. Children are SDK spans parented explicitly (no context manager is needed);
 * links and times work across requests, so one compute span can serve a whole batch.
 */
export class OtelSpan implements TraceSpan {
  readonly recording = true;
  readonly span: Span;
  readonly #factory: SpanFactory;
  #ended = false;

  constructor(span: Span, factory: SpanFactory) {
    this.span = span;
    this.#factory = factory;
  }

  child(name: string, opts: SpanOptions = {}): TraceSpan {
    const links: Link[] = [];
    for (const l of opts.links ?? [])
      if (l instanceof OtelSpan) links.push({ context: l.span.spanContext() });
    const span = this.#factory.tracer.startSpan(
      name,
      {
        startTime: this.#factory.wallTime(opts.startAt),
        ...(opts.attributes ? { attributes: opts.attributes } : {}),
        links,
      },
      trace.setSpan(ROOT_CONTEXT, this.span),
    );
    return new OtelSpan(span, this.#factory);
  }

  setAttributes(attributes: TraceAttributes): void {
    this.span.setAttributes(attributes);
  }

  event(name: string, at?: number, attributes?: TraceAttributes): void {
    this.span.addEvent(name, attributes ?? {}, this.#factory.wallTime(at));
  }

  link(other: TraceSpan, attributes?: TraceAttributes): void {
    if (other instanceof OtelSpan)
      this.span.addLink({
        context: other.span.spanContext(),
        ...(attributes ? { attributes } : {}),
      });
  }

  fail(error: unknown): void {
    const message = error instanceof Error ? error.message : String(error);
    this.span.setStatus({ code: SpanStatusCode.ERROR, message });
    this.span.setAttribute(
      'error.type',
      isEngineError(error) ? error.code : error instanceof Error ? error.name : 'unknown',
    );
  }

  end(at?: number): void {
    if (this.#ended) return;
    this.#ended = true;
    this.span.end(this.#factory.wallTime(at));
  }

  traceparent(): string {
    const { traceId, spanId, traceFlags } = this.span.spanContext();
    return `00-${traceId}-${spanId}-${(traceFlags & 0xff).toString(16).padStart(2, '0')}`;
  }
}
