/**
 * @module The Scheduler contract: what every loaded model version is run through, model or
 * pipeline, as every Triton model is run through its `Scheduler` (src/scheduler.h). The runtime
 * checks a request against the version's config once, then calls {@link Scheduler.run}; it never
 * asks which kind of scheduler it holds. Implementations: the queue scheduler
 * (engine/scheduling: queue policies, dynamic batcher, instances) and the sequence batcher
 * (engine/scheduling/sequence: stateful models) for models, and the pipeline scheduler
 * (pipelines/), whose steps call other models back through the ModelCatalog.
 */
import type { CancelSignal } from './cancel.js';
import type { InferResponse, ParameterValue, ResponseSink } from './request.js';
import type { TraceSpan } from './telemetry.js';
import type { TensorMap } from './tensor.js';

/**
 * A request as a scheduler receives it: checked against the version's config (input names,
 * datatypes, shapes, batch size, `reshape` applied; output names), with the schedule-policy
 * parameters read.
 */
export interface ScheduledRequest {
  /** Client-chosen id, echoed in the response when non-empty. */
  readonly id?: string;
  /** Checked inputs; axis 0 is the batch dimension when the model batches. */
  readonly inputs: TensorMap;
  /** Size of axis 0 when the model batches (max_batch_size > 0), else 1. */
  readonly batchSize: number;
  /** Checked output names to compute; every output when absent. */
  readonly outputs?: readonly string[];
  /** The client's parameters, as sent (a pipeline passes them on to its steps). */
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
  /** Protocol `priority`: 0 or absent is the model's default level; 1 is highest. */
  readonly priority?: number;
  /** Protocol `timeout` in microseconds; may only shorten the queue policy's timeout. */
  readonly timeoutUs?: number;
  /** Aborted when the client goes away: a queued request leaves the queue and never executes. */
  readonly signal?: CancelSignal;
  /** Inputs the caller gave up (InferRequest.movableInputs): their buffers may be moved. */
  readonly movableInputs?: ReadonlySet<string>;
  /** The request's span in its model: batches link their compute span to it, steps open under it. */
  readonly trace?: TraceSpan;
  /**
   * Where a decoupled version's responses go, each as the model sends it (see
   * {@link Scheduler.run}). Set by the runtime for decoupled versions only.
   */
  readonly respond?: ResponseSink;
}

/** Where a scheduler records what it executed, in its version's statistics (counts, ns). */
export interface ExecutionStats {
  /** One request left the queue to execute after waiting `ns`. */
  queued(ns: number): void;
  /** One execution of a batch of `batchSize` inferences, with its three compute phases in ns. */
  execution(batchSize: number, inputNs: number, inferNs: number, outputNs: number): void;
  /**
   * One request of `batchSize` inferences run as one execution with no compute phases of its
   * own: a pipeline's, whose compute happens (and is counted) in the models it calls.
   */
  ranWhole(batchSize: number): void;
  /**
   * A decoupled model sent response `index` (0-based) of a request, `ns` after its previous
   * response (after the execution started, for the first) and `sinceStartNs` after the start.
   */
  response?(index: number, ns: number, sinceStartNs: number): void;
  /**
   * A decoupled model's request ended after `count` responses, `ns` after its last (after the
   * start, for none): with the final flag alone (`empty`), or failed or cancelled.
   */
  responsesEnded?(count: number, ns: number, outcome: ResponsesOutcome): void;
}

/** How a decoupled request ended, in the terms of Triton's per-response statistics. */
export type ResponsesOutcome = 'empty_response' | 'fail' | 'cancel';

/** What a scheduler reports of itself. */
export interface SchedulerStats {
  /** Requests accepted but not yet executing (Triton's pending request count). */
  readonly pending: number;
  /** Requests accepted and not yet finished, queued or executing. */
  readonly inflight: number;
  /**
   * Fields the scheduler adds to its version's statistics (the statistics extension's JSON),
   * Braid's own and so `braid_`-prefixed: a pipeline's per-step statistics as `braid_steps`.
   */
  readonly fields?: Readonly<Record<`braid_${string}`, unknown>>;
}

/**
 * Runs the requests of one model version. Made once per loaded version, by the queue scheduler
 * for models and by a {@link SchedulerBackend} (pipelines); stopped when the version unloads.
 */
export interface Scheduler {
  /**
   * Runs one checked request and resolves with the version's response: requested outputs (batch
   * dimension sized to this request), the version's name and version, the request's id. Safe to
   * call concurrently; the caller keeps the inputs, the outputs belong to it. Rejects with
   * EngineError: CANCELLED when `req.signal` is aborted before or while it runs, UNAVAILABLE
   * once stopped, when the queue is full or the request timed out in it, and whatever the
   * execution failed with.
   * With `req.respond` set (a decoupled version), each of the model's 0..n responses goes there
   * as it is sent, and run resolves once the model sent its last (Triton's final flag) with a
   * response without outputs; responses after a cancellation are dropped.
   */
  run(req: ScheduledRequest): Promise<InferResponse>;
  /**
   * Stops accepting (later runs reject with UNAVAILABLE), resolves once every accepted request
   * has finished, then releases what the scheduler owns (instances, workers). Idempotent: every
   * call returns the same promise.
   */
  stop(): Promise<void>;
  /** Its counts now; cheap enough for every metrics scrape. */
  stats(): SchedulerStats;
}
