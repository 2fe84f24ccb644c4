import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EngineError } from '../core/errors.js';
import { DEFAULT_MAX_INSTANCE_COUNT } from '../runtime/instance-limit.js';
import { parseRestrictedFlags, RESTRICTED_HELP, RESTRICTED_OPTIONS, type RestrictedFlags } from './restricted-flags.js';
import { parseTlsFlags, TLS_HELP, TLS_OPTIONS, type TlsFlags } from './tls-flags.js';

/** Flags of `braid serve`, as Triton names them where Triton has the same flag. */
export interface ServeFlags {
  modelRepository: string;
  httpPort: number;
  httpAddress: string;
  /** Serve the gRPC protocol too (Triton's --allow-grpc, default true). */
  allowGrpc: boolean;
  grpcPort: number;
  /** Interface of the gRPC endpoint; the HTTP address when not given. */
  grpcAddress: string;
  modelControlMode: 'none' | 'explicit' | 'poll';
  loadModel: string[];
  repositoryPollSecs: number;
  strictModelConfig: boolean;
  strictReadiness: boolean;
  httpMaxInputSize: number;
  /** Longest wait for a request's headers, in ms (0: no limit). */
  httpHeaderTimeoutMs: number;
  /** Longest wait for a whole request, headers and body, in ms (0: no limit). */
  httpRequestTimeoutMs: number;
  exitTimeoutSecs: number;
  logFormat: 'text' | 'json';
  /** Triton's --log-verbose level: 1 or more writes debug lines. */
  logVerbose: number;
  logInfo: boolean;
  logWarning: boolean;
  logError: boolean;
  defaultMaxBatchSize?: number;
  /** Most instances one model version may have, summed over its instance groups. */
  maxInstanceCount: number;
  /** `--backend-config js,max-heap-mb=N`: heap limit of a JS model's worker, in MB. */
  jsMaxHeapMb?: number;
  /** `--backend-config js,execute-timeout-ms=N`: longest a JS model's `execute` may run; 0 never stops it. */
  jsExecuteTimeoutMs?: number;
  allowMetrics: boolean;
  allowCpuMetrics: boolean;
  allowGpuMetrics: boolean;
  metricsPort: number;
  /** Interface of the metrics endpoint; the HTTP address when not given. */
  metricsAddress: string;
  metricsIntervalMs: number;
  /** Raw `--metrics-config` values, parsed by engine/telemetry. */
  metricsConfig: string[];
  /** Raw `--trace-config` values, parsed by engine/telemetry. */
  traceConfig: string[];
  /** `--http-restricted-api` and `--grpc-restricted-protocol`. */
  restricted: RestrictedFlags;
  /** HTTPS and gRPC TLS certificates; files are read at start. */
  tls: TlsFlags;
}

