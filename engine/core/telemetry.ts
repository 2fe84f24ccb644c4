/**
 * @module The telemetry ports: what engine, scheduling and server code call to be traced and
 * measured. engine/telemetry implements them with the OpenTelemetry SDK and prom-client; the
 * no-op implementations here are the defaults, so code and tests need neither, and a call on
 * the hot path costs one property check when telemetry is off.
 */
import type { FailureReason } from './errors.js';

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

/**
 * Opens the one compute span that a batch of requests shares: a child of the first traced
 * request's span, linked to every other traced request's span, each of which links back, so the
 * batch shows in every request's trace. Untraced requests are skipped; with none traced the
 * result is {@link NOOP_SPAN} and nothing is allocated.
 *
 * @example
 * const compute = startBatchSpan(requests, { startAt: t0, attributes: { 'braid.batch_size': 8 } });
 */
export function startBatchSpan(
  members: readonly { readonly trace?: TraceSpan | undefined }[],
  opts: SpanOptions = {},
): TraceSpan {
  let parent: TraceSpan | undefined;
  let others: TraceSpan[] | undefined;
  for (const { trace } of members) {
    if (!trace?.recording) continue;
    if (!parent) parent = trace;
    else (others ??= []).push(trace);
  }
  if (!parent) return NOOP_SPAN;
  const span = parent.child('compute', others ? { ...opts, links: others } : opts);
  if (others) for (const o of others) o.link(span);
  return span;
}

/**
 * Opens Triton's model span for one request under `parent`: named after the model, with the
 * attributes Triton's OpenTelemetry traces carry and the `REQUEST_START` event.
 *
 * @example
 * const span = startModelSpan(root, 'simple', 1, 'req-7', clock.now());
 */
export function startModelSpan(
  parent: TraceSpan,
  model: string,
  version: number,
  requestId: string | undefined,
  at: number,
): TraceSpan {
  const attributes: TraceAttributes = requestId
    ? { 'triton.model_name': model, 'triton.model_version': version, 'triton.request_id': requestId }
    : { 'triton.model_name': model, 'triton.model_version': version };
  const span = parent.child(model, { startAt: at, attributes });
  span.event('REQUEST_START', at);
  return span;
}

/** A cumulative duration as statistics keep it. */
export interface CountNs {
  readonly count: number;
  readonly ns: number;
}

/**
 * The statistics of one model version that metrics read: a structural subset of the
 * statistics-extension JSON (reference §5.3), so a statistics snapshot is one as it is.
 */
export interface StatisticsView {
  readonly inference_count: number;
  readonly execution_count: number;
  readonly inference_stats: {
    readonly success: CountNs;
    readonly fail: CountNs;
    readonly queue: CountNs;
    readonly compute_input: CountNs;
    readonly compute_infer: CountNs;
    readonly compute_output: CountNs;
    readonly cache_hit: CountNs;
    readonly cache_miss: CountNs;
  };
}

/** What a model version reports at scrape time. */
export interface VersionCounters {
  readonly stats: StatisticsView;
  /** Failed requests by reason; they sum to `stats.inference_stats.fail.count`. */
  readonly failures: Readonly<Record<FailureReason, number>>;
  /** Requests accepted but not yet executing (Triton's pending request count). */
  readonly pending: number;
  /** Requests accepted and not yet finished, queued or executing. */
  readonly inflight: number;
}

/**
 * Receives every measurement a model version's statistics record, as it is recorded, so
 * distributions (summaries, histograms) see each observation. Called on the hot path: keep it
 * cheap and never throw.
 */
export interface StatsObserver {
  /** A request finished after `ns`; `reason` is set when it failed. */
  request(ok: boolean, ns: number, reason?: FailureReason): void;
  /** A request left the queue after waiting `ns`. */
  queued(ns: number): void;
  /** A batch of `batchSize` inferences executed, with its three compute phases in ns. */
  execution(batchSize: number, inputNs: number, inferNs: number, outputNs: number): void;
  /** A decoupled model sent response `index` of a request, `sinceStartNs` after its execution started. */
  response?(index: number, sinceStartNs: number): void;
  /** A decoupled model's request ended after `count` responses. */
  responsesEnded?(count: number): void;
}

/** The observer that observes nothing. */
export const noopStatsObserver: StatsObserver = { request() {}, queued() {}, execution() {} };

/** A loaded model version as metrics see it. */
export interface VersionMetricsSource {
  readonly model: string;
  readonly version: string;
  /** The config's `metric_tags`, exported as `_<key>` labels. */
  readonly tags: Readonly<Record<string, string>>;
  readonly loadSeconds: number;
  /** The version may answer from the response cache: its `nv_cache_*` series are exported. */
  readonly cached?: boolean;
  /** Read at every scrape, so counters always equal the statistics endpoint. */
  counters(): VersionCounters;
}

/** A model version registered with the metrics: its observer, and `retire` for its unload. */
export interface VersionMetrics extends StatsObserver {
  /** Drops the version's series. Idempotent. */
  retire(): void;
}

/** One answered HTTP request. */
export interface HttpRequestSample {
  readonly method: string;
  /** The route pattern, e.g. `/v2/models/:model/infer`, never the raw path (bounded cardinality). */
  readonly route: string;
  readonly status: number;
  readonly seconds: number;
}

/**
 * The metrics port. The runtime registers each loaded model version and the HTTP frontend
 * reports each request. Every method is cheap and never throws.
 */
export interface InferenceMetrics {
  registerVersion(source: VersionMetricsSource): VersionMetrics;
  httpRequest(sample: HttpRequestSample): void;
}

/** Metrics that record nothing. */
export const noopMetrics: InferenceMetrics = {
  registerVersion: () => ({ ...noopStatsObserver, retire() {} }),
  httpRequest() {},
};

/** Trace settings as GET/POST /v2[/models/{m}]/trace/setting answer them (reference §6.3). */
export type TraceSettingsView = Readonly<Record<string, string | readonly string[]>>;

/**
 * The trace settings API: global settings and per-model overrides, changeable at run time.
 * `update` takes the POST body as parsed JSON and throws EngineError INVALID_ARG or UNSUPPORTED
 * naming the key at fault; both return the effective settings after the call.
 */
export interface TraceSettingsControl {
  get(model?: string): TraceSettingsView;
  update(model: string | undefined, patch: Readonly<Record<string, unknown>>): TraceSettingsView;
}

/** Log settings as GET/POST /v2/logging answer them (reference §1.13, the server code's keys). */
export interface LogSettings {
  readonly log_file: string;
  readonly log_info: boolean;
  readonly log_warning: boolean;
  readonly log_error: boolean;
  readonly log_verbose_level: number;
  readonly log_format: string;
}

/**
 * The logging API: `update` applies the keys present in the POST body (parsed JSON) and throws
 * EngineError INVALID_ARG or UNSUPPORTED naming the key at fault; both return every setting.
 */
export interface LoggingControl {
  get(): LogSettings;
  update(patch: Readonly<Record<string, unknown>>): LogSettings;
}
