/**
 * @module The per-model families, Triton's `nv_*` set and Braid's per-model extras, computed at
 * scrape time from each version's statistics, so every value equals what the statistics
 * endpoint reports at that moment (reference §5.1–§5.3).
 */
import type { FailureReason } from '../../core/errors.js';
import type { VersionCounters } from '../../core/telemetry.js';
import type { Family, Sample } from './exposition.js';
import type { MetricsConfig } from './metrics-config.js';
import { HISTOGRAM_FAMILIES, SUMMARY_FAMILIES } from './version-series.js';
import type { HistogramKind, SummaryKind, VersionSeries } from './version-series.js';

interface ScalarFamily {
  readonly name: string;
  readonly help: string;
  readonly type: 'counter' | 'gauge';
  /** A latency counter, left out with `counter_latencies=false`. */
  readonly latency?: boolean;
  readonly value: (c: VersionCounters, s: VersionSeries) => number;
}

const us = (ns: number): number => Math.floor(ns / 1000);

/** Triton's counters and gauges, with Triton's help texts (`core:src/metrics.cc`), then Braid's gauges. */
const SCALARS: readonly ScalarFamily[] = [
  {
    name: 'nv_inference_request_success',
    help: 'Number of successful inference requests, all batch sizes',
    type: 'counter',
    value: c => c.stats.inference_stats.success.count,
  },
  {
    name: 'nv_inference_count',
    help: 'Number of inferences performed (does not include cached requests)',
    type: 'counter',
    value: c => c.stats.inference_count,
  },
  {
    name: 'nv_inference_exec_count',
    help: 'Number of model executions performed (does not include cached requests)',
    type: 'counter',
    value: c => c.stats.execution_count,
  },
  {
    name: 'nv_inference_request_duration_us',
    help: 'Cumulative inference request duration in microseconds (includes cached requests)',
    type: 'counter',
    latency: true,
    value: c => us(c.stats.inference_stats.success.ns),
  },
  {
    name: 'nv_inference_queue_duration_us',
    help: 'Cumulative inference queuing duration in microseconds (includes cached requests)',
    type: 'counter',
    latency: true,
    value: c => us(c.stats.inference_stats.queue.ns),
  },
  {
    name: 'nv_inference_compute_input_duration_us',
    help: 'Cumulative compute input duration in microseconds (does not include cached requests)',
    type: 'counter',
    latency: true,
    value: c => us(c.stats.inference_stats.compute_input.ns),
  },
  {
    name: 'nv_inference_compute_infer_duration_us',
    help: 'Cumulative compute inference duration in microseconds (does not include cached requests)',
    type: 'counter',
    latency: true,
    value: c => us(c.stats.inference_stats.compute_infer.ns),
  },
  {
    name: 'nv_inference_compute_output_duration_us',
    help: 'Cumulative inference compute output duration in microseconds (does not include cached requests)',
    type: 'counter',
    latency: true,
    value: c => us(c.stats.inference_stats.compute_output.ns),
  },
  {
    name: 'nv_inference_pending_request_count',
    help: 'Instantaneous number of pending requests awaiting execution per-model.',
    type: 'gauge',
    value: c => c.pending,
  },
  {
    name: 'nv_model_load_duration_secs',
    help: 'Model load time in seconds',
    type: 'gauge',
    value: (_c, s) => Math.round(s.source.loadSeconds * 1e9) / 1e9,
  },
  {
    name: 'braid_queue_depth',
    help: 'Requests waiting in the scheduler queue of the model version (not yet executing)',
    type: 'gauge',
    value: c => c.pending,
  },
  {
    name: 'braid_inflight_requests',
    help: 'Requests accepted by the model version and not yet finished, queued or executing',
    type: 'gauge',
    value: c => c.inflight,
  },
];

/** Triton's per-model cache families (`core:src/metrics.cc`), for versions that may use the cache. */
const CACHE_SCALARS: readonly ScalarFamily[] = [
  {
    name: 'nv_cache_num_hits_per_model',
    help: 'Number of cache hits per model',
    type: 'counter',
    value: c => c.stats.inference_stats.cache_hit.count,
  },
  {
    name: 'nv_cache_num_misses_per_model',
    help: 'Number of cache misses per model',
    type: 'counter',
    value: c => c.stats.inference_stats.cache_miss.count,
  },
  {
    name: 'nv_cache_hit_duration_per_model',
    help: 'Total cache hit duration per model, in microseconds',
    type: 'counter',
    latency: true,
    value: c => us(c.stats.inference_stats.cache_hit.ns),
  },
  {
    name: 'nv_cache_miss_duration_per_model',
    help: 'Total cache miss (insert+lookup) duration per model, in microseconds',
    type: 'counter',
    latency: true,
    value: c => us(c.stats.inference_stats.cache_miss.ns),
  },
];

const REASONS: readonly FailureReason[] = ['REJECTED', 'CANCELED', 'BACKEND', 'OTHER'];

/**
 * Every per-model family for the versions loaded now, in Triton's order followed by Braid's.
 * Counters are read once per version per scrape.
 *
 * @example
 * const text = renderFamilies(await modelFamilies(liveSeries, config));
 */
export async function modelFamilies(
  series: readonly VersionSeries[],
  config: MetricsConfig,
): Promise<Family[]> {
  const read = series.map(s => ({ s, c: s.source.counters() }));
  const families: Family[] = [];
  const scalar = (f: ScalarFamily, rows = read): Family => ({
    name: f.name,
    help: f.help,
    type: f.type,
    samples: rows.map(({ s, c }) => ({ value: f.value(c, s), labels: s.labels })),
  });
  const shown = (f: ScalarFamily) => config.counterLatencies || !f.latency;
  const [success, ...rest] = SCALARS.filter(shown);
  families.push(scalar(success!), failureFamily(read));
  families.push(...rest.map(f => scalar(f)));
  const cached = read.filter(r => r.s.source.cached);
  if (cached.length > 0) families.push(...CACHE_SCALARS.filter(shown).map(f => scalar(f, cached)));
  for (const kind of Object.keys(SUMMARY_FAMILIES) as SummaryKind[]) {
    const [name, help] = SUMMARY_FAMILIES[kind];
    families.push({
      name,
      help,
      type: 'summary',
      samples: await collect(series, s => s.summary(kind)),
    });
  }
  for (const kind of Object.keys(HISTOGRAM_FAMILIES) as HistogramKind[]) {
    const [name, help] = HISTOGRAM_FAMILIES[kind];
    families.push({
      name,
      help,
      type: 'histogram',
      samples: await collect(series, s => s.histogram(kind)),
    });
  }
  return families;
}

/** `nv_inference_request_failure` with one series per reason, zeros included, as Triton exports it. */
function failureFamily(read: readonly { s: VersionSeries; c: VersionCounters }[]): Family {
  const samples: Sample[] = [];
  for (const { s, c } of read) {
    for (const reason of REASONS) {
      const { model, version, ...tags } = s.labels;
      samples.push({
        value: c.failures[reason],
        labels: { model: model!, reason, version: version!, ...tags },
      });
    }
  }
  const help = 'Number of failed inference requests, all batch sizes';
  return { name: 'nv_inference_request_failure', help, type: 'counter', samples };
}

async function collect(
  series: readonly VersionSeries[],
  get: (s: VersionSeries) => Promise<Sample[]>,
): Promise<Sample[]> {
  return (await Promise.all(series.map(get))).flat();
}
