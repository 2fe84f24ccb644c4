/**
 * @module A writable view of a readonly type, for building a contract object field by field on
 * a hot path (conditional spreads cost more than the work they wrap) before handing it on.
 */

/**
 * `T` with `readonly` removed from its own properties.
 *
 * @example
 * const req: Mutable<InferRequest> = { modelName, inputs };
 * if (signal) req.signal = signal;
 */
export type Mutable<T> = { -readonly [K in keyof T]: T[K] };
