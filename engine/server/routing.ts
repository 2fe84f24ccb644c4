/**
 * @module
 * Route registration shared by the route groups: the app's environment type, model paths with
 * an optional version, and the method table that answers 405 for known paths.
 */
import type { Context, Handler, Hono } from 'hono';
import type { HttpBindings } from '@hono/node-server';
import { EngineError } from '../core/errors.js';
import { jsonError } from './errors.js';

/**
 * The hono environment of the Braid app. Under @hono/node-server the bindings are the Node
 * request and response; under `app.request()` in tests they are absent.
 */
export interface ServerEnv {
  Bindings: Partial<HttpBindings>;
}

/** The Braid hono app. */
export type BraidApp = Hono<ServerEnv>;

/** The hono context of a Braid route. */
export type ServerContext = Context<ServerEnv>;

/** Methods the protocol uses. */
export type RouteMethod = 'GET' | 'POST';

/** Handlers of one path, by method. */
export type MethodTable = Partial<Record<RouteMethod, Handler<ServerEnv>>>;

const methodNotAllowed = (): Response => jsonError(405, 'Method Not Allowed');

/**
 * Registers `paths` with one handler per method, then a catch-all answering 405, as Triton's
 * handlers do when the method does not match (reference §1.1). Paths registered earlier win, so
 * exact paths (`/v2/models/stats`) must be registered before patterns that also match them.
 *
 * @example
 * route(app, ['/v2/health/live'], { GET: c => c.body(null, 200) });
 */
export function route(app: BraidApp, paths: readonly string[], methods: MethodTable): void {
  for (const path of paths) {
    for (const [method, handler] of Object.entries(methods)) app.on(method, path, handler);
    app.all(path, methodNotAllowed);
  }
}

/**
 * The two spellings of a model path: without and with `/versions/{v}`, followed by `suffix`.
 *
 * @example
 * modelPaths('/ready'); // ['/v2/models/:model/ready', '/v2/models/:model/versions/:version/ready']
 */
export function modelPaths(suffix = ''): [string, string] {
  return [`/v2/models/:model${suffix}`, `/v2/models/:model/versions/:version${suffix}`];
}

/** A model and optional version named by a request path. */
export interface ModelTarget {
  readonly name: string;
  readonly version: number | undefined;
}

const DIGITS = /^[0-9]+$/;

/**
 * Reads the model name and the version from the path. Versions must be numeric, as in Triton's
 * path pattern `versions/([0-9]+)`; anything else is INVALID_ARG naming the model.
 */
export function modelTarget(c: ServerContext): ModelTarget {
  const name = c.req.param('model') ?? '';
  const raw = c.req.param('version');
  if (raw === undefined) return { name, version: undefined };
  const version = Number(raw);
  if (!DIGITS.test(raw) || !Number.isSafeInteger(version)) {
    throw new EngineError(
      'INVALID_ARG',
      `version '${raw}' in the path of model '${name}' is not valid: expected a non-negative integer`,
    );
  }
  return { name, version };
}
