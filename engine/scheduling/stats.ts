/**
 * @module The statistics of one model version, in the statistics extension's shape (reference
 * §5.3), with the runtime recording requests and the scheduler recording executions.
 */
import type { FailureReason } from '../core/errors.js';
import type { ExecutionStats, ResponsesOutcome } from '../core/scheduler.js';
import { noopStatsObserver } from '../core/telemetry.js';
import type { StatsObserver } from '../core/telemetry.js';

/** A cumulative duration: how many times, and how long in total (nanoseconds). */
export interface Duration {
  count: number;
  ns: number;
}

/** Per-batch-size execution statistics. */
export interface BatchStats {
  batch_size: number;
  compute_input: Duration;
  compute_infer: Duration;
  compute_output: Duration;
}

/** Statistics of one model version in the statistics-extension JSON shape (reference §5.3). */
export interface ModelStatistics {
  name: string;
  version: string;
  /** Milliseconds since the epoch; 0 before the first inference. */
  last_inference: number;
  inference_count: number;
  execution_count: number;
  inference_stats: {
    success: Duration;
    fail: Duration;
    queue: Duration;
    compute_input: Duration;
    compute_infer: Duration;
    compute_output: Duration;
    cache_hit: Duration;
    cache_miss: Duration;
  };
  /**
   * Decoupled models: per response index ("0" is every request's first response), as Triton's
   * InferResponseStatistics; `success` and `compute_infer` time each response since the one
   * before it (since the execution started, for the first). Empty for other models.
   */
  response_stats: Record<string, ResponseStats>;
  batch_stats: BatchStats[];
  memory_usage: never[];
  /** Braid's additions, which its scheduler adds: a pipeline's steps as `braid_steps`. */
  readonly [field: `braid_${string}`]: unknown;
}

/** Triton's InferResponseStatistics: one response index of a decoupled model. */
export interface ResponseStats {
  compute_infer: Duration;
  compute_output: Duration;
  success: Duration;
  fail: Duration;
  empty_response: Duration;
  cancel: Duration;
}

const zero = (): Duration => ({ count: 0, ns: 0 });

/** Failed requests by reason, as `nv_inference_request_failure{reason}` counts them. */
export type FailureCounts = Record<FailureReason, number>;

/**
 * Accumulates the statistics of one model version. Its scheduler records executions (the
 * {@link ExecutionStats} port); the runtime records request outcomes. Counting follows Triton (reference §5.2): a request is one success
 * or failure, an execution of a batch of n is n inferences and one execution. Every record is
 * also passed to the {@link StatsObserver} set with {@link StatsRecorder.observe}, so metrics
 * see exactly what the statistics count.
 */
