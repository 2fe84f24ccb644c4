/**
 * One measured run of the load generator in a single call: warm-up, then one window, then stop.
 * The benchmarks use it; `braid perf` drives {@link startLoad} window by window instead.
 *
 * @module
 */
import { summarize } from './percentiles.js';
import type { LatencySummary } from './percentiles.js';
import type { PreparedRequest } from './request-body.js';
import { startLoad } from './load-session.js';
import type { LoadSessionOptions } from './load-session.js';
import { cliClock } from './cli-clock.js';

/** Options of {@link runLoad}. */
export interface LoadOptions extends Omit<LoadSessionOptions, 'requests'> {
  /** The request body, sent unchanged by every request. */
  readonly body: Uint8Array;
  /** Extra request headers; `content-length` is set from the body. */
  readonly headers?: Readonly<Record<string, string>>;
  /** Length of the measured window. */
  readonly durationMs: number;
  /** Load sent before the window opens and not recorded. Default 1000. */
  readonly warmupMs?: number;
}

/** What {@link runLoad} measured inside its window. Latencies are in milliseconds. */
export interface LoadResult extends LatencySummary {
  /** Successful (2xx) responses completed inside the window. */
  readonly requests: number;
  /** Non-2xx responses and transport failures inside the window, with the first few messages. */
  readonly errors: { readonly count: number; readonly messages: readonly string[] };
  readonly durationS: number;
  /** `requests / durationS`. */
  readonly throughput: number;
  /** Every request sent, warm-up included (for per-request costs measured around the whole run). */
  readonly sent: number;
  /** CPU time the generator's process spent per request (user + system, µs), warm-up included. */
  readonly clientCpuUsPerRequest: number;
}

/**
 * Runs closed-loop load against `opts.url` and resolves with what happened inside the measured
 * window. Non-2xx responses count as errors, never as requests.
 *
 * @example
 * const r = await runLoad({ url, body, concurrency: 32, durationMs: 5000 });
 * console.log(`${r.throughput.toFixed(0)} req/s, p99 ${r.p99.toFixed(2)} ms`);
 */
export async function runLoad(opts: LoadOptions): Promise<LoadResult> {
  const { body, headers, durationMs, warmupMs, ...rest } = opts;
  const bytes = Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  const request: PreparedRequest = { body: bytes, headers: headers ?? {} };
  const cpu0 = process.cpuUsage();
  const load = startLoad({ clock: cliClock, ...rest, requests: [request] });
  try {
    const warmup = warmupMs ?? 1000;
    if (warmup > 0) await load.idle(warmup);
    const w = await load.window(durationMs);
    await load.stop();
    const cpu = process.cpuUsage(cpu0);
    return {
      requests: w.requests,
      errors: w.errors,
      durationS: w.durationS,
      throughput: w.throughput,
      ...summarize(w.latencies),
      sent: w.totalSent,
      clientCpuUsPerRequest: (cpu.user + cpu.system) / Math.max(1, w.totalSent),
    };
  } finally {
    await load.stop();
  }
}
