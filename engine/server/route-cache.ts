/**
 * @module
 * A hono router that remembers its answers. Braid's route table makes hono fall back from its
 * RegExpRouter to the TrieRouter (`/v2/models/stats` next to `/v2/models/:model/stats` is a
 * pattern the RegExpRouter refuses), and the trie walks every segment of the path on every
 * request: 6–10 µs per infer request on a 2-core machine, where a bare `node:http` server
 * spends some 30 µs on the whole request. Clients send the same few paths again and again, so
 * a lookup by method and path skips the walk.
 */
import type { Result, Router } from 'hono/router';
import { RegExpRouter } from 'hono/router/reg-exp-router';
import { SmartRouter } from 'hono/router/smart-router';
import { TrieRouter } from 'hono/router/trie-router';

/**
 * Paths remembered at most. Past it the memory is emptied and starts again, so a client
 * sending endless distinct paths (model names that do not exist, say) costs a bounded amount
 * of memory and only the walk it would have cost anyway.
 */
export const ROUTE_CACHE_SIZE = 1024;

/**
 * Wraps `inner` (by default hono's own choice, a SmartRouter over the RegExpRouter and the
 * TrieRouter) and answers repeated `(method, path)` matches from memory. Results are shared
 * between requests; hono only reads them. Adding a route forgets everything remembered.
 *
 * @example
 * const app = new Hono({ router: new CachingRouter() });
 */
export class CachingRouter<T> implements Router<T> {
  readonly #inner: Router<T>;
  readonly #limit: number;
  #byMethod = new Map<string, Map<string, Result<T>>>();
  #size = 0;

  constructor(
    inner: Router<T> = new SmartRouter({ routers: [new RegExpRouter(), new TrieRouter()] }),
    limit = ROUTE_CACHE_SIZE,
  ) {
    this.#inner = inner;
    this.#limit = limit;
  }

  get name(): string {
    return `CachingRouter(${this.#inner.name})`;
  }

  add(method: string, path: string, handler: T): void {
    this.#forget();
    this.#inner.add(method, path, handler);
  }

  match(method: string, path: string): Result<T> {
    const known = this.#byMethod.get(method)?.get(path);
    if (known !== undefined) return known;
    const result = this.#inner.match(method, path);
    if (this.#size >= this.#limit) this.#forget();
    let paths = this.#byMethod.get(method);
    if (paths === undefined) {
      paths = new Map<string, Result<T>>();
      this.#byMethod.set(method, paths);
    }
    paths.set(path, result);
    this.#size++;
    return result;
  }

  /** Number of remembered paths (for tests). */
  get size(): number {
    return this.#size;
  }

  #forget(): void {
    if (this.#size === 0) return;
    this.#byMethod = new Map();
    this.#size = 0;
  }
}