export class StatsRecorder implements ExecutionStats {
  #lastInference = 0;
  #inferenceCount = 0;
  #executionCount = 0;
  readonly #s = {
    success: zero(),
    fail: zero(),
    queue: zero(),
    compute_input: zero(),
    compute_infer: zero(),
    compute_output: zero(),
    cache_hit: zero(),
    cache_miss: zero(),
  };
  readonly #batches = new Map<number, BatchStats>();
  readonly #responses: ResponseStats[] = [];
  readonly #failures: FailureCounts = { REJECTED: 0, CANCELED: 0, BACKEND: 0, OTHER: 0 };
  #observer: StatsObserver = noopStatsObserver;
  readonly name: string;
  readonly version: string;

  constructor(name: string, version: string) {
    this.name = name;
    this.version = version;
  }

  /** Sends every later record to `observer` as well (replacing any earlier one). */
  observe(observer: StatsObserver): void {
    this.#observer = observer;
  }

  /**
   * One request finished; `ns` is its end-to-end time in the server. A failure counts under
   * `reason` (default OTHER).
   */
  request(ok: boolean, ns: number, wallMs: number, reason: FailureReason = 'OTHER'): void {
    const d = ok ? this.#s.success : this.#s.fail;
    d.count++;
    d.ns += ns;
    if (ok) this.#lastInference = wallMs;
    else this.#failures[reason]++;
    this.#observer.request(ok, ns, ok ? undefined : reason);
  }

  /** One request left the queue to execute after waiting `ns`. */
  queued(ns: number): void {
    this.#s.queue.count++;
    this.#s.queue.ns += ns;
    this.#observer.queued(ns);
  }

  /**
   * A request was answered from the response cache: `ns` is the lookup. As in Triton, it counts
   * as a success (recorded by {@link request}) but neither as an inference nor an execution.
   */
  cacheHit(ns: number): void {
    add(this.#s.cache_hit, ns);
  }

  /** A request missed the response cache: `ns` is the lookup plus the insertion of its response. */
  cacheMiss(ns: number): void {
    add(this.#s.cache_miss, ns);
  }

  /**
   * A request of `batchSize` inferences that its model ran as one execution with no compute
   * phases of its own: a pipeline, whose compute happens (and is counted) in its steps' models.
   */
  ranWhole(batchSize: number): void {
    this.#inferenceCount += batchSize;
    this.#executionCount++;
  }

  /** One execution of a batch of `batchSize` inferences, with its three compute phases in ns. */
  execution(batchSize: number, inputNs: number, inferNs: number, outputNs: number): void {
    this.#inferenceCount += batchSize;
    this.#executionCount++;
    add(this.#s.compute_input, inputNs);
    add(this.#s.compute_infer, inferNs);
    add(this.#s.compute_output, outputNs);
    let b = this.#batches.get(batchSize);
    if (!b) {
      b = {
        batch_size: batchSize,
        compute_input: zero(),
        compute_infer: zero(),
        compute_output: zero(),
      };
      this.#batches.set(batchSize, b);
    }
    add(b.compute_input, inputNs);
    add(b.compute_infer, inferNs);
    add(b.compute_output, outputNs);
    this.#observer.execution(batchSize, inputNs, inferNs, outputNs);
  }

  /** A decoupled model sent response `index` of a request, `ns` after the one before it. */
  response(index: number, ns: number, sinceStartNs: number): void {
    const r = this.#responseAt(index);
    add(r.success, ns);
    add(r.compute_infer, ns);
    this.#observer.response?.(index, sinceStartNs);
  }

  /**
   * A decoupled model's request ended after `count` responses, `ns` after the last: Triton
   * counts the final flag sent alone as an empty response at the next index.
   */
  responsesEnded(count: number, ns: number, outcome: ResponsesOutcome): void {
    add(this.#responseAt(count)[outcome], ns);
    this.#observer.responsesEnded?.(count);
  }

  #responseAt(index: number): ResponseStats {
    for (let i = this.#responses.length; i <= index; i++) {
      this.#responses[i] = {
        compute_infer: zero(),
        compute_output: zero(),
        success: zero(),
        fail: zero(),
        empty_response: zero(),
        cancel: zero(),
      };
    }
    return this.#responses[index]!;
  }

  /** Failed requests so far by reason; they sum to the `fail` count of {@link snapshot}. */
  failures(): FailureCounts {
    return { ...this.#failures };
  }

  /** A snapshot in the statistics-extension shape; later recording does not change it. */
  snapshot(): ModelStatistics {
    const c = (d: Duration): Duration => ({ count: d.count, ns: Math.round(d.ns) });
    return {
      name: this.name,
      version: this.version,
      last_inference: this.#lastInference,
      inference_count: this.#inferenceCount,
      execution_count: this.#executionCount,
      inference_stats: {
        success: c(this.#s.success),
        fail: c(this.#s.fail),
        queue: c(this.#s.queue),
        compute_input: c(this.#s.compute_input),
        compute_infer: c(this.#s.compute_infer),
        compute_output: c(this.#s.compute_output),
        cache_hit: c(this.#s.cache_hit),
        cache_miss: c(this.#s.cache_miss),
      },
      response_stats: Object.fromEntries(
        this.#responses.map((r, i) => [String(i), responseSnapshot(r, c)]),
      ),
      batch_stats: [...this.#batches.values()]
        .sort((a, b) => a.batch_size - b.batch_size)
        .map(b => ({
          batch_size: b.batch_size,
          compute_input: c(b.compute_input),
          compute_infer: c(b.compute_infer),
          compute_output: c(b.compute_output),
        })),
      memory_usage: [],
    };
  }
}

function responseSnapshot(r: ResponseStats, c: (d: Duration) => Duration): ResponseStats {
  return {
    compute_infer: c(r.compute_infer),
    compute_output: c(r.compute_output),
    success: c(r.success),
    fail: c(r.fail),
    empty_response: c(r.empty_response),
    cancel: c(r.cancel),
  };
}

function add(d: Duration, ns: number): void {
  d.count++;
  d.ns += ns;
}
