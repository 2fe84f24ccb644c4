/**
 * One load level of `braid perf`: load at a fixed concurrency or request rate, a warm-up, then
 * measurement windows until the last three agree (or the trials run out); the result merges
 * those three windows, client side and server side.
 *
 * @module
 */
import type { Clock } from '../../core/clock.js';
import { EngineError } from '../../core/errors.js';
import { serverBreakdown } from './breakdown.js';
import type { ServerBreakdown } from './breakdown.js';
import { startLoad } from './load-session.js';
import type { WindowResult } from './load-session.js';
import type { RequestDistribution } from './pacing.js';
import { concatSamples, percentile, summarize } from './percentiles.js';
import type { LatencySummary } from './percentiles.js';
import type { PreparedRequest } from './request-body.js';
import type { LoadClient } from './senders.js';
import { diffStats } from './server-stats.js';
import type { StatsSnapshot } from './server-stats.js';
import { isStable, STABLE_WINDOWS } from './stability.js';

/** A load level: outstanding requests (closed loop), or a send rate in requests/s. */
export interface LoadLevel {
  readonly kind: 'concurrency' | 'rate';
  readonly value: number;
}

/** Settings shared by every level of a run. */
export interface LevelSettings {
  /** The infer endpoint. */
  readonly url: string;
  readonly requests: readonly PreparedRequest[];
  /** Inferences per request (the batch size), to turn requests/s into inferences/s. */
  readonly batchSize: number;
  readonly windowMs: number;
  readonly warmupMs: number;
  /** Stability tolerance as a fraction (0.1 for 10 %). */
  readonly tolerance: number;
  readonly maxTrials: number;
  /** The latency stability watches: a percentile (1–99), or the mean when undefined. */
  readonly percentile?: number;
  readonly distribution: RequestDistribution;
  /** Connections of a request-rate level: the most requests it keeps outstanding. */
  readonly maxConnections: number;
  readonly client: LoadClient;
  /** Reads the model's statistics; undefined runs without the server-side breakdown. */
  readonly readStats?: () => Promise<StatsSnapshot>;
  readonly clock?: Clock;
  /** Called after every window. */
  readonly onWindow?: (progress: WindowProgress) => void;
}

/** What a level has measured so far, for a progress line. */
export interface WindowProgress {
  readonly level: LoadLevel;
  readonly trial: number;
  readonly maxTrials: number;
  readonly throughput: number;
  readonly latencyMs: number;
  readonly stable: boolean;
}

/** The merged measurement of one level. Latencies in ms, server phases in µs. */
export interface LevelResult {
  readonly level: LoadLevel;
  /** Inferences per second (requests/s × batch size), as perf_analyzer reports throughput. */
  readonly throughput: number;
  readonly requestsPerSec: number;
  /** Sends per second (in request-rate mode, compare with the level's rate). */
  readonly sendRate: number;
  readonly latencyMs: LatencySummary;
  readonly requests: number;
  readonly errors: { readonly count: number; readonly messages: readonly string[] };
  /** Windows measured, and whether the last three agreed. */
  readonly windows: number;
  readonly stable: boolean;
  /** The generator's own load: event-loop utilization (0–1) and CPU µs per request sent. */
  readonly generator: { readonly eventLoopUtilization: number; readonly cpuUsPerRequest: number };
  readonly server?: ServerBreakdown;
}

/** The latency stability watches: the chosen percentile, or the mean. */
function watchedLatency(w: WindowResult, p: number | undefined): number {
  return p === undefined ? summarize(w.latencies).mean : percentile(w.latencies.slice().sort(), p);
}

function merge(
  level: LoadLevel,
  windows: readonly WindowResult[],
  stable: boolean,
  batch: number,
  server?: ServerBreakdown,
): LevelResult {
  const last = windows.slice(-STABLE_WINDOWS);
  const durationS = last.reduce((a, w) => a + w.durationS, 0);
  const requests = last.reduce((a, w) => a + w.requests, 0);
  const sent = last.reduce((a, w) => a + w.sent, 0);
  const messages = [...new Set(last.flatMap(w => w.errors.messages))].slice(0, 5);
  const elu = last.reduce((a, w) => a + w.eventLoopUtilization * w.durationS, 0) / durationS;
  const cpuUs = last.reduce((a, w) => a + w.clientCpuUs, 0);
  return {
    level,
    throughput: (requests * batch) / durationS,
    requestsPerSec: requests / durationS,
    sendRate: sent / durationS,
    latencyMs: summarize(concatSamples(last.map(w => w.latencies))),
    requests,
    errors: { count: last.reduce((a, w) => a + w.errors.count, 0), messages },
    windows: windows.length,
    stable,
    generator: { eventLoopUtilization: elu, cpuUsPerRequest: cpuUs / Math.max(1, sent) },
    ...(server === undefined ? {} : { server }),
  };
}

function describeLevel(level: LoadLevel): string {
  return level.kind === 'concurrency'
    ? `concurrency ${level.value}`
    : `request rate ${level.value}/s`;
}

/**
 * Measures one level; throws when a whole window completed no request (with the first error).
 *
 * @example
 * const r = await measureLevel({ kind: 'concurrency', value: 4 }, settings);
 * r.latencyMs.p99;
 */
export async function measureLevel(level: LoadLevel, s: LevelSettings): Promise<LevelResult> {
  const rate =
    level.kind === 'rate' ? { ratePerSec: level.value, distribution: s.distribution } : {};
  const concurrency = level.kind === 'rate' ? s.maxConnections : level.value;
  const clock = s.clock ? { clock: s.clock } : {};
  const load = startLoad({
    url: s.url,
    requests: s.requests,
    concurrency,
    client: s.client,
    ...rate,
    ...clock,
  });
  try {
    if (s.warmupMs > 0) await load.idle(s.warmupMs);
    // A statistics read that fails costs this level its breakdown, not its measurement.
    const read = async () => (s.readStats ? s.readStats().catch(() => undefined) : undefined);
    const snaps: (StatsSnapshot | undefined)[] = [await read()];
    const windows: WindowResult[] = [];
    const figures: { throughput: number; latency: number }[] = [];
    let stable = false;
    while (!stable && windows.length < s.maxTrials) {
      const w = await load.window(s.windowMs);
      snaps.push(await read());
      if (w.requests === 0 && w.errors.count > 0) {
        throw new EngineError(
          'UNAVAILABLE',
          `${describeLevel(level)}: every request failed (${w.errors.count}), first: ${w.errors.messages[0] ?? ''}`,
        );
      }
      windows.push(w);
      figures.push({ throughput: w.throughput, latency: watchedLatency(w, s.percentile) });
      stable = isStable(figures, s.tolerance);
      const latest = figures[figures.length - 1]!;
      const throughput = latest.throughput * s.batchSize;
      s.onWindow?.({
        level,
        trial: windows.length,
        maxTrials: s.maxTrials,
        throughput,
        latencyMs: latest.latency,
        stable,
      });
    }
    const k = Math.min(STABLE_WINDOWS, windows.length);
    const first = snaps[snaps.length - 1 - k];
    const lastSnap = snaps[snaps.length - 1];
    const server = first && lastSnap ? serverBreakdown(diffStats(first, lastSnap)) : undefined;
    return merge(level, windows, stable, s.batchSize, server);
  } finally {
    await load.stop();
  }
}
