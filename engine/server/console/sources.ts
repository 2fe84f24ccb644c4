/**
 * @module
 * What the console reads besides the engine, as ports the composition root fills: compiled
 * pipeline plans, the ring of recent traces and the tail of the log. Each is optional; the
 * console shows "not available" for what is absent.
 */
import type { ExecutionPlan } from '../../core/plan.js';
import type { TraceSpanView, TraceSummary } from '../../core/trace-views.js';

export type { TraceSpanView, TraceSummary } from '../../core/trace-views.js';
import type { ModelControlMode } from '../../runtime/engine-options.js';

/** The compiled plan of a pipeline version; undefined for models and unknown names. */
export type PlanSource = (name: string, version: number) => ExecutionPlan | undefined;

/**
 * The state machine requests of a pipeline version step through, as xstate machine config JSON;
 * undefined for models and unknown names.
 */
export type MachineSource = (name: string, version: number) => object | undefined;

/** The last sampled traces, bounded in memory. */
export interface TraceStore {
  /** Newest first. */
  list(): TraceSummary[];
  /** The spans of one trace, in start order; undefined when it has left the ring. */
  spans(traceId: string): TraceSpanView[] | undefined;
  /** The trace as an OTLP/JSON `ExportTraceServiceRequest`, which Jaeger imports. */
  otlpJson(traceId: string): unknown;
}

/** One structured log line as written. */
export interface LogEntry {
  readonly seq: number;
  readonly time: string;
  readonly level: string;
  readonly msg: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

/** The last log lines, bounded in memory. */
export interface LogTail {
  /** Entries with `seq` greater than `after`, oldest first. */
  since(after: number): LogEntry[];
}

/** A histogram's cumulative counts: `le` ascending (seconds), the last one `+Inf`. */
export type HistogramCounts = readonly { readonly le: number; readonly count: number }[];

/** What the metrics hold now, read by the live feed at each of its ticks. */
export interface LiveSample {
  /** Per loaded version: the request latency histogram and the pending request count. */
  readonly models: readonly {
    readonly name: string;
    readonly version: string;
    readonly latency: HistogramCounts;
    readonly pending: number;
  }[];
  /** Per pipeline step: the duration histogram of the steps that started. */
  readonly steps: readonly {
    readonly pipeline: string;
    readonly step: string;
    readonly duration: HistogramCounts;
  }[];
}

/** Everything the console reads besides the engine. */
export interface ConsoleSources {
  readonly plans?: PlanSource;
  readonly machines?: MachineSource;
  readonly traces?: TraceStore;
  readonly logs?: LogTail;
  /** Absent when metrics are off: the feed then has no percentiles nor queue depth. */
  readonly live?: () => Promise<LiveSample>;
  /** `--model-control-mode`, so the page can tell when load and unload are refused. */
  readonly controlMode?: ModelControlMode;
}
