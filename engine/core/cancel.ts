/**
 * @module Cancellation inside the engine. Requests and executions carry a {@link CancelSignal}:
 * the part of AbortSignal the engine reads, so a client connection's AbortSignal passes as it
 * is. Signals the engine makes itself, one per pipeline request and per step call, come from
 * {@link CancelSource}: on Node 20 an AbortController with its signal costs some 2 µs to make
 * and more again in garbage collection, which at tens of thousands of steps a second was the
 * largest single cost of a pipeline step.
 */

/** A listener of a {@link CancelSignal}. */
export type CancelListener = () => void;

/** What the engine reads of a cancellation signal. AbortSignal is one. */
export interface CancelSignal {
  readonly aborted: boolean;
  /** Why it was cancelled, once it is; often an EngineError. */
  readonly reason: unknown;
  addEventListener(
    type: 'abort',
    listener: CancelListener,
    options?: { readonly once?: boolean },
  ): void;
  removeEventListener(type: 'abort', listener: CancelListener): void;
}

/**
 * A cancellation source and its own signal. Listeners run once, in the order added, on the first
 * {@link abort}; a listener added after that is not called (check `aborted` first, as with
 * AbortSignal). A throwing listener does not stop the others; its error is rethrown afterwards.
 *
 * @example
 * const cancel = new CancelSource();
 * engine.infer({ modelName: 'm', inputs, signal: cancel });
 * cancel.abort(new EngineError('CANCELLED', 'the pipeline request ended'));
 */
export class CancelSource implements CancelSignal {
  #aborted = false;
  #reason: unknown = undefined;
  #listeners: CancelListener[] | undefined;

  get aborted(): boolean {
    return this.#aborted;
  }

  get reason(): unknown {
    return this.#reason;
  }

  /** The signal to hand out: the source itself, typed as what receivers may use. */
  get signal(): CancelSignal {
    return this;
  }

  // Every listener runs at most once, so `once` needs no handling.
  addEventListener(
    _type: 'abort',
    listener: CancelListener,
    _options?: { readonly once?: boolean },
  ): void {
    if (this.#aborted) return;
    (this.#listeners ??= []).push(listener);
  }

  removeEventListener(_type: 'abort', listener: CancelListener): void {
    const list = this.#listeners;
    if (!list) return;
    const i = list.lastIndexOf(listener);
    if (i >= 0) list.splice(i, 1);
  }

  /** Cancels once; later calls do nothing. */
  abort(reason?: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#reason = reason;
    const list = this.#listeners;
    this.#listeners = undefined;
    if (!list) return;
    let failure: { error: unknown } | undefined;
    for (const listener of list) {
      try {
        listener();
      } catch (error) {
        failure ??= { error };
      }
    }
    if (failure) throw failure.error;
  }
}
