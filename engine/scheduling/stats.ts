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
  response_stats: Record<string, never>;
  batch_stats: BatchStats[];
  memory_usage: never[];
}

const zero = (): Duration => ({ count: 0, ns: 0 });

/**
 * Accumulates the statistics of one model version. Schedulers record executions; the runtime
 * records request outcomes. Counting follows Triton (reference §5.2): a request is one success
 * or failure, an execution of a batch of n is n inferences and one execution.
 */
export class StatsRecorder {
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
  };
  readonly #batches = new Map<number, BatchStats>();

  constructor(
    readonly name: string,
    readonly version: string,
  ) {}

  /** One request finished; `ns` is its end-to-end time in the server. */
  request(ok: boolean, ns: number, wallMs: number): void {
    const d = ok ? this.#s.success : this.#s.fail;
    d.count++;
    d.ns += ns;
    if (ok) this.#lastInference = wallMs;
  }

  /** One request left the queue to execute after waiting `ns`. */
  queued(ns: number): void {
    this.#s.queue.count++;
    this.#s.queue.ns += ns;
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
      b = { batch_size: batchSize, compute_input: zero(), compute_infer: zero(), compute_output: zero() };
      this.#batches.set(batchSize, b);
    }
    add(b.compute_input, inputNs);
    add(b.compute_infer, inferNs);
    add(b.compute_output, outputNs);
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
        cache_hit: zero(),
        cache_miss: zero(),
      },
      response_stats: {},
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

function add(d: Duration, ns: number): void {
  d.count++;
  d.ns += ns;
}
