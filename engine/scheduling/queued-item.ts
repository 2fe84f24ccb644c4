/**
 * @module A request while the queue scheduler holds it (queued, executing in a batch, done), the
 * batch it runs in, and the response it gets.
 */
import { toEngineError } from '../core/errors.js';
import type { EngineError } from '../core/errors.js';
import type { InferResponse } from '../core/request.js';
import type { ExecutionStats, ScheduledRequest } from '../core/scheduler.js';
import type { TensorMap } from '../core/tensor.js';
import type { BatchCandidate } from './batch-formation.js';
import { batchShapeKey } from './batch-tensors.js';
import type { CompletionSequencer } from './ordered-completion.js';
import type { OutputShaper } from './outputs.js';

/** The requests one instance runs together. */
export interface QueuedBatch {
  readonly items: readonly QueuedItem[];
  readonly controller: AbortController;
  /** Until the instance returns; the controller then serves the instance's next batch. */
  running: boolean;
}

/** One accepted request and how to settle its promise. */
export interface QueuedItem extends BatchCandidate {
  readonly req: ScheduledRequest;
  readonly resolve: (res: InferResponse) => void;
  readonly reject: (e: EngineError) => void;
  state: 'queued' | 'executing' | 'done';
  batch: QueuedBatch | undefined;
  /** Its place in the completion order, from {@link CompletionSequencer.reserve}. */
  slot: number;
  onAbort: (() => void) | undefined;
}

const NS_PER_MS = 1e6;

/**
 * A queued item for `req`, enqueued at `now` (ms). Every field is set here, so all items share
 * one object shape.
 *
 * @example
 * const item = queuedItem(req, resolve, reject, clock.now());
 */
export function queuedItem(
  req: ScheduledRequest,
  resolve: (res: InferResponse) => void,
  reject: (e: EngineError) => void,
  now: number,
): QueuedItem {
  return {
    req,
    resolve,
    reject,
    batchSize: req.batchSize,
    shapeKey: batchShapeKey(req.inputs),
    enqueuedAt: now,
    state: 'queued',
    batch: undefined,
    slot: -1,
    onAbort: undefined,
  };
}

/** What {@link startBatch} records into. */
export interface BatchStart {
  readonly now: number;
  readonly sequencer: CompletionSequencer;
  readonly stats: ExecutionStats;
}

/**
 * Makes `items` one executing batch: each takes its completion slot and has its queue time
 * recorded in the statistics and, when its span records, on its span.
 *
 * @example
 * const batch = startBatch(items, controller, { now: clock.now(), sequencer, stats });
 */
export function startBatch(
  items: readonly QueuedItem[],
  controller: AbortController,
  at: BatchStart,
): QueuedBatch {
  const batch: QueuedBatch = { items, controller, running: true };
  for (const item of items) {
    item.state = 'executing';
    item.batch = batch;
    item.slot = at.sequencer.reserve();
    at.stats.queued((at.now - item.enqueuedAt) * NS_PER_MS);
    const span = item.req.trace;
    if (span?.recording)
      span.setAttributes({ 'braid.queue_time_us': Math.round((at.now - item.enqueuedAt) * 1000) });
  }
  return batch;
}

/** Who answers: the model version named in every response. */
export interface Responder {
  readonly modelName: string;
  readonly version: string;
  readonly outputs: OutputShaper;
}

/**
 * Resolves `item` with its response, built field by field (conditional spreads cost more than
 * the rest); rejects it when the outputs cannot be shaped.
 *
 * @example
 * respond(item, result.outputs[i]!, { modelName: 'm', version: '1', outputs: shaper });
 */
export function respond(item: QueuedItem, produced: TensorMap, by: Responder): void {
  let outputs: TensorMap;
  try {
    outputs = by.outputs(item.req.outputs, produced);
  } catch (e) {
    item.reject(toEngineError(e));
    return;
  }
  const { id } = item.req;
  const modelName = by.modelName;
  const modelVersion = by.version;
  item.resolve(
    id ? { id, modelName, modelVersion, outputs } : { modelName, modelVersion, outputs },
  );
}