const SERVE_OPTIONS = {
  'model-repository': { type: 'string' },
  'http-port': { type: 'string', default: '8000' },
  'http-address': { type: 'string', default: '0.0.0.0' },
  'allow-grpc': { type: 'string', default: 'true' },
  'grpc-port': { type: 'string', default: '8001' },
  'grpc-address': { type: 'string' },
  'model-control-mode': { type: 'string', default: 'none' },
  'load-model': { type: 'string', multiple: true, default: [] },
  'repository-poll-secs': { type: 'string', default: '15' },
  'strict-model-config': { type: 'string', default: 'false' },
  'strict-readiness': { type: 'string', default: 'true' },
  'http-max-input-size': { type: 'string', default: String(1 << 26) },
  'http-header-timeout-ms': { type: 'string', default: '10000' },
  'http-request-timeout-ms': { type: 'string', default: '30000' },
  'exit-timeout-secs': { type: 'string', default: '30' },
  'log-format': { type: 'string', default: 'text' },
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
  'trace-config': { type: 'string', multiple: true, default: [] },
  ...RESTRICTED_OPTIONS,
  ...TLS_OPTIONS,
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

/** Help text of `braid serve`. */
export const SERVE_HELP = `Usage: braid serve --model-repository DIR [options]

Serves the models in DIR over the Open Inference Protocol (KServe v2) on HTTP and gRPC.

Options:
  --model-repository DIR         model repository to serve (required)
  --http-port N                  HTTP port (default 8000; 0 picks a free port)
  --http-address ADDR            address to bind (default 0.0.0.0)
  --allow-grpc BOOL              serve inference.GRPCInferenceService too (default true)
  --grpc-port N                  gRPC port (default 8001; 0 picks a free port)
  --grpc-address ADDR            gRPC address (default: the HTTP address)
  --model-control-mode MODE      none | explicit | poll (default none)
                                   none: load every model at start; load/unload API refused
                                   explicit: load --load-model names at start, then only by API
                                   poll: load all, then rescan every --repository-poll-secs
  --load-model NAME              model to load at start in explicit mode; '*' for all (repeatable)
  --repository-poll-secs N       rescan interval in poll mode (default 15)
  --strict-model-config BOOL     require a config file for every model (default false)
  --strict-readiness BOOL        ready only when every model is READY (default true)
  --http-max-input-size BYTES    largest accepted request body (default 67108864)
  --http-header-timeout-ms N     a client still sending its request headers after N ms gets
                                 408 and is disconnected (default 10000; 0: no limit)
  --http-request-timeout-ms N    the same for the whole request, body included: bounds a body
                                 that stalls or trickles in; answering is not counted
                                 (default 30000; 0: no limit; not below the header timeout)
  --exit-timeout-secs N          grace period for in-flight requests on SIGTERM (default 30)
  --log-format text|json         log line format (default text)
  --log-verbose N                1 or more logs debug lines, one per HTTP request too (default 0)
  --log-info|--log-warning|--log-error BOOL   write lines of that severity (default true)
  --backend-config B,K=V         backend setting (repeatable): onnxruntime,default-max-batch-size=N;
                                 js,max-heap-mb=N (heap of each JS model worker, default 512);
                                 js,execute-timeout-ms=N (stop and replace a JS model worker whose
                                 execute runs longer, default 30000; 0 never)
  --max-instance-count N         most instances of one model version, summed over its
                                 instance_group entries; larger loads are refused (default 64)
  --allow-metrics BOOL           serve Prometheus metrics at /metrics (default true)
  --metrics-port N               metrics port (default 8002; 0 picks a free port)
  --metrics-address ADDR         metrics address (default: the HTTP address)
  --metrics-interval-ms N        polling interval of CPU and GPU metrics (default 2000)
  --allow-cpu-metrics BOOL       nv_cpu_* from /proc (default true)
  --allow-gpu-metrics BOOL       nv_gpu_* from nvidia-smi when present (default true)
  --metrics-config K=V           summary_latencies=true, summary_quantiles=0.5:0.05,...,
                                 counter_latencies=false, braid_latency_buckets=0.01,0.1,1,
                                 braid_batch_size_buckets=1,2,4,8 (repeatable)
  --trace-config [MODE,]K=V      tracing, as Triton: mode=opentelemetry, level=OFF|TIMESTAMPS,
                                 rate=N, count=N, opentelemetry,url=http://HOST:4318/v1/traces,
                                 opentelemetry,resource=K=V, opentelemetry,bsp_max_queue_size=N,
                                 bsp_schedule_delay=MS, bsp_max_export_batch_size=N (repeatable);
                                 OTEL_EXPORTER_OTLP_* and OTEL_SERVICE_NAME apply too
${RESTRICTED_HELP}
${TLS_HELP}
  -h, --help                     this help
`;

/**
 * Parses `braid serve` flags, validating each with a message that names the flag.
 *
 * @example
 * parseServeFlags(['--model-repository', 'models', '--http-port=9000']).httpPort; // 9000
 */
export function parseServeFlags(argv: string[]): ServeFlags | 'help' {
  const { values } = parse(argv, SERVE_OPTIONS);
  if (values.help) return 'help';
  const repo = values['model-repository'];
  if (!repo) throw usage('--model-repository is required');
  const mode = values['model-control-mode'];
  if (mode !== 'none' && mode !== 'explicit' && mode !== 'poll') {
    throw usage(`--model-control-mode must be none, explicit or poll, got '${mode}'`);
  }
  const logFormat = values['log-format'];
  if (logFormat !== 'text' && logFormat !== 'json') throw usage(`--log-format must be text or json, got '${logFormat}'`);
  const flags: ServeFlags = {
    modelRepository: repo,
    httpPort: int('--http-port', values['http-port'], 0, 65535),
    httpAddress: values['http-address'],
    allowGrpc: bool('--allow-grpc', values['allow-grpc']),
    grpcPort: int('--grpc-port', values['grpc-port'], 0, 65535),
    grpcAddress: values['grpc-address'] ?? values['http-address'],
    modelControlMode: mode,
    loadModel: values['load-model'],
    repositoryPollSecs: int('--repository-poll-secs', values['repository-poll-secs'], 1),
    strictModelConfig: bool('--strict-model-config', values['strict-model-config']),
    strictReadiness: bool('--strict-readiness', values['strict-readiness']),
    httpMaxInputSize: int('--http-max-input-size', values['http-max-input-size'], 1),
    ...httpTimeouts(values['http-header-timeout-ms'], values['http-request-timeout-ms']),
    exitTimeoutSecs: int('--exit-timeout-secs', values['exit-timeout-secs'], 0),
    logFormat,
    logVerbose: int('--log-verbose', values['log-verbose'], 0),
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
    traceConfig: values['trace-config'],
    maxInstanceCount: int('--max-instance-count', values['max-instance-count'], 1),
    restricted: parseRestrictedFlags(values),
    tls: parseTlsFlags(values),
  };
  for (const bc of values['backend-config']) applyBackendConfig(flags, bc);
  return flags;
}

/** The `--backend-config` settings: `backend,key` → the flag it sets and its least value. */
const BACKEND_CONFIG = new Map<string, { readonly flag: 'defaultMaxBatchSize' | 'jsMaxHeapMb' | 'jsExecuteTimeoutMs'; readonly min: number }>([
  ['onnxruntime,default-max-batch-size', { flag: 'defaultMaxBatchSize', min: 0 }],
  ['js,max-heap-mb', { flag: 'jsMaxHeapMb', min: 1 }],
  ['js,execute-timeout-ms', { flag: 'jsExecuteTimeoutMs', min: 0 }],
]);

function applyBackendConfig(flags: ServeFlags, bc: string): void {
  const eq = bc.indexOf('=');
  const setting = eq < 0 ? undefined : BACKEND_CONFIG.get(bc.slice(0, eq));
  if (!setting) {
    throw usage(`unsupported --backend-config '${bc}' (supported: ${[...BACKEND_CONFIG.keys()].map(k => `${k}=N`).join(', ')})`);
  }
  const flag = `--backend-config ${bc.slice(0, eq)}`;
  const value = bc.slice(eq + 1);
  if (!/^\d+$/.test(value)) throw usage(`${flag} must be a whole number, got '${value}'`);
  flags[setting.flag] = int(flag, value, setting.min);
}

/** The two HTTP timeouts; Node refuses a header timeout longer than a request timeout. */
function httpTimeouts(header: string, request: string): Pick<ServeFlags, 'httpHeaderTimeoutMs' | 'httpRequestTimeoutMs'> {
  const httpHeaderTimeoutMs = int('--http-header-timeout-ms', header, 0);
  const httpRequestTimeoutMs = int('--http-request-timeout-ms', request, 0);
  if (httpRequestTimeoutMs > 0 && httpHeaderTimeoutMs > httpRequestTimeoutMs) {
    throw usage(
      `--http-header-timeout-ms (${httpHeaderTimeoutMs}) must not exceed --http-request-timeout-ms (${httpRequestTimeoutMs})`,
    );
  }
  return { httpHeaderTimeoutMs, httpRequestTimeoutMs };
}

/** Parses flags of a simple subcommand; unknown flags are errors. */
export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T) {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (e) {
    throw usage((e as Error).message);
  }
}

function usage(msg: string): EngineError {
  return new EngineError('INVALID_ARG', msg);
}

function int(flag: string, v: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw usage(`${flag} must be an integer in [${min}, ${max}], got '${v}'`);
  return n;
}

function bool(flag: string, v: string): boolean {
  if (v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw usage(`${flag} must be true or false, got '${v}'`);
}
