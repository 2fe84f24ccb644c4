/**
 * @module The Prometheus metrics of a Braid server: Triton's per-model families computed from
 * the statistics at scrape time, Braid's histograms, HTTP and pipeline-step metrics, host and
 * GPU metrics polled at an interval, and Node's process metrics.
 */
import { collectDefaultMetrics, Counter, Histogram, Registry } from 'prom-client';
import { systemClock } from '../../core/clock.js';
import type { Clock } from '../../core/clock.js';
import { noopLogger } from '../../core/logger.js';
import type { Logger } from '../../core/logger.js';
import type {
  HttpRequestSample,
  InferenceMetrics,
  VersionMetrics,
  VersionMetricsSource,
} from '../../core/telemetry.js';
import { PROMETHEUS_CONTENT_TYPE, renderFamilies } from './exposition.js';
import type { Labels, Sample } from './exposition.js';
import { GpuMetrics } from './gpu-metrics.js';
import { HostMetrics } from './host-metrics.js';
import { DEFAULT_METRICS_CONFIG } from './metrics-config.js';
import type { MetricsConfig } from './metrics-config.js';
import { modelFamilies } from './model-families.js';
import { Poller } from './poller.js';
import { VersionSeries } from './version-series.js';

/** Options of {@link createMetrics}. */
export interface MetricsOptions {
  readonly config?: MetricsConfig;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Polling interval of the host and GPU metrics (`--metrics-interval-ms`, default 2000 as Triton). */
  readonly intervalMs?: number;
  /** `nv_cpu_*` from /proc (`--allow-cpu-metrics`, default true). */
  readonly cpu?: boolean;
  /** `nv_gpu_*` from nvidia-smi (`--allow-gpu-metrics`, default true). */
  readonly gpu?: boolean;
  /** Node's process metrics (`process_*`, `nodejs_*`; default true). */
  readonly processMetrics?: boolean;
  /** Replaces how /proc files and nvidia-smi are read, for tests. */
  readonly readProc?: (path: string) => Promise<string>;
  readonly nvidiaSmi?: () => Promise<string>;
}

/** One pipeline step of one request, as the composition root reports it from the pipeline observer. */
export interface PipelineStepSample {
  readonly pipeline: string;
  readonly step: string;
  /** How the step ended, in the pipelines' names: ran, skipped, failed, defaulted, returned, cancelled. */
  readonly outcome: string;
  /** Calls retried (map items included). */
  readonly retries: number;
  /** 0 for a step that never started. */
  readonly seconds: number;
}

/** Where pipeline step samples go: `braid_pipeline_step*` metrics. */
export interface PipelineStepMetrics {
  pipelineStep(sample: PipelineStepSample): void;
}

/** A histogram's cumulative counts: `le` ascending (seconds), the last one `+Inf`. */
export type BucketCounts = readonly { readonly le: number; readonly count: number }[];

/** The distributions the web console's live feed reads (see {@link BraidMetrics.liveSample}). */
export interface LiveSample {
  readonly models: readonly {
    readonly name: string;
    readonly version: string;
    readonly latency: BucketCounts;
    readonly pending: number;
  }[];
  readonly steps: readonly {
    readonly pipeline: string;
    readonly step: string;
    readonly duration: BucketCounts;
  }[];
}

/** Outcomes of steps that did not run, so have no duration. */
const NOT_RUN = new Set(['skipped', 'returned']);

/**
 * The metrics port with a Prometheus registry behind it, and the pipeline step metrics. `start` begins polling host and GPU
 * metrics; `render` produces the text a scrape returns.
 */
