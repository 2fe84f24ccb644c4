/**
 * @module What metrics read of a model version's statistics: a snapshot at scrape time, and an
 * observer that sees each measurement as it is recorded.
 */
import type { FailureReason } from './errors.js';

/** A cumulative duration as statistics keep it. */
export interface CountNs {
  readonly count: number;
  readonly ns: number;
}

/**
 * The statistics of one model version that metrics read: a structural subset of the
 * statistics-extension JSON (reference §5.3), so a statistics snapshot is one as it is.
 */
export interface StatisticsView {
  readonly inference_count: number;
  readonly execution_count: number;
  readonly inference_stats: {
    readonly success: CountNs;
    readonly fail: CountNs;
    readonly queue: CountNs;
    readonly compute_input: CountNs;
    readonly compute_infer: CountNs;
    readonly compute_output: CountNs;
    readonly cache_hit: CountNs;
    readonly cache_miss: CountNs;
  };
}

/** What a model version reports at scrape time. */
export interface VersionCounters {
  readonly stats: StatisticsView;
  /** Failed requests by reason; they sum to `stats.inference_stats.fail.count`. */
  readonly failures: Readonly<Record<FailureReason, number>>;
  /** Requests accepted but not yet executing (Triton's pending request count). */
  readonly pending: number;
  /** Requests accepted and not yet finished, queued or executing. */
  readonly inflight: number;
}

/**
 * Receives every measurement a model version's statistics record, as it is recorded, so
 * distributions (summaries, histograms) see each observation. Called on the hot path: keep it
 * cheap and never throw.
 */
export interface StatsObserver {
  /** A request finished after `ns`; `reason` is set when it failed. */
  request(ok: boolean, ns: number, reason?: FailureReason): void;
  /** A request left the queue after waiting `ns`. */
  queued(ns: number): void;
  /** A batch of `batchSize` inferences executed, with its three compute phases in ns. */
  execution(batchSize: number, inputNs: number, inferNs: number, outputNs: number): void;
  /** A decoupled model sent response `index` of a request, `sinceStartNs` after its execution started. */
  response?(index: number, sinceStartNs: number): void;
  /** A decoupled model's request ended after `count` responses. */
  responsesEnded?(count: number): void;
}

/** The observer that observes nothing. */
export const noopStatsObserver: StatsObserver = { request() {}, queued() {}, execution() {} };
