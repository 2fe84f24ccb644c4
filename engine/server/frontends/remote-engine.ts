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
import type { SpanEvent, SpanPart, WireError } from './protocol.js';
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
    return this.#link.infer(req, span && (() => span.handOver()));
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

/** Ids of this thread's spans. */
let nextSpan = 1;

/**
 * A root span recorded on a frontend thread. Its opening goes to the engine thread at once,
 * whose tracer decides sampling then; what it records follows with the infer call, and the rest
 * when it ends. It always records here, because only the engine thread knows the decision.
 */
export class RemoteSpan implements TraceSpan {
  readonly recording = true;
  readonly #link: EngineLink;
  readonly #sid = nextSpan++;
  #attributes: Record<string, TraceAttributes[string]> = {};
  #events: SpanEvent[] = [];
  #failure: WireError | undefined;
  #ended = false;

  constructor(link: EngineLink, name: string, opts: RootSpanOptions) {
    this.#link = link;
    const headers: Record<string, string> = {};
    for (const h of ['traceparent', 'tracestate']) {
      const value = opts.header?.(h);
      if (value !== undefined) headers[h] = value;
    }
    const startAt = opts.startAt === undefined ? epochNow() : performance.timeOrigin + opts.startAt;
    link.note({
      k: 'span-open',
      open: { sid: this.#sid, name, model: opts.model, headers, startAt },
    });
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

  /** What was recorded so far, to go with the infer call; the span then starts afresh. */
  handOver(): SpanPart {
    const part = this.#part();
    this.#attributes = {};
    this.#events = [];
    this.#failure = undefined;
    return part;
  }

  end(at?: number): void {
    if (this.#ended) return;
    this.#ended = true;
    const endAt = at === undefined ? epochNow() : performance.timeOrigin + at;
    this.#link.note({ k: 'span', part: { ...this.#part(), endAt } });
  }

  #part(): SpanPart {
    return {
      sid: this.#sid,
      attributes: this.#attributes,
      events: this.#events,
      ...(this.#failure ? { failure: this.#failure } : {}),
    };
  }
}

/**
 * A tracer whose spans the engine thread samples and exports. While every trace level is OFF
 * (the engine thread says when that changes) nothing is recorded: no request could be sampled.
 */
export class RemoteTracer implements RequestTracer {
  readonly #link: EngineLink;
  on: boolean;

  constructor(link: EngineLink, on: boolean) {
    this.#link = link;
    this.on = on;
  }

  startRequest(name: string, opts: RootSpanOptions): TraceSpan {
    return this.on ? new RemoteSpan(this.#link, name, opts) : NOOP_SPAN;
  }
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
