/**
 * @module The tracing port: the span every traced stage writes to, the tracer frontends start a
 * request's trace with, and their no-op defaults (engine/telemetry implements them with the
 * OpenTelemetry SDK). With tracing off a call costs one property check.
 */
/** Span and event attributes. */
export type TraceAttributes = Readonly<Record<string, string | number | boolean>>;

/** Options of {@link TraceSpan.child}. */
export interface SpanOptions {
  readonly attributes?: TraceAttributes;
  /** Spans this one is linked to (a batch's compute span links every request in it). */
  readonly links?: readonly TraceSpan[];
  /** Start time in the engine clock's milliseconds (`Clock.now()`); now when absent. */
  readonly startAt?: number;
}

/**
 * One open span of a trace. Obtained from {@link RequestTracer.startRequest} or from a parent's
 * `child`; the no-op span ({@link NOOP_SPAN}) answers every call with nothing and its children
 * are no-op spans too, so callers never check whether a request is traced except to skip
 * building attributes (`if (span.recording)`). Times are in the engine clock's milliseconds.
 * A span is used by one request at a time; `end` is idempotent.
 */
export interface TraceSpan {
  /** False for the no-op span. */
  readonly recording: boolean;
  /** Opens a child span. */
  child(name: string, opts?: SpanOptions): TraceSpan;
  setAttributes(attributes: TraceAttributes): void;
  /** Records a point in time, e.g. Triton's `QUEUE_START`. */
  event(name: string, at?: number, attributes?: TraceAttributes): void;
  /** Links this span to `other` (used after the fact: a request's span to its batch's span). */
  link(other: TraceSpan, attributes?: TraceAttributes): void;
  /** Marks the span failed with the error's code and message. */
  fail(error: unknown): void;
  end(at?: number): void;
  /**
   * The W3C `traceparent` of this span, to hand to code that continues the trace elsewhere
   * (a JS backend's worker, a pipeline step); undefined when not recording.
   */
  traceparent(): string | undefined;
}

/** The span that records nothing. */
export const NOOP_SPAN: TraceSpan = Object.freeze({
  recording: false,
  child: () => NOOP_SPAN,
  setAttributes() {},
  event() {},
  link() {},
  fail() {},
  end() {},
  traceparent: () => undefined,
});

/** Options of {@link RequestTracer.startRequest}. */
export interface RootSpanOptions {
  /** The model the request is for; its trace settings decide whether the request is sampled. */
  readonly model: string;
  /**
   * Reads a request header (lower-case name). The tracer reads W3C `traceparent` and
   * `tracestate` through it, only when the model's tracing is on; a sampled parent is always
   * traced.
   */
  readonly header?: (name: string) => string | undefined;
  readonly attributes?: TraceAttributes;
  readonly startAt?: number;
}

/**
 * Starts the root span of a request at a frontend (HTTP, gRPC). Decides sampling from the
 * trace settings of the model (rate, count, level) and from the client's trace context, and
 * returns {@link NOOP_SPAN} for a request that is not traced.
 */
export interface RequestTracer {
  startRequest(name: string, opts: RootSpanOptions): TraceSpan;
}

/** The tracer that traces nothing. */
export const noopTracer: RequestTracer = { startRequest: () => NOOP_SPAN };
