/**
 * @module The flags of `braid serve`: parsed, checked one by one with messages that name the flag,
 * and gathered into ServeFlags.
 */
import type { ParseArgsConfig } from 'node:util';
import { DEFAULT_MAX_INSTANCE_COUNT } from '../runtime/instance-limit.js';
import type { GrpcKeepalive } from '../server/grpc/listen.js';
import { parseBackendConfig, type BackendSettings } from './backend-config.js';
import { bool, int, parse, usage, verboseLevel } from './flag-values.js';
import {
  parseRestrictedFlags,
  RESTRICTED_OPTIONS,
  type RestrictedFlags,
  type ServeWarning,
} from './restricted-flags.js';
import { parseTlsFlags, TLS_OPTIONS, type TlsFlags } from './tls-flags.js';
import { httpThreadCount } from './http-threads.js';
import { readTritonFlags, TRITON_OPTIONS } from './triton-flags.js';
import { parseCacheFlags, type CacheSettings } from './cache-config.js';

export { parse } from './flag-values.js';
export { SERVE_HELP } from './serve-help.js';

/** Flags of `braid serve`, as Triton names them where Triton has the same flag. */
export interface ServeFlags extends BackendSettings {
  modelRepository: string;
  /** Name in server metadata (Triton's --id). */
  id: string;
  /** Exit when a model fails to load at start (Triton's --exit-on-error, default true). */
  exitOnError: boolean;
  /** Serve HTTP (Triton's --allow-http, default true). */
  allowHttp: boolean;
  httpPort: number;
  httpAddress: string;
  /** Serve the web console at /console on the HTTP endpoint (default true). */
  allowConsole: boolean;
  /** Serve the gRPC protocol too (Triton's --allow-grpc, default true). */
  allowGrpc: boolean;
  grpcPort: number;
  /** Interface of the gRPC endpoint; the HTTP address when not given. */
  grpcAddress: string;
  grpcKeepalive: GrpcKeepalive;
  modelControlMode: 'none' | 'explicit' | 'poll';
  loadModel: string[];
  repositoryPollSecs: number;
  strictModelConfig: boolean;
  strictReadiness: boolean;
  httpMaxInputSize: number;
  /** Threads that parse HTTP and run the infer codec (`--http-thread-count`); 1 is the engine's own loop. */
  httpThreadCount: number;
  /** Longest wait for a request's headers, in ms (0: no limit). */
  httpHeaderTimeoutMs: number;
  /** Longest wait for a whole request, headers and body, in ms (0: no limit). */
  httpRequestTimeoutMs: number;
  exitTimeoutSecs: number;
  logFormat: 'text' | 'json';
  /** Where log lines are appended (Triton's --log-file); standard output when absent. */
  logFile?: string;
  /** Triton's --log-verbose level: 1 or more writes debug lines. */
  logVerbose: number;
  logInfo: boolean;
  logWarning: boolean;
  logError: boolean;
  /** Most instances one model version may have, summed over its instance groups. */
  maxInstanceCount: number;
  allowMetrics: boolean;
  allowCpuMetrics: boolean;
  allowGpuMetrics: boolean;
  metricsPort: number;
  /** Interface of the metrics endpoint; the HTTP address when not given. */
  metricsAddress: string;
  metricsIntervalMs: number;
  /** Raw `--metrics-config` values, parsed by engine/telemetry. */
  metricsConfig: string[];
  /** Raw `--trace-config` values (Triton's deprecated trace flags first), parsed by engine/telemetry. */
  traceConfig: string[];
  /** `--http-restricted-api` and `--grpc-restricted-protocol`. */
  restricted: RestrictedFlags;
  /** HTTPS and gRPC TLS certificates; files are read at start. */
  tls: TlsFlags;
  /** The response cache (`--cache-config local,size=BYTES`); absent: nothing is cached. */
  responseCache?: CacheSettings;
  /** Warnings the flags earn (deprecated or without effect), logged at start. */
  notices: readonly ServeWarning[];
}

