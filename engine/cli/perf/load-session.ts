/**
 * The load generator of `braid perf`: N workers, each owning one keep-alive connection, send
 * prepared requests back to back (closed loop), optionally paced to a total rate on a shared
 * schedule, for as long as the session runs. Measurements are windows opened on the running
 * load: a request counts in the window in which its response has been read to the end, and
 * its latency runs from writing the request to that moment.
 *
 * @module
 */
import { performance } from 'node:perf_hooks';
import { systemClock } from '../../core/clock.js';
import type { Clock, TimerHandle } from '../../core/clock.js';
import { EngineError } from '../../core/errors.js';
import { intervalGenerator } from './pacing.js';
import type { RequestDistribution } from './pacing.js';
import type { PreparedRequest } from './request-body.js';
import { createSenders } from './senders.js';
import type { LoadClient, Sender, SenderPool } from './senders.js';

/** Options of {@link startLoad}. */
export interface LoadSessionOptions {
  /** Full URL of the endpoint, e.g. `http://127.0.0.1:8000/v2/models/simple/infer`. */
  readonly url: string;
  /** The requests to send, in turn (one is the usual case). */
  readonly requests: readonly PreparedRequest[];
  /** Workers, each with its own keep-alive connection: the most requests ever outstanding. */
  readonly concurrency: number;
  /** Caps the total send rate (requests/s over all workers). Default: no cap. */
  readonly ratePerSec?: number;
  /** Gaps between paced sends. Default constant. */
  readonly distribution?: RequestDistribution;
  /** Seed of the Poisson schedule. Default 1. */
  readonly seed?: number;
  /** `raw` (default): {@link RawConnection}s; `http`: node:http with keep-alive, ~3× the CPU. */
  readonly client?: LoadClient;
  /** Latency samples kept per window; completions beyond are counted, not sampled. Default 2^21. */
  readonly maxSamples?: number;
  /** How many error messages to keep per window. Default 5. */
  readonly keepErrors?: number;
  /** Stop waits this long for requests in flight, then closes their connections. Default 10 s. */
  readonly stopGraceMs?: number;
  readonly clock?: Clock;
}

/** What one window measured. Latencies are in milliseconds. */
export interface WindowResult {
  /** Successful (2xx) responses completed inside the window. */
  readonly requests: number;
  /** Non-2xx responses and transport failures inside the window, with the first few messages. */
  readonly errors: { readonly count: number; readonly messages: readonly string[] };
  /** The window's real length. */
  readonly durationS: number;
  /** `requests / durationS`. */
  readonly throughput: number;
  /** One latency per sampled successful request. */
  readonly latencies: Float64Array;
  /** Requests sent inside the window. */
  readonly sent: number;
  /** Requests sent since the session started, when the window closed. */
  readonly totalSent: number;
  /** CPU time of this process inside the window (user + system, µs). */
  readonly clientCpuUs: number;
  /** How busy this process's event loop was inside the window (0–1): the generator's headroom. */
  readonly eventLoopUtilization: number;
}

/** A running load; see {@link startLoad}. */
export interface LoadSession {
  /** Keeps the load running for `ms` without measuring (warm-up). */
  idle(ms: number): Promise<void>;
  /** Measures for `ms`. One window at a time. */
  window(ms: number): Promise<WindowResult>;
  /** Stops sending, lets requests in flight finish (within the grace), closes connections. Idempotent. */
  stop(): Promise<void>;
}

interface Window {
  readonly openedMs: number;
  sampled: number;
  requests: number;
  errors: number;
  sent: number;
  readonly messages: string[];
}

interface State {
  readonly clock: Clock;
  readonly keepErrors: number;
  /** Latencies of the open window; allocated once, as a window may sample millions. */
  readonly samples: Float64Array;
  readonly gap: (() => number) | undefined;
  nextSendMs: number;
  window: Window | undefined;
  totalSent: number;
  stopping: boolean;
  /** Wakes workers that wait for their paced slot, so stop() need not wait for it. */
  readonly sleepers: Map<TimerHandle, () => void>;
}

function record(s: State, startMs: number, error: string | undefined): void {
  const w = s.window;
  if (!w) return;
  if (error !== undefined) {
    w.errors++;
    if (w.messages.length < s.keepErrors) w.messages.push(error);
    return;
  }
  w.requests++;
  if (w.sampled < s.samples.length) s.samples[w.sampled++] = s.clock.now() - startMs;
}

/** Delay before the next send is allowed under the rate cap (0 without one). */
function paceDelayMs(s: State, nowMs: number): number {
  if (s.gap === undefined) return 0;
  const at = s.nextSendMs;
  // A worker that falls behind does not burst to catch up: the next slot follows from now.
  s.nextSendMs = Math.max(at, nowMs) + s.gap();
  return at > nowMs ? at - nowMs : 0;
}

