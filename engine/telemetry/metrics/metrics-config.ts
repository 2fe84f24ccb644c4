/**
 * @module `--metrics-config key=value` settings: Triton's latency families and quantiles, and
 * the buckets of Braid's own histograms.
 */
import { EngineError } from '../../core/errors.js';
import type { Mutable } from '../../core/mutable.js';

/** How latencies are exported; every field has a default. */
export interface MetricsConfig {
  /** `counter_latencies`: the cumulative `nv_inference_*_duration_us` counters (default true). */
  readonly counterLatencies: boolean;
  /** `summary_latencies`: the `nv_inference_*_summary_us` summaries (default false). */
  readonly summaryLatencies: boolean;
  /** `summary_quantiles`: quantiles of the summaries (Triton's default 0.5 … 0.999). */
  readonly summaryQuantiles: readonly number[];
  /** `braid_latency_buckets`: upper bounds in seconds of the latency histograms. */
  readonly latencyBuckets: readonly number[];
  /** `braid_batch_size_buckets`: upper bounds of the batch size histogram. */
  readonly batchSizeBuckets: readonly number[];
}

/** Defaults: Triton's (counters on, summaries off, `core:src/metric_model_reporter.h:72`) plus Braid's buckets. */
export const DEFAULT_METRICS_CONFIG: MetricsConfig = {
  counterLatencies: true,
  summaryLatencies: false,
  summaryQuantiles: [0.5, 0.9, 0.95, 0.99, 0.999],
  latencyBuckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  batchSizeBuckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
};

const KEYS = [
  'counter_latencies',
  'summary_latencies',
  'summary_quantiles',
  'braid_latency_buckets',
  'braid_batch_size_buckets',
];

/**
 * Parses the values of repeated `--metrics-config` flags. Each is `key=value` (Triton also
 * accepts a `group,` prefix; only the global group, empty, exists). Unknown keys and bad values
 * are INVALID_ARG naming the flag value.
 *
 * @example
 * parseMetricsConfig(['summary_latencies=true', 'braid_latency_buckets=0.01,0.1,1']).latencyBuckets; // [0.01, 0.1, 1]
 */
export function parseMetricsConfig(entries: readonly string[]): MetricsConfig {
  const out: Mutable<MetricsConfig> = { ...DEFAULT_METRICS_CONFIG };
  for (const entry of entries) {
    const eq = entry.indexOf('=');
    const key = eq < 0 ? '' : entry.slice(0, eq).replace(/^,/, '');
    const value = entry.slice(eq + 1);
    if (eq < 0 || !KEYS.includes(key)) {
      throw bad(entry, `expected key=value with key one of ${KEYS.join(', ')}`);
    }
    if (key === 'counter_latencies') out.counterLatencies = bool(entry, value);
    else if (key === 'summary_latencies') out.summaryLatencies = bool(entry, value);
    else if (key === 'summary_quantiles') out.summaryQuantiles = quantiles(entry, value);
    else if (key === 'braid_latency_buckets') out.latencyBuckets = buckets(entry, value);
    else out.batchSizeBuckets = buckets(entry, value);
  }
  return out;
}

function bad(entry: string, expected: string): EngineError {
  return new EngineError('INVALID_ARG', `--metrics-config '${entry}': ${expected}`);
}

function bool(entry: string, v: string): boolean {
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw bad(entry, 'expected true or false');
}

/** Triton's `q:err,q:err` form; the error bounds are accepted and not used (prom-client keeps exact windows). */
function quantiles(entry: string, v: string): number[] {
  const qs = unquote(v)
    .split(',')
    .map(p => Number(p.split(':')[0]));
  if (qs.length === 0 || qs.some(q => !Number.isFinite(q) || q <= 0 || q >= 1)) {
    throw bad(
      entry,
      'expected quantiles as q:error pairs with 0 < q < 1, e.g. 0.5:0.05,0.99:0.001',
    );
  }
  return qs;
}

function buckets(entry: string, v: string): number[] {
  const bs = unquote(v).split(',').map(Number);
  const increasing = bs.every((b, i) => i === 0 || b > bs[i - 1]!);
  if (bs.length === 0 || !increasing || bs.some(b => !Number.isFinite(b) || b <= 0)) {
    throw bad(
      entry,
      'expected increasing positive bucket bounds separated by commas, e.g. 0.005,0.05,0.5',
    );
  }
  return bs;
}

function unquote(v: string): string {
  return v.replace(/^"(.*)"$/, '$1');
}
