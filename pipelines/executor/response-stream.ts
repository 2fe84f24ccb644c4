/**
 * @module The responses of one request of a streaming pipeline (one whose last step calls a
 * decoupled model): each goes to the client's sink as the step sends it, is counted per response
 * in the pipeline's statistics, as Triton counts a decoupled model's, and is marked on the
 * request's span; the end is recorded once, with how the request ended.
 */
import type { Clock } from '../../engine/core/clock.js';
import { isEngineError } from '../../engine/core/errors.js';
import type { InferResponse, ResponseSink } from '../../engine/core/request.js';
import type { ExecutionStats, ScheduledRequest } from '../../engine/core/scheduler.js';
import type { TensorMap } from '../../engine/core/tensor.js';

/** What {@link ResponseStream} needs: the request, who answers, and where to count. */
export interface ResponseStreamOptions {
  readonly req: Pick<ScheduledRequest, 'id' | 'signal' | 'trace'>;
  readonly sink: ResponseSink;
  readonly modelName: string;
  readonly version: string;
  readonly clock: Clock;
  readonly stats: ExecutionStats;
}

const NS_PER_MS = 1e6;

/**
 * Sends and counts the responses of one request.
 *
 * @example
 * const stream = new ResponseStream({ req, sink: req.respond, modelName: 'ocr_stream', version: '1', clock, stats });
 * stream.send(outputs); // one response
 * stream.end(); // the final flag
 */
export class ResponseStream {
  readonly #o: ResponseStreamOptions;
  readonly #start: number;
  #last: number;
  #count = 0;

  constructor(opts: ResponseStreamOptions) {
    this.#o = opts;
    this.#start = opts.clock.now();
    this.#last = this.#start;
  }

  /** Responses sent so far. */
  get count(): number {
    return this.#count;
  }

  /** Sends one response with `outputs`; dropped once the client has gone. */
  readonly send = (outputs: TensorMap): void => {
    const { req, clock, stats } = this.#o;
    if (req.signal?.aborted) return;
    const now = clock.now();
    const res: InferResponse = req.id
      ? { id: req.id, modelName: this.#o.modelName, modelVersion: this.#o.version, outputs }
      : { modelName: this.#o.modelName, modelVersion: this.#o.version, outputs };
    this.#o.sink(res);
    stats.response?.(this.#count, (now - this.#last) * NS_PER_MS, (now - this.#start) * NS_PER_MS);
    if (req.trace?.recording) {
      req.trace.event('INFER_RESPONSE_COMPLETE', now);
      if (this.#count === 0)
        req.trace.setAttributes({
          'braid.first_response_us': Math.round((now - this.#start) * 1000),
        });
    }
    this.#count++;
    this.#last = now;
  };

  /**
   * The request ended: with the final flag alone (no `error`), cancelled (the client went away
   * or the error is CANCELLED) or failed.
   */
  end(error?: unknown): void {
    const { req, clock, stats } = this.#o;
    const cancelled =
      req.signal?.aborted === true || (isEngineError(error) && error.code === 'CANCELLED');
    const outcome = cancelled ? 'cancel' : error === undefined ? 'empty_response' : 'fail';
    stats.responsesEnded?.(this.#count, (clock.now() - this.#last) * NS_PER_MS, outcome);
    if (req.trace?.recording) req.trace.setAttributes({ 'braid.response_count': this.#count });
  }
}
