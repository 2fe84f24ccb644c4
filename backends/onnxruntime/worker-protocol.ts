/**
 * @module Messages between an instance and the worker thread that holds its ORT session. The
 * instance sends one request at a time and the worker answers each with exactly one reply.
 * Tensors and errors travel in the worker host's wire format (backends/worker-host/wire.ts).
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { FailedReply } from '../worker-host/protocol.js';
import type { WireTensor } from '../worker-host/wire.js';

/**
 * When one run happened inside the worker, in epoch milliseconds (`performance.timeOrigin +
 * performance.now()` of the worker), so times of different workers can be compared.
 */
export interface WorkerRunTiming {
  /** The worker took the run message. */
  readonly received: number;
  /** ORT tensors were built; `session.run` starts. */
  readonly runStart: number;
  /** `session.run` returned. */
  readonly runEnd: number;
}

/** Main thread → worker. */
export type WorkerRequest =
  | {
      readonly type: 'open';
      readonly model: string;
      readonly path: string;
      readonly options: InferenceSession.SessionOptions;
    }
  | {
      readonly type: 'run';
      readonly inputs: readonly WireTensor[];
      readonly outputs?: readonly string[];
    }
  | { readonly type: 'close' };

/** Worker → main thread; each request gets exactly one reply. */
export type WorkerReply =
  | { readonly type: 'opened' }
  | {
      readonly type: 'result';
      readonly outputs: readonly WireTensor[];
      readonly timing: WorkerRunTiming;
    }
  | FailedReply
  | { readonly type: 'closed' };
