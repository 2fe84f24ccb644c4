/**
 * @module
 * Enforcing restricted APIs on the HTTP app: one middleware in front of every route, refusing a
 * request to a restricted category without its header before any handler reads the body.
 */
import type { MiddlewareHandler } from 'hono';
import { matchedRoutes } from 'hono/route';
import { jsonError, RESTRICTED_STATUS } from './errors.js';
import { allows, HTTP_ROUTE_CATEGORIES, httpRestrictedMessage } from './restricted-api.js';
import type { Restriction, Restrictions } from './restricted-api.js';
import type { BraidApp, ServerContext, ServerEnv } from './routing.js';

/**
 * The middleware enforcing `restrictions`, or undefined when nothing is restricted (then no
 * request pays for it). The category is the one of the route that answers: the first matched
 * route found in {@link HTTP_ROUTE_CATEGORIES}, so `/v2/models/stats` is statistics even though
 * the metadata pattern `/v2/models/:model` matches it too. The check comes before the method
 * check, as in Triton: a restricted path answers 403 to any method without the header.
 *
 * @example
 * const guard = restrictedApiMiddleware(restrictions);
 * if (guard) app.use(guard);
 */
export function restrictedApiMiddleware(
  restrictions: Restrictions,
): MiddlewareHandler<ServerEnv> | undefined {
  if (restrictions.size === 0) return undefined;
  // null: the route is categorized and its category is open.
  const byPath = new Map<string, Restriction | null>();
  for (const [path, category] of HTTP_ROUTE_CATEGORIES)
    byPath.set(path, restrictions.get(category) ?? null);
  return function restrictApis(c, next) {
    for (const { path } of matchedRoutes(c)) {
      const r = byPath.get(path);
      if (r === undefined) continue;
      if (r !== null && !allows(r, header(c, r.lookup))) {
        return Promise.resolve(jsonError(RESTRICTED_STATUS.http, httpRestrictedMessage(r)));
      }
      break;
    }
    return next();
  };
}

/**
 * Throws when a route of `app` has no category, so a route added without one fails at start and
 * in every test that creates the app, instead of being open whatever the flags say.
 */
export function assertRoutesCategorized(app: BraidApp): void {
  for (const { path } of app.routes) {
    if (path === '/*' || HTTP_ROUTE_CATEGORIES.has(path)) continue;
    throw new Error(
      `HTTP route '${path}' has no restricted-API category; add it to HTTP_ROUTE_CATEGORIES in restricted-api.ts`,
    );
  }
}

/** The request header `name` (lower case); Node's parsed headers when served by Node. */
function header(c: ServerContext, name: string): string | undefined {
  const incoming = c.env?.incoming;
  if (!incoming) return c.req.header(name);
  const value = incoming.headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}
