/**
 * @module The inference request and response as the engine sees them, whichever frontend decoded
 * them.
 */
import type { CancelSignal } from './cancel.js';
import type { TensorMap } from './tensor.js';

/** A request parameter value as the protocol allows it. */
export type ParameterValue = string | number | boolean;

/** An output the client asked for, with its protocol parameters (binary_data, classification). */
export interface RequestedOutput {
  readonly name: string;
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
}

/** An inference request after decoding, as the engine receives it from any frontend. */
export interface InferRequest {
  /** Client-chosen id, echoed in the response when non-empty. */
  readonly id?: string;
  readonly modelName: string;
  /** Explicit version; absent means the highest ready version. */
  readonly modelVersion?: number;
  /** Inputs in the order the client sent them; shapes include the batch dimension when batching. */
  readonly inputs: TensorMap;
  /** Requested outputs; absent means every output of the model. */
  readonly outputs?: readonly RequestedOutput[];
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
  /** Aborted when the client goes away; the request then leaves the queue or is cancelled. */
  readonly signal?: CancelSignal;
  /**
   * Inputs the caller gives up: nothing reads their data once the request is made (a pipeline
   * tensor whose only reader is this step), so the engine may move their buffers into a worker
   * thread instead of copying them. Inputs not listed are never moved or changed.
   */
  readonly movableInputs?: ReadonlySet<string>;
}

/** The engine's answer to an {@link InferRequest}. */
export interface InferResponse {
  readonly id?: string;
  readonly modelName: string;
  readonly modelVersion: string;
  readonly outputs: TensorMap;
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
}

/**
 * Receives the responses of one request as they are sent, in order: one for most models, 0..n
 * for a decoupled one (model_transaction_policy.decoupled).
 */
export type ResponseSink = (res: InferResponse) => void;
