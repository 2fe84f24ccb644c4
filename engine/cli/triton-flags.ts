/**
 * @module
 * The flags of Triton's command line (src/command_line_parser.cc `SetupOptions`) that Braid does
 * not honour as flags of its own. Each is recognized by name, so a Triton deployment never meets
 * "Unknown option": a flag asking for something Braid cannot do is refused with the reason (a
 * value that asks for what Braid does anyway, usually Triton's default, is accepted); a flag that
 * only tunes speed is accepted with a warning that it has no effect; Triton's deprecated trace
 * flags become the `--trace-config` settings Triton maps them to.
 */
import type { ParseArgsConfig } from 'node:util';
import { bool, int, usage } from './flag-values.js';
import type { ServeWarning } from './restricted-flags.js';

/** A Triton flag Braid refuses, and why; `harmless` values ask for what Braid does anyway. */
interface Refused {
  readonly reason: string;
  readonly harmless?: (value: string) => boolean;
}

const isFalse = (flag: string) => (v: string) => !bool(`--${flag}`, v);
const NO_SAGEMAKER = 'Braid has no SageMaker endpoint';
const NO_VERTEX = 'Braid has no Vertex AI endpoint';
const NO_PING_POLICY =
  "Braid's gRPC server (grpc-js) accepts keepalive pings at any rate, with or without calls, and has no ping policy to set";
const NO_GPU_POOLS =
  "Braid keeps no memory pools of its own: ONNX Runtime's execution providers manage device memory";
const NO_FILE_TRACES =
  "Triton's file trace mode is not supported; Braid exports traces with OpenTelemetry (--trace-config mode=opentelemetry,...)";

/** Triton's flags that Braid refuses, by name. */
export const REFUSED_TRITON_FLAGS: ReadonlyMap<string, Refused> = new Map<string, Refused>([
  [
    'reuse-http-port',
    {
      reason: 'Node.js 20 cannot share a listening port between processes (SO_REUSEPORT)',
      harmless: isFalse('reuse-http-port'),
    },
  ],
  [
    'reuse-grpc-port',
    {
      reason: 'grpc-js cannot share a listening port between processes (SO_REUSEPORT)',
      harmless: isFalse('reuse-grpc-port'),
    },
  ],
  [
    'http-header-forward-pattern',
    { reason: 'Braid does not copy HTTP headers into inference request parameters' },
  ],
  [
    'grpc-header-forward-pattern',
    { reason: 'Braid does not copy gRPC metadata into inference request parameters' },
  ],
  [
    'grpc-infer-response-compression-level',
    {
      reason: "Braid's gRPC answers are not compressed",
      harmless: v => v.toLowerCase() === 'none',
    },
  ],
  ['grpc-keepalive-permit-without-calls', { reason: NO_PING_POLICY }],
  ['grpc-http2-max-pings-without-data', { reason: NO_PING_POLICY }],
  ['grpc-http2-min-recv-ping-interval-without-data', { reason: NO_PING_POLICY }],
  ['grpc-http2-max-ping-strikes', { reason: NO_PING_POLICY }],
  ['allow-sagemaker', { reason: NO_SAGEMAKER, harmless: isFalse('allow-sagemaker') }],
  ['sagemaker-port', { reason: NO_SAGEMAKER }],
  ['sagemaker-safe-port-range', { reason: NO_SAGEMAKER }],
  ['sagemaker-thread-count', { reason: NO_SAGEMAKER }],
  ['allow-vertex-ai', { reason: NO_VERTEX, harmless: isFalse('allow-vertex-ai') }],
  ['vertex-ai-port', { reason: NO_VERTEX }],
  ['vertex-ai-thread-count', { reason: NO_VERTEX }],
  ['vertex-ai-default-model', { reason: NO_VERTEX }],
  ['trace-file', { reason: NO_FILE_TRACES }],
  ['trace-log-frequency', { reason: NO_FILE_TRACES }],
  [
    'cache-directory',
    { reason: "Braid's local response cache is built in: there are no cache libraries to load" },
  ],
  [
    'rate-limit',
    {
      reason: 'Braid has no rate limiter: a request runs as soon as an instance is free',
      harmless: v => v.toLowerCase() === 'off',
    },
  ],
  [
    'rate-limit-resource',
    { reason: 'Braid has no rate limiter, so there are no resources to count' },
  ],
  ['pinned-memory-pool-byte-size', { reason: NO_GPU_POOLS }],
  ['cuda-memory-pool-byte-size', { reason: NO_GPU_POOLS }],
  ['cuda-virtual-address-size', { reason: NO_GPU_POOLS }],
  [
    'min-supported-compute-capability',
    {
      reason:
        'Braid does not choose GPUs by compute capability: a model names its GPUs in instance_group',
    },
  ],
  ['model-load-gpu-limit', { reason: 'Braid does not measure GPU memory before a load' }],
  ['host-policy', { reason: 'Braid has no host policies (NUMA node or CPU core pinning)' }],
  [
    'model-load-retry-count',
    {
      reason:
        'Braid does not retry a failed load: the model stays UNAVAILABLE with its reason and can be loaded again',
      harmless: v => int('--model-load-retry-count', v, 0) === 0,
    },
  ],
  [
    'model-namespacing',
    {
      reason: 'Braid serves one model repository, so no two models can share a name',
      harmless: isFalse('model-namespacing'),
    },
  ],
  [
    'backend-directory',
    {
      reason:
        "Braid's backends (onnxruntime, js, pipeline) are built in: there are no backend libraries to load",
    },
  ],
  ['repoagent-directory', { reason: 'Braid has no repository agents' }],
]);

