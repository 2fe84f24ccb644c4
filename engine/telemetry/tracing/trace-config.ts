/**
 * @module `--trace-config` flags (Triton's syntax, reference §6.1) and the standard
 * `OTEL_EXPORTER_OTLP_*` variables, resolved into what the tracer needs.
 */
import { EngineError } from '../../core/errors.js';
import type { Mutable } from '../../core/mutable.js';
import { DEFAULT_TRACE_SETTINGS } from './trace-settings.js';
import type { TraceLevel, TraceSamplingSettings } from './trace-settings.js';

/** OTLP over HTTP, with JSON or protobuf bodies. */
export type OtlpProtocol = 'http/json' | 'http/protobuf';

/** Settings of the batch span processor; absent ones come from `OTEL_BSP_*` or the SDK defaults. */
export interface BatchProcessorSettings {
  readonly maxQueueSize?: number;
  readonly scheduledDelayMillis?: number;
  readonly maxExportBatchSize?: number;
}

/** Everything the tracer is configured with. */
export interface TracingConfig {
  readonly settings: TraceSamplingSettings;
  /** The OTLP/HTTP traces endpoint, resolved from the flag, the environment, or the default. */
  readonly url: string;
  readonly protocol: OtlpProtocol;
  /** `opentelemetry,resource=key=value` attributes; they win over `OTEL_RESOURCE_ATTRIBUTES`. */
  readonly resource: Readonly<Record<string, string>>;
  readonly batch: BatchProcessorSettings;
  /** The mode settings as given, which GET /v2/trace/setting shows (e.g. `url`). */
  readonly options: Readonly<Record<string, string>>;
}

/** The OTLP/HTTP default endpoint. */
export const DEFAULT_OTLP_TRACES_URL = 'http://localhost:4318/v1/traces';

const BSP_KEYS = {
  bsp_max_queue_size: 'maxQueueSize',
  bsp_schedule_delay: 'scheduledDelayMillis',
  bsp_max_export_batch_size: 'maxExportBatchSize',
} as const;

/**
 * Parses repeated `--trace-config [mode,]key=value` values. Global keys: `mode`
 * (opentelemetry), `level` (OFF | TIMESTAMPS, repeatable), `rate`, `count`. OpenTelemetry keys:
 * `url`, `resource=key=value` (repeatable), `bsp_max_queue_size`, `bsp_schedule_delay`,
 * `bsp_max_export_batch_size`. Anything else, and `mode=triton`, is an error naming the value.
 *
 * @example
 * parseTraceConfig(['mode=opentelemetry', 'level=TIMESTAMPS', 'rate=1', 'opentelemetry,url=http://jaeger:4318/v1/traces']);
 */
export function parseTraceConfig(
  entries: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
): TracingConfig {
  const settings: Mutable<TraceSamplingSettings> = { ...DEFAULT_TRACE_SETTINGS };
  const resource: Record<string, string> = {};
  const batch: Mutable<BatchProcessorSettings> = {};
  const options: Record<string, string> = {};
  let url: string | undefined;
  for (const entry of entries) {
    const { mode, key, value } = split(entry);
    if (mode === undefined && key === 'mode') {
      if (value !== 'opentelemetry')
        throw bad(entry, `trace mode '${value}' is not supported; the mode is opentelemetry`);
    } else if (mode === undefined && key === 'level') settings.level = level(entry, value);
    else if (mode === undefined && key === 'rate') settings.rate = int(entry, value, 0);
    else if (mode === undefined && key === 'count') settings.count = int(entry, value, -1);
    else if (mode === 'opentelemetry' && key === 'url') url = options.url = value;
    else if (mode === 'opentelemetry' && key === 'resource') {
      const eq = value.indexOf('=');
      if (eq <= 0) throw bad(entry, 'expected resource=key=value');
      resource[value.slice(0, eq)] = value.slice(eq + 1);
      options.resource = Object.entries(resource)
        .map(([k, v]) => `${k}=${v}`)
        .join(',');
    } else if (mode === 'opentelemetry' && key in BSP_KEYS) {
      batch[BSP_KEYS[key as keyof typeof BSP_KEYS]] = int(entry, value, 1);
      options[key] = value;
    } else
      throw bad(
        entry,
        'unknown setting; expected mode, level, rate, count or opentelemetry,{url|resource|bsp_*}=value',
      );
  }
  const endpoint = url ?? envUrl(env);
  return {
    settings,
    url: endpoint,
    protocol: protocol(env),
    resource,
    batch,
    options: { url: endpoint, ...options },
  };
}

function split(entry: string): { mode: string | undefined; key: string; value: string } {
  const eq = entry.indexOf('=');
  if (eq < 0) throw bad(entry, 'expected [mode,]key=value');
  const head = entry.slice(0, eq);
  const comma = head.indexOf(',');
  return comma < 0
    ? { mode: undefined, key: head, value: entry.slice(eq + 1) }
    : { mode: head.slice(0, comma), key: head.slice(comma + 1), value: entry.slice(eq + 1) };
}

/** `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, or `OTEL_EXPORTER_OTLP_ENDPOINT` + `/v1/traces`. */
function envUrl(env: NodeJS.ProcessEnv): string {
  const traces = env['OTEL_EXPORTER_OTLP_TRACES_ENDPOINT']?.trim();
  if (traces) return traces;
  const base = env['OTEL_EXPORTER_OTLP_ENDPOINT']?.trim();
  return base ? `${base.replace(/\/+$/, '')}/v1/traces` : DEFAULT_OTLP_TRACES_URL;
}

function protocol(env: NodeJS.ProcessEnv): OtlpProtocol {
  const p = (
    env['OTEL_EXPORTER_OTLP_TRACES_PROTOCOL'] ??
    env['OTEL_EXPORTER_OTLP_PROTOCOL'] ??
    'http/protobuf'
  ).trim();
  if (p === 'http/json' || p === 'http/protobuf') return p;
  throw new EngineError(
    'INVALID_ARG',
    `OTLP protocol '${p}' is not supported: expected http/protobuf or http/json`,
  );
}

function level(entry: string, v: string): TraceLevel {
  if (v === 'OFF' || v === 'TIMESTAMPS') return v;
  if (v === 'TENSORS')
    throw bad(entry, 'trace level TENSORS is not available in opentelemetry mode; use TIMESTAMPS');
  throw bad(entry, 'expected level OFF or TIMESTAMPS');
}

function int(entry: string, v: string, min: number): number {
  const n = Number(v);
  if (!/^-?\d+$/.test(v) || !Number.isSafeInteger(n) || n < min)
    throw bad(entry, `expected an integer >= ${min}`);
  return n;
}

function bad(entry: string, why: string): EngineError {
  return new EngineError('INVALID_ARG', `--trace-config '${entry}': ${why}`);
}