const SERVE_OPTIONS = {
  'model-repository': { type: 'string', multiple: true, default: [] },
  'model-store': { type: 'string', multiple: true, default: [] },
  id: { type: 'string', default: 'braid' },
  'exit-on-error': { type: 'string', default: 'true' },
  'allow-http': { type: 'string', default: 'true' },
  'http-port': { type: 'string', default: '8000' },
  'http-address': { type: 'string', default: '0.0.0.0' },
  'allow-grpc': { type: 'string', default: 'true' },
  'allow-console': { type: 'string', default: 'true' },
  'grpc-port': { type: 'string', default: '8001' },
  'grpc-address': { type: 'string' },
  'grpc-keepalive-time': { type: 'string' },
  'grpc-keepalive-timeout': { type: 'string' },
  'grpc-max-connection-age': { type: 'string' },
  'grpc-max-connection-age-grace': { type: 'string' },
  'model-control-mode': { type: 'string', default: 'none' },
  'load-model': { type: 'string', multiple: true, default: [] },
  'repository-poll-secs': { type: 'string', default: '15' },
  'disable-auto-complete-config': { type: 'boolean', default: false },
  'strict-model-config': { type: 'string', default: 'false' },
  'strict-readiness': { type: 'string', default: 'true' },
  'http-max-input-size': { type: 'string', default: String(1 << 26) },
  'http-thread-count': { type: 'string' },
  'http-header-timeout-ms': { type: 'string', default: '10000' },
  'http-request-timeout-ms': { type: 'string', default: '30000' },
  'exit-timeout-secs': { type: 'string', default: '30' },
  'log-format': { type: 'string', default: 'text' },
  'log-file': { type: 'string' },
  'log-verbose': { type: 'string', default: '0' },
  'log-info': { type: 'string', default: 'true' },
  'log-warning': { type: 'string', default: 'true' },
  'log-error': { type: 'string', default: 'true' },
  'backend-config': { type: 'string', multiple: true, default: [] },
  'max-instance-count': { type: 'string', default: String(DEFAULT_MAX_INSTANCE_COUNT) },
  'allow-metrics': { type: 'string', default: 'true' },
  'allow-cpu-metrics': { type: 'string', default: 'true' },
  'allow-gpu-metrics': { type: 'string', default: 'true' },
  'metrics-port': { type: 'string', default: '8002' },
  'metrics-address': { type: 'string' },
  'metrics-interval-ms': { type: 'string', default: '2000' },
  'metrics-config': { type: 'string', multiple: true, default: [] },
  'cache-config': { type: 'string', multiple: true, default: [] },
  'response-cache-byte-size': { type: 'string', multiple: true, default: [] },
  'trace-config': { type: 'string', multiple: true, default: [] },
  ...RESTRICTED_OPTIONS,
  ...TLS_OPTIONS,
  ...TRITON_OPTIONS,
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

type Values = ReturnType<typeof parse<typeof SERVE_OPTIONS>>['values'];

/**
 * Parses `braid serve` flags, validating each with a message that names the flag.
 *
 * @example
 * parseServeFlags(['--model-repository', 'models', '--http-port=9000']).httpPort; // 9000
 */
export function parseServeFlags(argv: string[]): ServeFlags | 'help' {
  const { values } = parse(argv, SERVE_OPTIONS);
  if (values.help) return 'help';
  const triton = readTritonFlags(values);
  const cache = parseCacheFlags(values['cache-config'], values['response-cache-byte-size']);
  return {
    modelRepository: repository(values),
    id: values.id,
    exitOnError: bool('--exit-on-error', values['exit-on-error']),
    allowHttp: bool('--allow-http', values['allow-http']),
    httpPort: int('--http-port', values['http-port'], 0, 65535),
    httpAddress: values['http-address'],
    allowConsole: bool('--allow-console', values['allow-console']),
    allowGrpc: bool('--allow-grpc', values['allow-grpc']),
    grpcPort: int('--grpc-port', values['grpc-port'], 0, 65535),
    grpcAddress: values['grpc-address'] ?? values['http-address'],
    grpcKeepalive: grpcKeepalive(values),
    modelControlMode: controlMode(values['model-control-mode']),
    loadModel: loadModels(values['load-model']),
    repositoryPollSecs: int('--repository-poll-secs', values['repository-poll-secs'], 1),
    // Triton: --disable-auto-complete-config wins over --strict-model-config false.
    strictModelConfig:
      values['disable-auto-complete-config'] ||
      bool('--strict-model-config', values['strict-model-config']),
    strictReadiness: bool('--strict-readiness', values['strict-readiness']),
    httpMaxInputSize: int('--http-max-input-size', values['http-max-input-size'], 1),
    httpThreadCount: httpThreadCount(values['http-thread-count']),
    ...httpTimeouts(values['http-header-timeout-ms'], values['http-request-timeout-ms']),
    exitTimeoutSecs: int('--exit-timeout-secs', values['exit-timeout-secs'], 0),
    logFormat: logFormat(values['log-format']),
    ...(values['log-file'] === undefined ? {} : { logFile: values['log-file'] }),
    logVerbose: verboseLevel(values['log-verbose']),
    logInfo: bool('--log-info', values['log-info']),
    logWarning: bool('--log-warning', values['log-warning']),
    logError: bool('--log-error', values['log-error']),
    allowMetrics: bool('--allow-metrics', values['allow-metrics']),
    allowCpuMetrics: bool('--allow-cpu-metrics', values['allow-cpu-metrics']),
    allowGpuMetrics: bool('--allow-gpu-metrics', values['allow-gpu-metrics']),
    metricsPort: int('--metrics-port', values['metrics-port'], 0, 65535),
    metricsAddress: values['metrics-address'] ?? values['http-address'],
    metricsIntervalMs: int('--metrics-interval-ms', values['metrics-interval-ms'], 1),
    metricsConfig: values['metrics-config'],
    traceConfig: [...triton.traceConfig, ...values['trace-config']],
    maxInstanceCount: int('--max-instance-count', values['max-instance-count'], 1),
    restricted: parseRestrictedFlags(values),
    tls: parseTlsFlags(values),
    ...parseBackendConfig(values['backend-config']),
    ...(cache.cache ? { responseCache: cache.cache } : {}),
    notices: [...triton.warnings, ...cache.warnings],
  };
}

/** The one repository, from --model-repository or Triton's alias --model-store. */
function repository(values: Values): string {
  const given = [...new Set([...values['model-repository'], ...values['model-store']])];
  if (given.length === 0) throw usage('--model-repository (or --model-store) is required');
  if (given.length > 1) {
    throw usage(
      `--model-repository is given ${given.length} times (${given.join(', ')}): Braid serves one model repository`,
    );
  }
  const dir = given[0]!;
  if (/^(gs|s3|as):\/\//.test(dir)) {
    throw usage(
      `--model-repository '${dir}': cloud storage is not supported; copy or mount the repository into a local directory`,
    );
  }
  return dir;
}

function controlMode(v: string): ServeFlags['modelControlMode'] {
  const mode = v.toLowerCase();
  if (mode !== 'none' && mode !== 'explicit' && mode !== 'poll') {
    throw usage(`--model-control-mode must be none, explicit or poll, got '${v}'`);
  }
  return mode;
}

/** As Triton: `*` loads every model, and only when it is the one --load-model. */
function loadModels(names: string[]): string[] {
  if (names.includes('*') && new Set(names).size > 1) {
    throw usage(
      `--load-model '*' loads every model and must be the only --load-model, got ${names.map(n => `'${n}'`).join(', ')}`,
    );
  }
  return names;
}

function logFormat(v: string): ServeFlags['logFormat'] {
  if (v === 'json') return 'json';
  if (v === 'text' || v === 'default' || v === 'ISO8601') return 'text';
  throw usage(`--log-format must be text, json, default or ISO8601, got '${v}'`);
}

function grpcKeepalive(values: Values): GrpcKeepalive {
  const ms = (flag: keyof Values & `grpc-${string}`) => {
    const v = values[flag];
    return typeof v === 'string' ? int(`--${flag}`, v, 1, 2 ** 31 - 1) : undefined;
  };
  const entries = {
    timeMs: ms('grpc-keepalive-time'),
    timeoutMs: ms('grpc-keepalive-timeout'),
    maxConnectionAgeMs: ms('grpc-max-connection-age'),
    maxConnectionAgeGraceMs: ms('grpc-max-connection-age-grace'),
  };
  return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
}

/** The two HTTP timeouts; Node refuses a header timeout longer than a request timeout. */
function httpTimeouts(
  header: string,
  request: string,
): Pick<ServeFlags, 'httpHeaderTimeoutMs' | 'httpRequestTimeoutMs'> {
  const httpHeaderTimeoutMs = int('--http-header-timeout-ms', header, 0);
  const httpRequestTimeoutMs = int('--http-request-timeout-ms', request, 0);
  if (httpRequestTimeoutMs > 0 && httpHeaderTimeoutMs > httpRequestTimeoutMs) {
    throw usage(
      `--http-header-timeout-ms (${httpHeaderTimeoutMs}) must not exceed --http-request-timeout-ms (${httpRequestTimeoutMs})`,
    );
  }
  return { httpHeaderTimeoutMs, httpRequestTimeoutMs };
}
