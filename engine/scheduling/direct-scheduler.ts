import type { ModelInstance } from '../core/backend.js';
import { EngineError } from '../core/errors.js';
import type { TensorMap } from '../core/tensor.js';
import type { ScheduledRequest, Scheduler } from './scheduler.js';

const NEVER = new AbortController().signal;

/**
 * The scheduler of a model whose one instance serves requests concurrently (a pipeline): no
 * queue and no batching, like Triton's ensemble scheduler; the models it calls queue and batch.
 * It counts requests in flight so that unloading waits for them.
 *
 * @example
 * const s = new DirectScheduler("model 'ocr' version 1", instance);
 * const res = await s.run(() => instance.infer(req));
 */
export class DirectScheduler implements Scheduler {
  #inflight = 0;
  #closed = false;
  #drained?: Promise<void>;
  #resolveDrained?: () => void;

  constructor(
    private readonly label: string,
    private readonly instance: ModelInstance,
  ) {}

  enqueue(req: ScheduledRequest): Promise<TensorMap> {
    return this.run(() =>
      this.instance.execute(req.inputs, {
        signal: req.signal ?? NEVER,
        ...(req.outputs ? { outputs: req.outputs } : {}),
        ...(req.trace ? { trace: req.trace } : {}),
      }),
    );
  }

  /** Runs `fn` as one request of this model; refused with UNAVAILABLE once draining. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) throw new EngineError('UNAVAILABLE', `${this.label} is unloading`);
    this.#inflight++;
    try {
      return await fn();
    } finally {
      this.#inflight--;
      if (this.#inflight === 0) this.#resolveDrained?.();
    }
  }

  pendingCount(): number {
    return 0;
  }

  inflightCount(): number {
    return this.#inflight;
  }

  drain(): Promise<void> {
    this.#closed = true;
    this.#drained ??=
      this.#inflight === 0
        ? Promise.resolve()
        : new Promise<void>(resolve => {
            this.#resolveDrained = resolve;
          });
    return this.#drained;
  }
}
