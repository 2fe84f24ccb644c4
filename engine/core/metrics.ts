/**
 * @module The metrics port: the runtime registers each loaded model version, the HTTP frontend
 * reports each request; engine/telemetry implements it with prom-client, and the no-op default
 * records nothing.
 */
import type { StatsObserver, VersionCounters } from './statistics-view.js';
import { noopStatsObserver } from './statistics-view.js';

/** A loaded model version as metrics see it. */
export interface VersionMetricsSource {
  readonly model: string;
  readonly version: string;
  /** The config's `metric_tags`, exported as `_<key>` labels. */
  readonly tags: Readonly<Record<string, string>>;
  readonly loadSeconds: number;
  /** The version may answer from the response cache: its `nv_cache_*` series are exported. */
  readonly cached?: boolean;
  /** Read at every scrape, so counters always equal the statistics endpoint. */
  counters(): VersionCounters;
}

/** A model version registered with the metrics: its observer, and `retire` for its unload. */
export interface VersionMetrics extends StatsObserver {
  /** Drops the version's series. Idempotent. */
  retire(): void;
}

/** One answered HTTP request. */
export interface HttpRequestSample {
  readonly method: string;
  /** The route pattern, e.g. `/v2/models/:model/infer`, never the raw path (bounded cardinality). */
  readonly route: string;
  readonly status: number;
  readonly seconds: number;
}

/**
 * The metrics port. The runtime registers each loaded model version and the HTTP frontend
 * reports each request. Every method is cheap and never throws.
 */
export interface InferenceMetrics {
  registerVersion(source: VersionMetricsSource): VersionMetrics;
  httpRequest(sample: HttpRequestSample): void;
}

/** Metrics that record nothing. */
export const noopMetrics: InferenceMetrics = {
  registerVersion: () => ({ ...noopStatsObserver, retire() {} }),
  httpRequest() {},
};