export class BraidMetrics implements InferenceMetrics, PipelineStepMetrics {
  /** Content type of {@link BraidMetrics.render}'s text. */
  readonly contentType = PROMETHEUS_CONTENT_TYPE;
  readonly #config: MetricsConfig;
  readonly #registry = new Registry();
  /** Live versions by label set; a reload of the same version replaces the older entry. */
  readonly #series = new Map<string, VersionSeries>();
  readonly #http: {
    count: Counter<'method' | 'route' | 'status'>;
    duration: Histogram<'method' | 'route'>;
  };
  readonly #steps: {
    count: Counter<'pipeline' | 'step' | 'outcome'>;
    retries: Counter<'pipeline' | 'step'>;
    duration: Histogram<'pipeline' | 'step'>;
  };
  readonly #pollers: Poller[] = [];

  constructor(opts: MetricsOptions = {}) {
    this.#config = opts.config ?? DEFAULT_METRICS_CONFIG;
    const registers = [this.#registry];
    const buckets = [...this.#config.latencyBuckets];
    this.#http = {
      count: new Counter({
        name: 'braid_http_requests_total',
        help: 'HTTP requests answered, by method, route pattern and status',
        labelNames: ['method', 'route', 'status'],
        registers,
      }),
      duration: new Histogram({
        name: 'braid_http_request_duration_seconds',
        help: 'Time to answer HTTP requests, in seconds',
        labelNames: ['method', 'route'],
        buckets,
        registers,
      }),
    };
    this.#steps = {
      count: new Counter({
        name: 'braid_pipeline_steps_total',
        help: 'Pipeline steps by outcome: ran, skipped, failed, defaulted, returned or cancelled',
        labelNames: ['pipeline', 'step', 'outcome'],
        registers,
      }),
      retries: new Counter({
        name: 'braid_pipeline_step_retries_total',
        help: 'Retried calls of pipeline steps',
        labelNames: ['pipeline', 'step'],
        registers,
      }),
      duration: new Histogram({
        name: 'braid_pipeline_step_duration_seconds',
        help: 'Duration of pipeline steps that started (ran, failed, defaulted or cancelled), in seconds',
        labelNames: ['pipeline', 'step'],
        buckets,
        registers,
      }),
    };
    if (opts.processMetrics ?? true) collectDefaultMetrics({ register: this.#registry });
    this.#addPollers(opts);
  }

  registerVersion(source: VersionMetricsSource): VersionMetrics {
    const series = new VersionSeries(source, this.#config, s => {
      const key = JSON.stringify(s.labels);
      if (this.#series.get(key) === s) this.#series.delete(key);
    });
    this.#series.set(JSON.stringify(series.labels), series);
    return series;
  }

  httpRequest(s: HttpRequestSample): void {
    this.#http.count.inc({ method: s.method, route: s.route, status: String(s.status) });
    this.#http.duration.observe({ method: s.method, route: s.route }, s.seconds);
  }

  pipelineStep(s: PipelineStepSample): void {
    const labels = { pipeline: s.pipeline, step: s.step };
    this.#steps.count.inc({ ...labels, outcome: s.outcome });
    if (s.retries > 0) this.#steps.retries.inc(labels, s.retries);
    if (!NOT_RUN.has(s.outcome)) this.#steps.duration.observe(labels, s.seconds);
  }

  /**
   * What the console's live feed reads at each tick: every live version's request latency
   * histogram and pending request count, and every pipeline step's duration histogram. Only
   * read while a console page is open.
   */
  async liveSample(): Promise<LiveSample> {
    const models = await Promise.all(
      [...this.#series.values()].map(async s => ({
        name: s.source.model,
        version: s.source.version,
        latency: cumulativeBuckets(await s.histogram('latency')),
        pending: s.source.counters().pending,
      })),
    );
    const steps = new Map<string, Sample[]>();
    for (const v of (await this.#steps.duration.get()).values) {
      const key = JSON.stringify([v.labels.pipeline, v.labels.step]);
      steps.set(key, [
        ...(steps.get(key) ?? []),
        {
          value: v.value,
          labels: v.labels as Labels,
          ...(v.metricName ? { name: v.metricName } : {}),
        },
      ]);
    }
    return {
      models,
      steps: [...steps].map(([key, samples]) => {
        const [pipeline, step] = JSON.parse(key) as [string, string];
        return { pipeline, step, duration: cumulativeBuckets(samples) };
      }),
    };
  }

  /** The Prometheus text of every metric, per-model families first. */
  async render(): Promise<string> {
    const models = renderFamilies(await modelFamilies([...this.#series.values()], this.#config));
    return models + (await this.#registry.metrics());
  }

  /** Starts polling host and GPU metrics. Idempotent. */
  start(): void {
    for (const p of this.#pollers) p.start();
  }

  /** Stops polling. Idempotent. */
  async stop(): Promise<void> {
    await Promise.all(this.#pollers.map(p => p.stop()));
  }

  #addPollers(opts: MetricsOptions): void {
    const clock = opts.clock ?? systemClock;
    const interval = opts.intervalMs ?? 2000;
    if (opts.cpu ?? true) {
      const host = new HostMetrics({
        registry: this.#registry,
        ...(opts.readProc ? { read: opts.readProc } : {}),
      });
      this.#pollers.push(new Poller(clock, interval, () => host.poll()));
    }
    if (opts.gpu ?? true) {
      const logger = opts.logger ?? noopLogger;
      const gpu = new GpuMetrics({
        registry: this.#registry,
        clock,
        logger,
        ...(opts.nvidiaSmi ? { query: opts.nvidiaSmi } : {}),
      });
      const poller: Poller = new Poller(clock, interval, async () => {
        await gpu.poll();
        if (!gpu.available) void poller.stop();
      });
      this.#pollers.push(poller);
    }
  }
}

/** A histogram's `_bucket` samples as `{ le, count }`, `le` ascending (`+Inf` last). */
function cumulativeBuckets(samples: readonly Sample[]): BucketCounts {
  return samples
    .filter(s => s.name?.endsWith('_bucket') && s.labels.le !== undefined)
    .map(s => ({ le: s.labels.le === '+Inf' ? Infinity : Number(s.labels.le), count: s.value }))
    .sort((a, b) => a.le - b.le);
}

/**
 * Creates the metrics of a server.
 *
 * @example
 * const metrics = createMetrics({ config: parseMetricsConfig(['summary_latencies=true']) });
 * const engine = await createEngine({ ..., metrics });
 * metrics.start();
 * const text = await metrics.render();
 */
export function createMetrics(opts: MetricsOptions = {}): BraidMetrics {
  return new BraidMetrics(opts);
}
