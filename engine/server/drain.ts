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
 * Refuses `POST /v2/models/{m}[/versions/{v}]/infer` with {@link shuttingDown} while
 * `isDraining()` holds. The check runs when the request's headers arrive, before its body is
 * read: a request already arriving when the drain begins is served. Register it before the
 * infer routes.
 *
 * @example
 * refuseInferWhileDraining(app, () => draining);
 */
export function refuseInferWhileDraining(app: BraidApp, isDraining: () => boolean): void {
  for (const path of modelPaths('/infer')) {
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
  readonly #pending = new Set<Promise<void>>();

  /**
   * Counts one request as in flight until the returned function is called.
   *
   * @example
   * const done = inFlight.begin();
   * res.once('close', done);
   */
  begin(): () => void {
    let finish!: () => void;
    const p = new Promise<void>(resolve => (finish = resolve));
    this.#pending.add(p);
    return () => {
      this.#pending.delete(p);
      finish();
    };
  }

  /** How many requests are in flight now. */
  get size(): number {
    return this.#pending.size;
  }

  /**
   * Resolves once every request in flight at the call is done; requests begun later are not
   * waited for, so a steady stream of new ones cannot hold it open.
   *
   * @example
   * await inFlight.settled();
   */
  settled(): Promise<void> {
    return Promise.all(this.#pending).then(() => undefined);
  }
}
