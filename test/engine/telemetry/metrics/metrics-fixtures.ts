/**
 * What the metrics tests register: a model version backed by a real StatsRecorder.
 *
 * @module
 */
import type { VersionCounters, VersionMetricsSource } from '../../../../engine/core/telemetry.js';
import { StatsRecorder } from '../../../../engine/scheduling/stats.js';

/** createMetrics options without process, CPU and GPU collectors. */
export const QUIET = { processMetrics: false, cpu: false, gpu: false } as const;

/** A model version whose statistics are a real StatsRecorder, as the engine registers it. */
export function version(model: string, v = '1', tags: Record<string, string> = {}, pending = 0) {
  const stats = new StatsRecorder(model, v);
  const source: VersionMetricsSource = {
    model,
    version: v,
    tags,
    loadSeconds: 1.25,
    counters: (): VersionCounters => ({
      stats: stats.snapshot(),
      failures: stats.failures(),
      pending,
      inflight: pending + 1,
    }),
  };
  return { stats, source };
}
