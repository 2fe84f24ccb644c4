/**
 * @module The recent traces the server keeps in memory, as the console reads them: a summary
 * per trace for the list and flattened spans for the waterfall. engine/telemetry fills them
 * (tracing/trace-ring.ts); engine/server serves them.
 */

/** One trace kept in memory, summarized for the list. */
export interface TraceSummary {
  readonly traceId: string;
  /** The root span's name (e.g. `InferRequest`) and model attribute when it has one. */
  readonly name: string;
  readonly model?: string;
  /** Wall-clock start in ms since the epoch, and length in ms. */
  readonly startMs: number;
  readonly durationMs: number;
  readonly spanCount: number;
}

/** One span of a kept trace, flattened for the waterfall. */
export interface TraceSpanView {
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly startMs: number;
  readonly durationMs: number;
  readonly attributes: Readonly<Record<string, unknown>>;
  /** Span ids this span links to (a batch's compute span links every request in it). */
  readonly links: readonly string[];
  readonly error?: string;
}