/** Triton's flags that tune only speed, accepted with a warning saying why they change nothing here. */
export const TUNING_TRITON_FLAGS: ReadonlyMap<string, string> = new Map([
  [
    'model-load-thread-count',
    'models load concurrently, each in its own backend workers, without a thread pool to size',
  ],
  [
    'buffer-manager-thread-count',
    'tensor contents are copied by the request that carries them, without helper threads',
  ],
  [
    'grpc-infer-allocation-pool-size',
    'grpc-js allocates each message; there is no pool of request objects to size',
  ],
]);

/** Triton's deprecated trace flags and the `--trace-config` setting each becomes, as Triton maps them. */
const DEPRECATED_TRACE_FLAGS: ReadonlyMap<string, string> = new Map([
  ['trace-level', 'level'],
  ['trace-rate', 'rate'],
  ['trace-count', 'count'],
]);

const names = [
  ...REFUSED_TRITON_FLAGS.keys(),
  ...TUNING_TRITON_FLAGS.keys(),
  ...DEPRECATED_TRACE_FLAGS.keys(),
];

/**
 * The `parseArgs` options of these flags, spread into `braid serve`'s: every value is kept, to be
 * checked. Typed loosely on purpose: their values are read only by {@link readTritonFlags}.
 */
export const TRITON_OPTIONS: ParseArgsConfig['options'] = Object.fromEntries(
  names.map(n => [n, { type: 'string', multiple: true }]),
);

/** What the Triton-only flags add to `braid serve`: trace settings and warnings to log at start. */
export interface TritonFlagEffects {
  /** `--trace-config` entries from the deprecated trace flags, to go before the explicit ones. */
  readonly traceConfig: readonly string[];
  readonly warnings: readonly ServeWarning[];
}

/**
 * Checks the values of the flags in {@link TRITON_OPTIONS}: throws INVALID_ARG naming the first
 * refused flag and the reason; returns what the others set.
 *
 * @example
 * readTritonFlags({ 'model-load-thread-count': ['8'] }).warnings[0]?.msg;
 * // '--model-load-thread-count has no effect in Braid'
 * readTritonFlags({ 'rate-limit': ['execution_count'] }); // throws: --rate-limit is not supported: Braid has no rate limiter: ...
 */
export function readTritonFlags(values: Readonly<Record<string, unknown>>): TritonFlagEffects {
  const traceConfig: string[] = [];
  const warnings: ServeWarning[] = [];
  for (const name of names) {
    const given = values[name];
    for (const value of Array.isArray(given) ? (given as unknown[]).map(String) : []) {
      const refused = REFUSED_TRITON_FLAGS.get(name);
      if (refused && !refused.harmless?.(value))
        throw usage(`--${name} is not supported: ${refused.reason}`);
      const tuning = TUNING_TRITON_FLAGS.get(name);
      if (tuning) {
        int(`--${name}`, value, 0);
        warnings.push({ msg: `--${name} has no effect in Braid`, fields: { value, why: tuning } });
      }
      const setting = DEPRECATED_TRACE_FLAGS.get(name);
      if (setting) {
        traceConfig.push(`${setting}=${value}`);
        warnings.push({
          msg: `--${name} is deprecated`,
          fields: { use: `--trace-config ${setting}=${value}` },
        });
      }
    }
  }
  return { traceConfig, warnings };
}
