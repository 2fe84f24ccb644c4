/**
 * @module What a frontend thread's app sees of the engine thread: an engine whose `infer` runs
 * there, a tracer whose spans are replayed there, and metrics and a logger that report there.
 */
import { EngineError } from '../../core/errors.js';
import type { Logger, LogFields, LogLevel } from '../../core/logger.js';
import type { InferenceMetrics, HttpRequestSample, VersionMetrics } from '../../core/metrics.js';
import type { InferRequest, InferResponse } from '../../core/request.js';
import type { LoggingControl, LogSettings } from '../../core/settings-control.js';
import { NOOP_SPAN } from '../../core/tracing.js';
import type {
  RequestTracer,
  RootSpanOptions,
  TraceAttributes,
  TraceSpan,
} from '../../core/tracing.js';
import type { InferContext, InferenceEngine } from '../../runtime/types.js';
import type { EngineLink } from './engine-link.js';
import type { SpanEvent, SpanRecord } from './protocol.js';
import { toWire } from './wire.js';

/** Epoch milliseconds: the one time base both threads share. */
const epochNow = (): number => performance.timeOrigin + performance.now();

/**
 * The engine as a frontend thread serves it: only `infer` is asked of it, because every other
 * route is forwarded whole to the engine thread's own app.
 */
export class RemoteEngine implements InferenceEngine {
  readonly #link: EngineLink;

  constructor(link: EngineLink) {
    this.#link = link;
  }

  infer(req: InferRequest, ctx?: InferContext): Promise<InferResponse> {
    const span = ctx?.trace instanceof RemoteSpan ? ctx.trace : undefined;
    return this.#link.infer(req, span && (id => span.handOver(id)));
  }

  stream(): Promise<void> {
    return Promise.reject(elsewhere('stream'));
  }
  serverMetadata(): never {
    throw elsewhere('serverMetadata');
  }
  isLive(): never {
    throw elsewhere('isLive');
  }
  isReady(): never {
    throw elsewhere('isReady');
  }
  modelMetadata(): never {
    throw elsewhere('modelMetadata');
  }
  modelConfig(): never {
    throw elsewhere('modelConfig');
  }
  isModelReady(): never {
    throw elsewhere('isModelReady');
  }
  statistics(): never {
    throw elsewhere('statistics');
  }
  repositoryIndex(): Promise<never> {
    return Promise.reject(elsewhere('repositoryIndex'));
  }
  load(): Promise<void> {
    return Promise.reject(elsewhere('load'));
  }
  unload(): Promise<void> {
    return Promise.reject(elsewhere('unload'));
  }
  shutdown(): Promise<void> {
    return Promise.reject(elsewhere('shutdown'));
  }
}

function elsewhere(what: string): EngineError {
  return new EngineError(
    'INTERNAL',
    `${what} is served by the engine thread, not a frontend thread`,
  );
}

/**
 * A root span recorded on a frontend thread. It always records, because sampling is decided by
 * the engine thread's tracer when the record arrives; what comes after the infer call (the
 * answer's events, the end) follows in a second record.
 */
export class RemoteSpan implements TraceSpan {
  readonly recording = true;
  readonly #link: EngineLink;
  readonly #name: string;
  readonly #model: string;
  readonly #headers: Record<string, string>;
  readonly #startAt = epochNow();
  #attributes: Record<string, TraceAttributes[string]> = {};
  #events: SpanEvent[] = [];
  #failure: SpanRecord['failure'];
  /** Id of the infer message the span went with; later records carry only what came after. */
  #sentWith: number | undefined;
  #ended = false;

  constructor(link: EngineLink, name: string, opts: RootSpanOptions) {
    this.#link = link;
    this.#name = name;
    this.#model = opts.model;
    this.#headers = {};
    for (const h of ['traceparent', 'tracestate']) {
      const value = opts.header?.(h);
      if (value !== undefined) this.#headers[h] = value;
    }
    if (opts.attributes) this.setAttributes(opts.attributes);
  }

  child(): TraceSpan {
    return NOOP_SPAN;
  }
  setAttributes(attributes: TraceAttributes): void {
    Object.assign(this.#attributes, attributes);
  }
  event(name: string, at?: number, attributes?: TraceAttributes): void {
    const when = at === undefined ? epochNow() : performance.timeOrigin + at;
    this.#events.push(attributes ? [name, when, attributes] : [name, when]);
  }
  link(): void {}
  fail(error: unknown): void {
    this.#failure = toWire(error);
  }
  traceparent(): undefined {
    return undefined;
  }

  /** The record to send with infer message `id`; the span then collects only what follows. */
  handOver(id: number): SpanRecord {
    const record = this.#record();
    this.#sentWith = id;
    this.#attributes = {};
    this.#events = [];
    return record;
  }

  end(at?: number): void {
    if (this.#ended) return;
    this.#ended = true;
    const endAt = at === undefined ? epochNow() : performance.timeOrigin + at;
    const id = this.#sentWith;
    this.#link.note({
      k: 'span',
      ...(id === undefined ? {} : { id }),
      record: { ...this.#record(), endAt },
    });
  }

  #record(): SpanRecord {
    return {
      name: this.#name,
      model: this.#model,
      headers: this.#headers,
      startAt: this.#startAt,
      attributes: this.#attributes,
      events: this.#events,
      ...(this.#failure ? { failure: this.#failure } : {}),
    };
  }
}

/** A tracer whose spans the engine thread samples and exports. */
export function remoteTracer(link: EngineLink): RequestTracer {
  return { startRequest: (name, opts) => new RemoteSpan(link, name, opts) };
}

/** Metrics of a frontend thread: HTTP request counts go to the engine thread's registry. */
export function remoteMetrics(link: EngineLink): InferenceMetrics {
  return {
    registerVersion(): VersionMetrics {
      throw elsewhere('registerVersion');
    },
    httpRequest(sample: HttpRequestSample): void {
      link.note({ k: 'http', sample });
    },
  };
}

/** A logger whose lines are written by the engine thread's logger. */
export function remoteLogger(link: EngineLink, fields: LogFields = {}): Logger {
  return {
    log(level: LogLevel, msg: string, more?: LogFields): void {
      link.note({ k: 'log', level, msg, fields: { ...fields, ...more } });
    },
    child: more => remoteLogger(link, { ...fields, ...more }),
  };
}

/**
 * The logging settings as a frontend thread reads them: a copy the engine thread refreshes
 * whenever `/v2/logging` changes them (that route itself is served there).
 */
export class LoggingCopy implements LoggingControl {
  #settings: LogSettings;

  constructor(settings: LogSettings) {
    this.#settings = settings;
  }
  get(): LogSettings {
    return this.#settings;
  }
  set(settings: LogSettings): void {
    this.#settings = settings;
  }
  update(): LogSettings {
    throw elsewhere('the logging update');
  }
}
