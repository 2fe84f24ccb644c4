/**
 * @module
 * The console feed's per-model and per-step figures over a short sliding window: latency
 * percentiles estimated from histogram buckets, queue depth, and the batch-size distribution
 * from the statistics' `batch_stats`. Kept per open stream, so nothing is held or computed
 * while no page is connected.
 */
import type { ModelStatistics } from '../../runtime/types.js';
import type { HistogramCounts, LiveSample } from './sources.js';

/** The figures of one model version over the window. */
export interface ModelFigures {
  readonly name: string;
  readonly version: string;
  /** Requests that succeeded in the window. */
  readonly requests: number;
  /** Estimated from the latency histogram's buckets; absent without requests or metrics. */
  readonly p50Ms?: number;
  readonly p99Ms?: number;
  /** Requests accepted and not yet executing now (`nv_inference_pending_request_count`). */
  readonly pending?: number;
  /** Executions by batch size in the window, smallest size first. */
  readonly batches: readonly { readonly size: number; readonly count: number }[];
}

/** The figures of one pipeline step over the window. */
export interface StepFigures {
  readonly pipeline: string;
  readonly step: string;
  /** Steps that started (and so have a duration) in the window. */
  readonly count: number;
  readonly p50Ms?: number;
  readonly p99Ms?: number;
}

/** What one feed event carries besides the index and the statistics. */
export interface LiveFigures {
  /** The window's length in seconds (0 for the first event: there is nothing to compare yet). */
  readonly windowSeconds: number;
  readonly models: readonly ModelFigures[];
  readonly steps: readonly StepFigures[];
}

/**
 * Estimates the `q` quantile of the observations counted by cumulative `buckets` (`le`
 * ascending, the last one `+Inf`), interpolating linearly inside the bucket the rank falls in,
 * as Prometheus' `histogram_quantile` does. A rank in the `+Inf` bucket gives the largest
 * finite bound. Undefined when nothing was counted.
 *
 * @example
 * bucketQuantile([{ le: 0.1, count: 5 }, { le: 0.2, count: 10 }, { le: Infinity, count: 10 }], 0.5); // 0.1
 */
export function bucketQuantile(buckets: HistogramCounts, q: number): number | undefined {
  const total = buckets.at(-1)?.count ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const b of buckets) {
    if (b.count >= rank && b.count > below) {
      if (!Number.isFinite(b.le)) return lower;
      return lower + ((b.le - lower) * (rank - below)) / (b.count - below);
    }
    if (Number.isFinite(b.le)) lower = b.le;
    below = b.count;
  }
  return lower;
}

/** `now - then`, bucket by bucket; `then` may lack series that appeared since (loads). */
function minus(now: HistogramCounts, then: HistogramCounts | undefined): HistogramCounts {
  return now.map((b, i) => ({
    le: b.le,
    count: b.count - (then?.[i]?.le === b.le ? then[i].count : 0),
  }));
}

interface Tick {
  readonly time: number;
  readonly stats: readonly ModelStatistics[];
  readonly sample: LiveSample | undefined;
}

const vkey = (name: string, version: string): string => `${name}\u0000${version}`;

/**
 * A sliding window over the last `size` feed ticks. {@link LiveWindow.push} adds a tick and
 * returns the figures between the oldest kept tick and it.
 *
 * @example
 * const window = new LiveWindow(10);
 * const figures = window.push(clock.wallNow(), engine.statistics(), await source());
 */
export class LiveWindow {
  readonly #size: number;
  readonly #ticks: Tick[] = [];

  constructor(size: number) {
    if (!Number.isSafeInteger(size) || size < 1)
      throw new RangeError(`size of the live window must be a positive integer, got ${size}`);
    this.#size = size;
  }

  push(time: number, stats: readonly ModelStatistics[], sample?: LiveSample): LiveFigures {
    this.#ticks.push({ time, stats, sample });
    if (this.#ticks.length > this.#size + 1) this.#ticks.shift();
    const first = this.#ticks[0]!;
    const now = this.#ticks.at(-1)!;
    return {
      windowSeconds: (now.time - first.time) / 1000,
      models: modelFigures(first, now),
      steps: stepFigures(first, now),
    };
  }
}

function modelFigures(first: Tick, now: Tick): ModelFigures[] {
  const before = new Map(first.stats.map(s => [vkey(s.name, s.version), s]));
  const series = new Map((now.sample?.models ?? []).map(m => [vkey(m.name, m.version), m]));
  const then = new Map((first.sample?.models ?? []).map(m => [vkey(m.name, m.version), m]));
  return now.stats.map(s => {
    const k = vkey(s.name, s.version);
    const old = before.get(k);
    const sizes = new Map((old?.batch_stats ?? []).map(b => [b.batch_size, b.compute_infer.count]));
    const batches = s.batch_stats
      .map(b => ({
        size: b.batch_size,
        count: b.compute_infer.count - (sizes.get(b.batch_size) ?? 0),
      }))
      .filter(b => b.count > 0)
      .sort((a, b) => a.size - b.size);
    const m = series.get(k);
    const latency = m ? minus(m.latency, then.get(k)?.latency) : undefined;
    return {
      name: s.name,
      version: s.version,
      requests:
        s.inference_stats.success.count -
        (old?.inference_stats.success.count ?? s.inference_stats.success.count),
      ...percentiles(latency),
      ...(m ? { pending: m.pending } : {}),
      batches,
    };
  });
}

function stepFigures(first: Tick, now: Tick): StepFigures[] {
  const key = (p: string, s: string): string => `${p}\u0000${s}`;
  const then = new Map((first.sample?.steps ?? []).map(s => [key(s.pipeline, s.step), s.duration]));
  return (now.sample?.steps ?? []).map(s => {
    const d = minus(s.duration, then.get(key(s.pipeline, s.step)));
    return { pipeline: s.pipeline, step: s.step, count: d.at(-1)?.count ?? 0, ...percentiles(d) };
  });
}

/** p50 and p99 in ms of a histogram in seconds, each only when defined. */
function percentiles(h: HistogramCounts | undefined): { p50Ms?: number; p99Ms?: number } {
  if (!h) return {};
  const [p50, p99] = [bucketQuantile(h, 0.5), bucketQuantile(h, 0.99)];
  return {
    ...(p50 === undefined ? {} : { p50Ms: p50 * 1000 }),
    ...(p99 === undefined ? {} : { p99Ms: p99 * 1000 }),
  };
}