function sleep(s: State, ms: number, then: () => void): void {
  const handle = s.clock.setTimeout(() => {
    s.sleepers.delete(handle);
    then();
  }, ms);
  s.sleepers.set(handle, then);
}

function runWorker(s: State, send: Sender): Promise<void> {
  return new Promise(resolve => {
    const fire = (): void => {
      if (s.stopping) return resolve();
      s.totalSent++;
      if (s.window) s.window.sent++;
      const startMs = s.clock.now();
      send(error => {
        record(s, startMs, error);
        // A refused connection fails at once; yield so the loop cannot starve the event loop.
        if (error === undefined) next();
        else setImmediate(next);
      });
    };
    const next = (): void => {
      if (s.stopping) return resolve();
      const delay = paceDelayMs(s, s.clock.now());
      if (delay === 0) fire();
      else sleep(s, delay, fire);
    };
    next();
  });
}

function openWindow(s: State): Window {
  if (s.window)
    throw new EngineError('INTERNAL', 'load generator: a measurement window is already open');
  s.window = { openedMs: s.clock.now(), sampled: 0, requests: 0, errors: 0, sent: 0, messages: [] };
  return s.window;
}

function wait(clock: Clock, ms: number): Promise<void> {
  return new Promise(resolve => clock.setTimeout(resolve, ms));
}

async function measureWindow(s: State, ms: number): Promise<WindowResult> {
  const w = openWindow(s);
  const cpu0 = process.cpuUsage();
  const elu0 = performance.eventLoopUtilization();
  await wait(s.clock, ms);
  s.window = undefined;
  const elu = performance.eventLoopUtilization(elu0).utilization;
  const cpu = process.cpuUsage(cpu0);
  const durationS = (s.clock.now() - w.openedMs) / 1000;
  return {
    requests: w.requests,
    errors: { count: w.errors, messages: w.messages },
    durationS,
    throughput: w.requests / durationS,
    latencies: s.samples.slice(0, w.sampled),
    sent: w.sent,
    totalSent: s.totalSent,
    clientCpuUs: cpu.user + cpu.system,
    eventLoopUtilization: elu,
  };
}

function createState(opts: LoadSessionOptions, clock: Clock): State {
  const rate = opts.ratePerSec;
  return {
    clock,
    keepErrors: opts.keepErrors ?? 5,
    samples: new Float64Array(opts.maxSamples ?? 2 ** 21),
    gap:
      rate === undefined
        ? undefined
        : intervalGenerator(rate, opts.distribution ?? 'constant', opts.seed ?? 1),
    nextSendMs: clock.now(),
    window: undefined,
    totalSent: 0,
    stopping: false,
    sleepers: new Map(),
  };
}

function stopper(
  s: State,
  pool: SenderPool,
  workers: Promise<void>,
  graceMs: number,
): () => Promise<void> {
  let stopping: Promise<void> | undefined;
  return () => {
    stopping ??= (async () => {
      s.stopping = true;
      s.window = undefined;
      for (const [handle, wake] of s.sleepers) {
        s.clock.clearTimeout(handle);
        wake();
      }
      s.sleepers.clear();
      // Closing a connection fails its request in flight, which ends that worker.
      const grace = s.clock.setTimeout(() => pool.close(), graceMs);
      await workers;
      s.clock.clearTimeout(grace);
      pool.close();
    })();
    return stopping;
  };
}

/**
 * Starts load against `opts.url` at once and returns the running session; measure with
 * {@link LoadSession.window}, and always {@link LoadSession.stop} it.
 *
 * @example
 * const load = startLoad({ url, requests: [request], concurrency: 8 });
 * await load.idle(1000);
 * const w = await load.window(5000);
 * await load.stop();
 */
export function startLoad(opts: LoadSessionOptions): LoadSession {
  if (!Number.isInteger(opts.concurrency) || opts.concurrency < 1) {
    throw new EngineError(
      'INVALID_ARG',
      `load generator: concurrency must be an integer >= 1, got ${opts.concurrency}`,
    );
  }
  const clock = opts.clock ?? systemClock;
  const s = createState(opts, clock);
  const pool = createSenders(
    new URL(opts.url),
    opts.requests,
    opts.concurrency,
    opts.client ?? 'raw',
  );
  const workers = Promise.all(pool.senders.map(send => runWorker(s, send))).then(() => undefined);
  return {
    idle: ms => wait(clock, ms),
    window: ms => measureWindow(s, ms),
    stop: stopper(s, pool, workers, opts.stopGraceMs ?? 10_000),
  };
}
