/**
 * @module What the queue scheduler keeps of each accepted request and of each batch it runs.
 */
import type { EngineError } from '../core/errors.js';
import type { InferResponse } from '../core/request.js';
import type { ScheduledRequest } from '../core/scheduler.js';
import type { BatchCandidate } from './batch-formation.js';

/** A batch running on one instance. */
export interface Batch {
  readonly items: readonly Item[];
  readonly controller: AbortController;
  /** Until the instance returns; the controller then serves the instance's next batch. */
  running: boolean;
}

/** One accepted request, from the queue to its answer. */
export interface Item extends BatchCandidate {
  readonly req: ScheduledRequest;
  readonly resolve: (res: InferResponse) => void;
  readonly reject: (e: EngineError) => void;
  state: 'queued' | 'executing' | 'done';
  batch: Batch | undefined;
  slot: number;
  onAbort: (() => void) | undefined;
}
