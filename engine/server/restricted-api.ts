/**
 * @module
 * Restricted APIs, as Triton has them (src/restricted_features.h): every HTTP route and every gRPC
 * RPC belongs to exactly one category, and a category may require a header (gRPC: metadata) with
 * a given value. This module is the one table of categories and the pure checks around it; the
 * HTTP middleware and the gRPC wrapper that enforce it live in restricted-http.ts and
 * grpc/service.ts.
 */
import { timingSafeEqual } from 'node:crypto';

/** Triton's categories, in Triton's order (`RESTRICTED_CATEGORY_NAMES`). */
export const RESTRICTED_CATEGORIES = [
  'health',
  'metadata',
  'inference',
  'shared-memory',
  'model-config',
  'model-repository',
  'statistics',
  'trace',
  'logging',
  'console',
] as const;

/** One of {@link RESTRICTED_CATEGORIES}. */
export type RestrictedCategory = (typeof RESTRICTED_CATEGORIES)[number];

/** The header and value a restricted category requires. */
export interface Restriction {
  /** The header as configured, for messages (for gRPC with Triton's `triton-grpc-protocol-` prefix). */
  readonly header: string;
  /** The header lower-cased, as Node and grpc-js store incoming names. */
  readonly lookup: string;
  /** The expected value, compared in constant time. */
  readonly value: Buffer;
}

/** The restricted categories of one endpoint; a category absent here is open. */
export type Restrictions = ReadonlyMap<RestrictedCategory, Restriction>;

/** Nothing restricted: Triton's default. */
export const NO_RESTRICTIONS: Restrictions = new Map();

/**
 * The category of every HTTP route pattern, as Triton's HTTPAPIServer handlers check them
 * (src/http_server.cc): model readiness is `health`, model metadata `metadata`, the per-version
 * trace setting (a Braid route that only explains itself) `trace`. Shared memory has no routes.
 */
export const HTTP_ROUTE_CATEGORIES: ReadonlyMap<string, RestrictedCategory> = new Map([
  ['/v2/health/live', 'health'],
  ['/v2/health/ready', 'health'],
  ['/v2/models/:model/ready', 'health'],
  ['/v2/models/:model/versions/:version/ready', 'health'],
  ['/v2', 'metadata'],
  ['/v2/models/:model', 'metadata'],
  ['/v2/models/:model/versions/:version', 'metadata'],
  ['/v2/models/:model/infer', 'inference'],
  ['/v2/models/:model/versions/:version/infer', 'inference'],
  ['/v2/models/:model/generate', 'inference'],
  ['/v2/models/:model/versions/:version/generate', 'inference'],
  ['/v2/models/:model/generate_stream', 'inference'],
  ['/v2/models/:model/versions/:version/generate_stream', 'inference'],
  ['/v2/models/:model/config', 'model-config'],
  ['/v2/models/:model/versions/:version/config', 'model-config'],
  ['/v2/repository/index', 'model-repository'],
  ['/v2/repository/models/:model/load', 'model-repository'],
  ['/v2/repository/models/:model/unload', 'model-repository'],
  ['/v2/repository/:repo/index', 'model-repository'],
  ['/v2/repository/:repo/models/:model/load', 'model-repository'],
  ['/v2/repository/:repo/models/:model/unload', 'model-repository'],
  ['/v2/models/stats', 'statistics'],
  ['/v2/models/:model/stats', 'statistics'],
  ['/v2/models/:model/versions/:version/stats', 'statistics'],
  ['/v2/trace/setting', 'trace'],
  ['/v2/models/:model/trace/setting', 'trace'],
  ['/v2/models/:model/versions/:version/trace/setting', 'trace'],
  ['/v2/logging', 'logging'],
  // The console's page and bundles are its own category; its data endpoints belong to the
  // category of what they show, and its buttons call the repository API.
  ['/console', 'console'],
  ['/console/assets/:file', 'console'],
  ['/console/api/events', 'statistics'],
  ['/console/api/plan/:model', 'model-config'],
  ['/console/api/plan/:model/versions/:version', 'model-config'],
  ['/console/api/machine/:model', 'model-config'],
  ['/console/api/machine/:model/versions/:version', 'model-config'],
  ['/console/api/config-check/:model', 'model-config'],
  ['/console/api/traces', 'trace'],
  ['/console/api/traces/:trace', 'trace'],
  ['/console/api/logs', 'logging'],
]);

