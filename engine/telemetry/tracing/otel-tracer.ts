/**
 * @module The request tracer over the OpenTelemetry SDK: sampling by Triton's trace settings,
 * W3C trace context from clients, spans exported over OTLP/HTTP (JSON or protobuf) by a batch
 * span processor. The SDK is set up on the first sampled request, so a server whose tracing is
 * off never builds an exporter and pays one settings lookup per request.
 */
import { diag, DiagLogLevel, ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import type { Context, SpanOptions, Tracer } from '@opentelemetry/api';
import { parseTraceParent, TraceState } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import {
  defaultResource,
  detectResources,
  envDetector,
  resourceFromAttributes,
} from '@opentelemetry/resources';
import type { Resource } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { systemClock } from '../../core/clock.js';
import type { Clock } from '../../core/clock.js';
import { noopLogger } from '../../core/logger.js';
import type { Logger } from '../../core/logger.js';
import { NOOP_SPAN } from '../../core/telemetry.js';
import type { RequestTracer, RootSpanOptions, TraceSpan } from '../../core/telemetry.js';
import { OtelSpan, toHrTime } from './otel-span.js';
import type { SpanFactory } from './otel-span.js';
import type { TracingConfig } from './trace-config.js';
import { TraceSettingsStore } from './trace-settings.js';

/** Options of {@link OtelTracer}. */
export interface OtelTracerOptions {
  readonly config: TracingConfig;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** `service.version` of the exported resource. */
  readonly serviceVersion?: string;
  /** Also receives every ended span, beside the exporter (the console's ring of recent traces). */
  readonly extraProcessors?: readonly SpanProcessor[];
  /** Replaces the OTLP exporter (tests use the SDK's InMemorySpanExporter). */
  readonly exporter?: SpanExporter;
}

interface Sdk {
  readonly provider: BasicTracerProvider;
  readonly factory: SpanFactory;
}

/**
 * Starts root spans for sampled requests and exports them. Its {@link OtelTracer.settings} are
 * what the trace settings API reads and changes.
 *
 * @example
 * const tracer = new OtelTracer({ config: parseTraceConfig(['level=TIMESTAMPS', 'rate=1']) });
 * const root = tracer.startRequest('InferRequest', { model: 'simple', header: n => headers[n] });
 * await engine.infer(request, { trace: root });
 * root.end();
 */
export class OtelTracer implements RequestTracer {
  readonly settings: TraceSettingsStore;
  readonly #o: OtelTracerOptions;
  readonly #clock: Clock;
  /** Engine-clock time to wall-clock time: taken once, so spans of one trace never skew. */
  readonly #wallOffset: number;
  #sdk: Sdk | undefined;

  constructor(opts: OtelTracerOptions) {
    this.#o = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#wallOffset = this.#clock.wallNow() - this.#clock.now();
    this.settings = new TraceSettingsStore(opts.config.settings, opts.config.options);
  }

  startRequest(name: string, opts: RootSpanOptions): TraceSpan {
    let parent: Context | undefined;
    const forced = (): boolean => {
      parent = remoteParent(opts.header);
      return (
        parent !== undefined &&
        (trace.getSpanContext(parent)!.traceFlags & TraceFlags.SAMPLED) !== 0
      );
    };
    if (!this.settings.shouldSample(opts.model, forced)) return NOOP_SPAN;
    const { factory } = (this.#sdk ??= this.#start());
    const options: SpanOptions = {
      kind: SpanKind.SERVER,
      startTime: factory.wallTime(opts.startAt),
    };
    if (opts.attributes) options.attributes = opts.attributes;
    const span = factory.tracer.startSpan(name, options, parent ?? ROOT_CONTEXT);
    return new OtelSpan(span, factory);
  }

  /** Exports every ended span now. Rejects when the export fails. */
  async forceFlush(): Promise<void> {
    await this.#sdk?.provider.forceFlush();
  }

  /**
   * Exports what is left and stops exporting. Never rejects: a collector that is down at exit
   * is logged, not allowed to fail the server's shutdown. Idempotent.
   */
  async shutdown(): Promise<void> {
    try {
      await this.#sdk?.provider.shutdown();
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      (this.#o.logger ?? noopLogger).log('warn', 'tracing: the last spans could not be exported', {
        error,
      });
    }
  }

  #start(): Sdk {
    const { config } = this.#o;
    routeDiagnostics(this.#o.logger ?? noopLogger);
    const exporter =
      this.#o.exporter ??
      (config.protocol === 'http/json'
        ? new OtlpJsonExporter({ url: config.url })
        : new OtlpProtoExporter({ url: config.url }));
    const provider = new BasicTracerProvider({
      resource: resource(config, this.#o.serviceVersion),
      sampler: new AlwaysOnSampler(),
      spanProcessors: [
        new BatchSpanProcessor(exporter, { ...config.batch }),
        ...(this.#o.extraProcessors ?? []),
      ],
    });
    const tracer: Tracer = provider.getTracer('braid', this.#o.serviceVersion);
    const factory: SpanFactory = {
      tracer,
      wallTime: at => toHrTime(this.#wallOffset + (at ?? this.#clock.now())),
    };
    (this.#o.logger ?? noopLogger).log('info', 'tracing started', {
      url: config.url,
      protocol: config.protocol,
    });
    return { provider, factory };
  }
}

/** The client's W3C trace context as a parent context, when the headers hold a valid one. */
function remoteParent(header: RootSpanOptions['header']): Context | undefined {
  const raw = header?.('traceparent');
  const sc = raw ? parseTraceParent(raw) : null;
  if (!sc) return undefined;
  const state = header?.('tracestate');
  return trace.setSpanContext(ROOT_CONTEXT, {
    ...sc,
    isRemote: true,
    ...(state ? { traceState: new TraceState(state) } : {}),
  });
}

/** `service.name` braid, then `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES`, then `resource=` flags. */
function resource(config: TracingConfig, version: string | undefined): Resource {
  return defaultResource()
    .merge(
      resourceFromAttributes({
        'service.name': 'braid',
        ...(version ? { 'service.version': version } : {}),
      }),
    )
    .merge(detectResources({ detectors: [envDetector] }))
    .merge(resourceFromAttributes(config.resource));
}

/** Where the SDK's process-wide diagnostics go: the logger of the tracer started last. */
let diagnostics: { logger: Logger; reported: boolean } | undefined;

/**
 * Sends the SDK's own warnings (failed exports above all) to the server log: the first at warn,
 * the rest at debug, so an unreachable collector is reported once, not every few seconds.
 */
function routeDiagnostics(logger: Logger): void {
  if (!diagnostics) {
    const report = (msg: string, ...args: unknown[]): void => {
      if (!diagnostics) return;
      const level = diagnostics.reported ? 'debug' : 'warn';
      diagnostics.reported = true;
      diagnostics.logger.log(level, 'tracing: the span exporter reported a problem', {
        error: describe(msg, args),
      });
    };
    diag.setLogger(
      { error: report, warn: report, info: () => {}, debug: () => {}, verbose: () => {} },
      DiagLogLevel.WARN,
    );
  }
  diagnostics = { logger, reported: false };
}

/** A diagnostic as one line: the SDK's error handler passes errors as JSON text. */
function describe(msg: string, args: readonly unknown[]): string {
  try {
    const parsed = JSON.parse(msg) as { message?: unknown };
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: a plain diagnostic message
  }
  return [msg, ...args.map(a => (a instanceof Error ? a.message : String(a)))].join(' ');
}
