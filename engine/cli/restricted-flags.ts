/**
 * @module
 * `--http-restricted-api` and `--grpc-restricted-protocol`, parsed as Triton parses them
 * (src/command_line_parser.cc `ParseRestrictedFeatureOption`): `<category>[,<category>...]:<key>=<value>`,
 * repeatable, each category in at most one flag value; gRPC keys get Triton's
 * `triton-grpc-protocol-` prefix. Also the warning for control APIs left open beyond loopback.
 */
import type { ParseArgsConfig } from 'node:util';
import { EngineError } from '../core/errors.js';
import type { LogFields } from '../core/logger.js';
import {
  GRPC_RESTRICTED_HEADER_PREFIX,
  GRPC_RPC_CATEGORIES,
  HTTP_ROUTE_CATEGORIES,
  isLoopback,
  openControlCategories,
  RESTRICTED_CATEGORIES,
  restriction,
} from '../server/restricted-api.js';
import type { RestrictedCategory, Restriction, Restrictions } from '../server/restricted-api.js';

/** The `parseArgs` options of the restriction flags, spread into `braid serve`'s. */
export const RESTRICTED_OPTIONS = {
  'http-restricted-api': { type: 'string', multiple: true, default: [] },
  'grpc-restricted-protocol': { type: 'string', multiple: true, default: [] },
} as const satisfies ParseArgsConfig['options'];

/** Help lines of the restriction flags. */
export const RESTRICTED_HELP = `  --http-restricted-api API[,API...]:HEADER=VALUE
                                 those APIs answer 403 unless the request has HEADER: VALUE
                                 (repeatable; each API in one flag at most). APIs: health,
                                 metadata, inference, shared-memory, model-config,
                                 model-repository, statistics, trace, logging, console
  --grpc-restricted-protocol API[,API...]:KEY=VALUE
                                 the same for gRPC (UNAVAILABLE), with metadata
                                 ${GRPC_RESTRICTED_HEADER_PREFIX}KEY: VALUE`;

/** The restrictions of both endpoints. */
export interface RestrictedFlags {
  readonly http: Restrictions;
  readonly grpc: Restrictions;
}

/**
 * Parses the restriction flags' values.
 *
 * @example
 * parseRestrictedFlags({ 'http-restricted-api': ['model-repository:admin-key=s3cret'], 'grpc-restricted-protocol': [] })
 *   .http.get('model-repository')?.header; // 'admin-key'
 */
export function parseRestrictedFlags(values: {
  'http-restricted-api': string[];
  'grpc-restricted-protocol': string[];
}): RestrictedFlags {
  return {
    http: parseRestrictions('--http-restricted-api', 'api', '', values['http-restricted-api']),
    grpc: parseRestrictions(
      '--grpc-restricted-protocol',
      'protocol',
      GRPC_RESTRICTED_HEADER_PREFIX,
      values['grpc-restricted-protocol'],
    ),
  };
}

const TOKEN = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
const VALUE = /^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/;

/**
 * Parses the values of one restriction flag; `kind` is Triton's word in its messages ('api' for
 * HTTP, 'protocol' for gRPC) and `prefix` is put before each key.
 *
 * @example
 * parseRestrictions('--http-restricted-api', 'api', '', ['health,metadata:k=v']).size; // 2
 */
export function parseRestrictions(
  flag: string,
  kind: string,
  prefix: string,
  args: readonly string[],
): Restrictions {
  const out = new Map<RestrictedCategory, Restriction>();
  for (const arg of args) {
    const { categories, key, value } = splitRestriction(flag, arg);
    const r = restriction(prefix + key, value);
    for (const name of categories) {
      const category = RESTRICTED_CATEGORIES.find(c => c === name);
      if (category === undefined) {
        throw usage(
          `${flag}: unknown restricted ${kind} '${name}' (expected one of ${RESTRICTED_CATEGORIES.join(', ')})`,
        );
      }
      if (out.has(category))
        throw usage(
          `${flag}: restricted ${kind} '${name}' can not be specified in multiple config groups`,
        );
      out.set(category, r);
    }
  }
  return out;
}

function splitRestriction(
  flag: string,
  arg: string,
): { categories: string[]; key: string; value: string } {
  const colon = arg.indexOf(':');
  const eq = colon < 0 ? -1 : arg.indexOf('=', colon + 1);
  const format = `${flag} option format is '<api>[,<api>...]:<header>=<value>', got '${arg}'`;
  if (colon <= 0 || eq < 0) throw usage(format);
  const key = arg.slice(colon + 1, eq);
  const value = arg.slice(eq + 1);
  if (key === '' || value === '') throw usage(format);
  if (!TOKEN.test(key))
    throw usage(`${flag}: header '${key}' in '${arg}' is not a valid header name`);
  if (flag.startsWith('--grpc') && key.toLowerCase().endsWith('-bin')) {
    throw usage(
      `${flag}: key '${key}' in '${arg}' ends in -bin, which gRPC reserves for binary metadata`,
    );
  }
  if (!VALUE.test(value)) {
    throw usage(
      `${flag}: the value in '${arg}' must be printable ASCII without leading or trailing spaces`,
    );
  }
  return { categories: arg.slice(0, colon).split(','), key, value };
}

/** A warning line for `braid serve` to log. */
export interface ServeWarning {
  readonly msg: string;
  readonly fields: LogFields;
}

/** What {@link exposureWarnings} reads of the serve flags. */
export interface ExposureFlags {
  readonly httpAddress: string;
  readonly grpcAddress: string;
  readonly allowGrpc: boolean;
  /** Default true: HTTP is served. */
  readonly allowHttp?: boolean;
  readonly restricted: RestrictedFlags;
}

/**
 * One warning per endpoint bound beyond loopback that leaves model-repository, trace or logging
 * open, naming them and the flag that restricts them.
 *
 * @example
 * exposureWarnings({ httpAddress: '0.0.0.0', grpcAddress: '127.0.0.1', allowGrpc: true, restricted }); // [HTTP warning]
 */
export function exposureWarnings(flags: ExposureFlags): ServeWarning[] {
  const http = {
    name: 'HTTP',
    address: flags.httpAddress,
    table: HTTP_ROUTE_CATEGORIES,
    restrictions: flags.restricted.http,
  };
  const grpc = {
    name: 'gRPC',
    address: flags.grpcAddress,
    table: GRPC_RPC_CATEGORIES,
    restrictions: flags.restricted.grpc,
  };
  const warnings: ServeWarning[] = [];
  const endpoints = [
    ...(flags.allowHttp === false ? [] : [http]),
    ...(flags.allowGrpc ? [grpc] : []),
  ];
  for (const e of endpoints) {
    const apis = isLoopback(e.address) ? [] : openControlCategories(e.table, e.restrictions);
    if (apis.length === 0) continue;
    const [flag, bind] =
      e === http
        ? ['--http-restricted-api', '--http-address']
        : ['--grpc-restricted-protocol', '--grpc-address'];
    const restrict = `${flag}=${apis.join(',')}:<header>=<secret>`;
    const what = `the ${apis.join(', ')} API${apis.length > 1 ? 's' : ''}`;
    warnings.push({
      msg: `${e.name} endpoint on ${e.address} lets any client that reaches it use ${what}; restrict with ${restrict} or bind ${bind} 127.0.0.1`,
      fields: { address: e.address, apis, restrict },
    });
  }
  return warnings;
}

function usage(msg: string): EngineError {
  return new EngineError('INVALID_ARG', msg);
}
