/**
 * @module The frontends' part in a graceful shutdown (issue #10 item 11). While the server
 * drains it keeps listening, so probes and load balancers get answers instead of resets:
 * readiness says no (the engine's), a new inference request is UNAVAILABLE, and requests
 * received before the drain began finish. {@link InFlight} tells when they have.
 */
import { EngineError } from '../core/errors.js';
import { modelPaths } from './routing.js';
import type { BraidApp } from './routing.js';

/** The message of an inference request refused because the server is draining. */
export const SHUTTING_DOWN_MESSAGE = 'server is shutting down';

/**
 * The error of an inference request that arrives while the server drains: UNAVAILABLE, so HTTP
 * 503 and gRPC UNAVAILABLE, which clients and load balancers retry elsewhere.
 *
 * @example
 * if (isDraining()) throw shuttingDown();
 */
export function shuttingDown(): EngineError {
  return new EngineError('UNAVAILABLE', SHUTTING_DOWN_MESSAGE);
}

/**
 * Refuses `POST /v2/models/{m}[/versions/{v}]/infer` (and `/generate`, `/generate_stream`) with {@link shuttingDown} while
 * `isDraining()` holds. The check runs when the request's headers arrive, before its body is
 * read: a request already arriving when the drain begins is served. Register it before the
 * infer routes.
 *
 * @example
 * refuseInferWhileDraining(app, () => draining);
 */
export function refuseInferWhileDraining(app: BraidApp, isDraining: () => boolean): void {
  for (const path of ['/infer', '/generate', '/generate_stream'].flatMap(suffix =>
    modelPaths(suffix),
  )) {
    app.use(path, async (c, next) => {
      if (c.req.method === 'POST' && isDraining()) throw shuttingDown();
      await next();
    });
  }
}

/**
 * Requests being served, so a drain can wait for the ones received before it began. Each
 * {@link begin} returns the function that marks that request done; calling it again is harmless.
 */
export class InFlight {
  /**
   * Ids of the requests in flight. Ids only grow and are added in that order, so the first one a
   * Set iterates is the oldest request still in flight.
   */
  readonly #open = new Set<number>();
  #next = 0;
  /** Drains waiting, each for every request up to the id that was newest when it began. */
  #waiters: { readonly upTo: number; readonly resolve: () => void }[] = [];

  /**
   * Counts one request as in flight until the returned function is called. Every request pays
   * this, so it allocates no promise: only {@link settled} does.
   *
   * @example
   * const done = inFlight.begin();
   * res.once('close', done);
   */
  begin(): () => void {
    const id = ++this.#next;
    this.#open.add(id);
    return () => {
      if (this.#open.delete(id) && this.#waiters.length > 0) this.#wake();
    };
  }

  /** How many requests are in flight now. */
  get size(): number {
    return this.#open.size;
  }

  /**
   * Resolves once every request in flight at the call is done; requests begun later are not
   * waited for, so a steady stream of new ones cannot hold it open.
   *
   * @example
   * await inFlight.settled();
   */
  settled(): Promise<void> {
    return new Promise(resolve => {
      this.#waiters.push({ upTo: this.#next, resolve });
      this.#wake();
    });
  }

  #wake(): void {
    const oldest = this.#open.values().next().value ?? Infinity;
    const still = this.#waiters.filter(w => w.upTo >= oldest);
    for (const w of this.#waiters) if (w.upTo < oldest) w.resolve();
    this.#waiters = still;
  }
}
