/**
 * @module The abort controller each instance's batches run with, kept until it is aborted.
 */
import type { ModelInstance } from '../core/backend.js';

/**
 * One AbortController per instance, reused batch after batch and replaced once aborted. One
 * instance runs one batch at a time, and an AbortController with its signal costs some 2 µs to
 * make.
 *
 * @example
 * const controllers = new BatchControllers();
 * const signal = controllers.for(instance).signal;
 */
export class BatchControllers {
  readonly #byInstance = new Map<ModelInstance, AbortController>();

  /** The controller for `instance`'s next batch: the last one unless it was aborted. */
  for(instance: ModelInstance): AbortController {
    let controller = this.#byInstance.get(instance);
    if (!controller || controller.signal.aborted) {
      controller = new AbortController();
      this.#byInstance.set(instance, controller);
    }
    return controller;
  }
}