/**
 * The category of every RPC of `inference.GRPCInferenceService` (by method name) and of
 * `grpc.health.v1.Health` (by full name), as Triton's gRPC handlers check them
 * (src/grpc/grpc_server.cc, src/grpc/infer_handler.cc).
 */
export const GRPC_RPC_CATEGORIES: ReadonlyMap<string, RestrictedCategory> = new Map([
  ['ServerLive', 'health'],
  ['ServerReady', 'health'],
  ['ModelReady', 'health'],
  ['grpc.health.v1.Health/Check', 'health'],
  ['grpc.health.v1.Health/Watch', 'health'],
  ['ServerMetadata', 'metadata'],
  ['ModelMetadata', 'metadata'],
  ['ModelConfig', 'model-config'],
  ['ModelInfer', 'inference'],
  ['ModelStreamInfer', 'inference'],
  ['ModelStatistics', 'statistics'],
  ['RepositoryIndex', 'model-repository'],
  ['RepositoryModelLoad', 'model-repository'],
  ['RepositoryModelUnload', 'model-repository'],
]);

/** Triton's prefix of gRPC restriction keys (src/grpc/grpc_server.h `kRestrictedProtocolHeaderTemplate`). */
export const GRPC_RESTRICTED_HEADER_PREFIX = 'triton-grpc-protocol-';

/**
 * The categories that change what the server runs or records: loading a model with a config
 * override runs code from the repository; trace and logging settings change what is written
 * where. Exposing them unrestricted beyond loopback earns a warning at start.
 */
export const CONTROL_CATEGORIES: readonly RestrictedCategory[] = [
  'model-repository',
  'trace',
  'logging',
];

/**
 * A restriction requiring `header: value`.
 *
 * @example
 * restriction('admin-key', 's3cret'); // { header: 'admin-key', lookup: 'admin-key', value: <Buffer> }
 */
export function restriction(header: string, value: string): Restriction {
  return { header, lookup: header.toLowerCase(), value: Buffer.from(value) };
}

/**
 * Whether `actual` (the request's header value, undefined when absent) satisfies `r`. Constant
 * time in the value, so the response time does not reveal how much of a guess was right.
 *
 * @example
 * allows(restriction('k', 'v'), 'v'); // true
 */
export function allows(r: Restriction, actual: string | undefined): boolean {
  if (actual === undefined) return false;
  const given = Buffer.from(actual);
  return given.length === r.value.length && timingSafeEqual(given, r.value);
}

/** Triton's HTTP refusal message (src/http_server.cc `RespondIfRestricted`). */
export function httpRestrictedMessage(r: Restriction): string {
  return `This API is restricted, expecting header '${r.header}'`;
}

/** Triton's gRPC refusal message (src/grpc/grpc_handler.h `ExecutePrecondition`). */
export function grpcRestrictedMessage(r: Restriction): string {
  return `This protocol is restricted, expecting header '${r.header}'`;
}

/**
 * The control categories (see {@link CONTROL_CATEGORIES}) that `table` serves and `restrictions`
 * leaves open, in Triton's order.
 *
 * @example
 * openControlCategories(HTTP_ROUTE_CATEGORIES, NO_RESTRICTIONS); // ['model-repository', 'trace', 'logging']
 */
export function openControlCategories(
  table: ReadonlyMap<string, RestrictedCategory>,
  restrictions: Restrictions,
): RestrictedCategory[] {
  const served = new Set(table.values());
  return CONTROL_CATEGORIES.filter(c => served.has(c) && !restrictions.has(c));
}

/**
 * Whether binding `address` keeps the endpoint on this machine: 127.0.0.0/8, ::1 (also as an
 * IPv4-mapped address) and `localhost`.
 *
 * @example
 * isLoopback('127.0.0.1'); // true
 * isLoopback('0.0.0.0');   // false
 */
export function isLoopback(address: string): boolean {
  const a = address.toLowerCase().replace(/^\[|\]$/g, '');
  return a === 'localhost' || a === '::1' || /^(::ffff:)?127\.\d+\.\d+\.\d+$/.test(a);
}
