/**
 * @module The series of one loaded model version: its labels, the source its counters are read
 * from at scrape time, and the distributions (summaries, histograms) fed by its statistics.
 */
import { Histogram, Summary } from 'prom-client';
import type { FailureReason } from '../../core/errors.js';
import type { VersionMetrics, VersionMetricsSource } from '../../core/telemetry.js';
import { tagLabel } from './exposition.js';
import type { Labels, Sample } from './exposition.js';
import type { MetricsConfig } from './metrics-config.js';

/** The latency summaries Triton exports with `summary_latencies=true`, by family name. */
export const SUMMARY_FAMILIES = {
  request: [
    'nv_inference_request_summary_us',
    'Summary of inference request duration in microseconds (includes cached requests)',
  ],
  queue: [
    'nv_inference_queue_summary_us',
    'Summary of inference queuing duration in microseconds (includes cached requests)',
  ],
  compute_input: [
    'nv_inference_compute_input_summary_us',
    'Cumulative compute input duration in microseconds (does not include cached requests)',
  ],
  compute_infer: [
    'nv_inference_compute_infer_summary_us',
    'Cumulative compute inference duration in microseconds (does not include cached requests)',
  ],
  compute_output: [
    'nv_inference_compute_output_summary_us',
    'Cumulative inference compute output duration in microseconds (does not include cached requests)',
  ],
} as const;

/** One of the latency summaries. */
export type SummaryKind = keyof typeof SUMMARY_FAMILIES;

/** Braid's per-version histograms, by family name. */
export const HISTOGRAM_FAMILIES = {
  latency: [
    'braid_inference_request_duration_seconds',
    'Duration of successful inference requests in the server, in seconds',
  ],
  batch: [
    'braid_inference_batch_size',
    'Batch size of each model execution (inferences per execution)',
  ],
  first_response: [
    'braid_inference_first_response_seconds',
    "Time from the start of a decoupled model's execution to its first response, in seconds",
  ],
  responses: [
    'braid_inference_responses_per_request',
    'Responses a decoupled model sent per request',
  ],
} as const;

/** Buckets of the responses-per-request histogram: none, one, and powers of two. */
const RESPONSE_COUNT_BUCKETS = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];

/** One of Braid's per-version histograms. */
export type HistogramKind = keyof typeof HISTOGRAM_FAMILIES;

/**
 * The metrics of one model version. Its statistics call it for every record (see
 * StatsRecorder.observe); summaries observe exactly what the matching counters add up, so a
 * summary's `_count` and `_sum` agree with the statistics endpoint. The summaries keep Triton's
 * window (prometheus-cpp's default: 60 s in 5 buckets).
 */
export class VersionSeries implements VersionMetrics {
  readonly labels: Labels;
  readonly source: VersionMetricsSource;
  readonly #summaries: Readonly<Record<SummaryKind, Summary>> | undefined;
  readonly #histograms: Readonly<Record<HistogramKind, Histogram>>;
  readonly #onRetire: (s: VersionSeries) => void;
  #retired = false;

  constructor(
    source: VersionMetricsSource,
    config: MetricsConfig,
    onRetire: (s: VersionSeries) => void,
  ) {
    this.source = source;
    this.labels = versionLabels(source);
    this.#onRetire = onRetire;
    this.#summaries = config.summaryLatencies ? summaries(config.summaryQuantiles) : undefined;
    this.#histograms = {
      latency: histogram('latency', config.latencyBuckets),
      batch: histogram('batch', config.batchSizeBuckets),
      first_response: histogram('first_response', config.latencyBuckets),
      responses: histogram('responses', RESPONSE_COUNT_BUCKETS),
    };
  }

  request(ok: boolean, ns: number, _reason?: FailureReason): void {
    if (!ok) return;
    this.#summaries?.request.observe(us(ns));
    this.#histograms.latency.observe(Math.round(ns) / 1e9);
  }

  queued(ns: number): void {
    this.#summaries?.queue.observe(us(ns));
  }

  execution(batchSize: number, inputNs: number, inferNs: number, outputNs: number): void {
    this.#histograms.batch.observe(batchSize);
    const s = this.#summaries;
    if (!s) return;
    s.compute_input.observe(us(inputNs));
    s.compute_infer.observe(us(inferNs));
    s.compute_output.observe(us(outputNs));
  }

  response(index: number, sinceStartNs: number): void {
    if (index === 0) this.#histograms.first_response.observe(Math.round(sinceStartNs) / 1e9);
  }

  responsesEnded(count: number): void {
    this.#histograms.responses.observe(count);
  }

  retire(): void {
    if (this.#retired) return;
    this.#retired = true;
    this.#onRetire(this);
  }

  /** A summary's samples (quantiles, `_sum`, `_count`) under this version's labels; none when summaries are off. */
  async summary(kind: SummaryKind): Promise<Sample[]> {
    const s = this.#summaries?.[kind];
    return s ? this.#relabel(await s.get()) : [];
  }

  /** A histogram's samples (`_bucket`, `_sum`, `_count`) under this version's labels. */
  async histogram(kind: HistogramKind): Promise<Sample[]> {
    return this.#relabel(await this.#histograms[kind].get());
  }

  #relabel(metric: { values: readonly PromValue[] }): Sample[] {
    return metric.values.map(v => {
      const labels: Record<string, string | number> = { ...this.labels };
      for (const [k, l] of Object.entries(v.labels)) if (l !== undefined) labels[k] = l;
      return v.metricName === undefined
        ? { value: v.value, labels }
        : { value: v.value, labels, name: v.metricName };
    });
  }
}

/** A value as prom-client's `get()` reports it. */
interface PromValue {
  readonly value: number;
  readonly labels: Readonly<Record<string, string | number | undefined>>;
  readonly metricName?: string;
}

/** Microseconds from fractional nanoseconds, kept to whole nanoseconds so values print short. */
function us(ns: number): number {
  return Math.round(ns) / 1000;
}

/** `model`, `version`, then `_<key>` for each metric tag, as Triton labels per-model series. */
export function versionLabels(
  source: Pick<VersionMetricsSource, 'model' | 'version' | 'tags'>,
): Labels {
  const labels: Record<string, string> = { model: source.model, version: source.version };
  for (const [k, v] of Object.entries(source.tags)) labels[tagLabel(k)] = v;
  return labels;
}

function summaries(quantiles: readonly number[]): Record<SummaryKind, Summary> {
  const make = (kind: SummaryKind): Summary => {
    const [name, help] = SUMMARY_FAMILIES[kind];
    return new Summary({
      name,
      help,
      percentiles: [...quantiles],
      maxAgeSeconds: 60,
      ageBuckets: 5,
      registers: [],
    });
  };
  return {
    request: make('request'),
    queue: make('queue'),
    compute_input: make('compute_input'),
    compute_infer: make('compute_infer'),
    compute_output: make('compute_output'),
  };
}

function histogram(kind: HistogramKind, buckets: readonly number[]): Histogram {
  const [name, help] = HISTOGRAM_FAMILIES[kind];
  return new Histogram({ name, help, buckets: [...buckets], registers: [] });
}
