/**
 * @module How a decoupled JS model's `execute` result becomes its responses: an async
 * generator (or any iterable of results) is one response per item; a single result is one
 * response, and `undefined` or `null` none.
 */

/** Options of {@link iterate}. */
export interface IterateOptions {
  /** Aborted when the client cancels: iteration stops and the iterator is returned. */
  readonly signal: AbortSignal;
  /** Sends one response. */
  readonly send: (value: unknown) => void;
  /** Runs one step of user code (so its errors say where they came from). */
  readonly next: <T>(step: () => Promise<T>) => Promise<unknown>;
}

/**
 * Whether `value` is a stream of responses (an async iterable, or a generator) rather than one
 * result: a plain object of outputs is not, and neither is an array.
 *
 * @example
 * streamed((async function* () {})()); // true
 * streamed({ OUT: { datatype: 'FP32', shape: [1], data: [1] } }); // false
 */
export function streamed(value: unknown): value is AsyncIterable<unknown> | Iterator<unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  if (Symbol.asyncIterator in value) return true;
  return Symbol.iterator in value && typeof (value as { next?: unknown }).next === 'function';
}

/**
 * Sends each response of `returned` in order, stopping early once `signal` aborts; the
 * iterator is then returned, so the generator's `finally` blocks run.
 *
 * @example
 * await iterate(model.execute(inputs, ctx), { signal, send: post, next: step => step() });
 */
export async function iterate(returned: unknown, opts: IterateOptions): Promise<void> {
  const { signal, send, next } = opts;
  if (!streamed(returned)) {
    if (returned !== undefined && returned !== null && !signal.aborted) send(returned);
    return;
  }
  const it =
    Symbol.asyncIterator in returned
      ? returned[Symbol.asyncIterator]()
      : (returned as Iterator<unknown>);
  for (;;) {
    if (signal.aborted) {
      await next(async () => it.return?.());
      return;
    }
    const step = (await next(async () => it.next())) as IteratorResult<unknown>;
    if (step.done) return;
    if (signal.aborted) continue;
    send(step.value);
  }
}
