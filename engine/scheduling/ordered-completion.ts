/**
 * @module `preserve_ordering`: responses leave in the order their requests were dispatched,
 * whichever instance finishes first (Triton's `DelegateResponse` / `FinalizeResponses`).
 */

/**
 * Reserves a slot per request at dispatch and runs completions in slot order. Without
 * ordering, completions run at once.
 *
 * @example
 * const seq = new CompletionSequencer(true);
 * const a = seq.reserve(), b = seq.reserve();
 * seq.complete(b, () => send('b')); // held: a is not done
 * seq.complete(a, () => send('a')); // sends a, then b
 */
export class CompletionSequencer {
  readonly #ordered: boolean;
  #nextSlot = 0;
  #nextToRun = 0;
  readonly #ready = new Map<number, () => void>();

  constructor(ordered: boolean) {
    this.#ordered = ordered;
  }

  /** Takes the next slot; call once per dispatched request, in dispatch order. */
  reserve(): number {
    return this.#nextSlot++;
  }

  /** Runs `settle` now, or once every earlier slot has completed when ordering is on. */
  complete(slot: number, settle: () => void): void {
    if (!this.#ordered) {
      settle();
      return;
    }
    this.#ready.set(slot, settle);
    for (let fn = this.#ready.get(this.#nextToRun); fn; fn = this.#ready.get(this.#nextToRun)) {
      this.#ready.delete(this.#nextToRun);
      this.#nextToRun++;
      fn();
    }
  }

  /** Completions held back behind an unfinished earlier slot. */
  get heldCount(): number {
    return this.#ready.size;
  }
}
