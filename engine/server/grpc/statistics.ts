/**
 * @module Model statistics in the shape of grpc_service.proto's ModelStatistics: uint64 fields
 * as decimal strings, as proto-loader expects them, and no Braid additions.
 */
import type { ModelStatistics } from '../../runtime/types.js';

/** The statistics in the proto's shape: uint64 fields as decimal strings, no Braid additions. */
export function grpcStatistics(s: ModelStatistics) {
  const d = (x: { count: number; ns: number }) => ({ count: String(x.count), ns: String(x.ns) });
  const i = s.inference_stats;
  return {
    name: s.name,
    version: s.version,
    last_inference: String(s.last_inference),
    inference_count: String(s.inference_count),
    execution_count: String(s.execution_count),
    inference_stats: {
      success: d(i.success),
      fail: d(i.fail),
      queue: d(i.queue),
      compute_input: d(i.compute_input),
      compute_infer: d(i.compute_infer),
      compute_output: d(i.compute_output),
      cache_hit: d(i.cache_hit),
      cache_miss: d(i.cache_miss),
    },
    response_stats: Object.fromEntries(
      Object.entries(s.response_stats).map(([k, r]) => [
        k,
        {
          compute_infer: d(r.compute_infer),
          compute_output: d(r.compute_output),
          success: d(r.success),
          fail: d(r.fail),
          empty_response: d(r.empty_response),
          cancel: d(r.cancel),
        },
      ]),
    ),
    batch_stats: s.batch_stats.map(b => ({
      batch_size: String(b.batch_size),
      compute_input: d(b.compute_input),
      compute_infer: d(b.compute_infer),
      compute_output: d(b.compute_output),
    })),
  };
}
