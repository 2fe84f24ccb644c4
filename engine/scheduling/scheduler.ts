import type { CancelSignal } from '../core/cancel.js';
import type { TraceSpan } from '../core/telemetry.js';
import type { TensorMap } from '../core/tensor.js';

/** A request as a scheduler sees it: validated tensors plus queueing options. */
export interface ScheduledRequest {
  /** Validated inputs; axis 0 is the batch dimension when the model batches. */
  readonly inputs: TensorMap;
  /** Size of axis 0 when the model batches (max_batch_size > 0), else 1. */
  readonly batchSize: number;
  /** Outputs to compute; all when absent. */
  readonly outputs?: readonly string[];
  /** Protocol `priority`: 0 or absent is the model's default level; 1 is highest. */
  readonly priority?: number;
  /** Protocol `timeout` in microseconds; may only shorten the queue policy's timeout. */
  readonly timeoutUs?: number;
  /** Aborted when the client goes away: a queued request leaves the queue and never executes. */
  readonly signal?: CancelSignal;
  /** The request's span in its model; batches link their compute span to it. */
  readonly trace?: TraceSpan;
}

/**
 * Queues requests for one model version and runs them on its instances.
 * Implementations: the default scheduler (one request per execution) and the dynamic batcher.
 */
export interface Scheduler {
  /**
   * Queues a request and resolves with its outputs (batch dimension sized to this request).
   * Rejects with EngineError: UNAVAILABLE when the queue is full ("Exceeds maximum queue size")
   * or the request timed out in the queue, CANCELLED when its signal aborted, and whatever the
   * instance threw. Safe to call concurrently.
   */
  enqueue(req: ScheduledRequest): Promise<TensorMap>;
  /** Requests accepted but not yet executing (Triton's pending request count). */
  pendingCount(): number;
  /** Requests accepted and not yet finished, queued or executing. */
  inflightCount(): number;
  /**
   * Stops accepting (later enqueues reject with UNAVAILABLE) and resolves once every accepted
   * request has finished. Idempotent.
   */
  drain(): Promise<void>;
}
