/**
 * @module The telemetry ports in one import: what engine, scheduling and server code call to be
 * traced and measured. engine/telemetry implements them with the OpenTelemetry SDK and
 * prom-client; the no-op implementations are the defaults, so code and tests need neither.
 * Each concern has its module: tracing.ts (spans, tracer), spans.ts (Triton's model and compute
 * spans), statistics-view.ts (what metrics read of statistics), metrics.ts (the metrics port),
 * settings-control.ts (the trace and logging settings APIs).
 */
export { NOOP_SPAN, noopTracer } from './tracing.js';
export type {
  RequestTracer,
  RootSpanOptions,
  SpanOptions,
  TraceAttributes,
  TraceSpan,
} from './tracing.js';
export { startBatchSpan, startModelSpan } from './spans.js';
export { noopStatsObserver } from './statistics-view.js';
export type { CountNs, StatisticsView, StatsObserver, VersionCounters } from './statistics-view.js';
export { noopMetrics } from './metrics.js';
export type {
  HttpRequestSample,
  InferenceMetrics,
  VersionMetrics,
  VersionMetricsSource,
} from './metrics.js';
export type {
  LoggingControl,
  LogSettings,
  TraceSettingsControl,
  TraceSettingsView,
} from './settings-control.js';
