import { parseArgs, type ParseArgsConfig } from 'node:util';
import { EngineError } from '../core/errors.js';

/** Flags of `braid serve`, as Triton names them where Triton has the same flag. */
export interface ServeFlags {
  modelRepository: string;
  httpPort: number;
  httpAddress: string;
  modelControlMode: 'none' | 'explicit' | 'poll';
  loadModel: string[];
  repositoryPollSecs: number;
  strictModelConfig: boolean;
  strictReadiness: boolean;
  httpMaxInputSize: number;
  exitTimeoutSecs: number;
  logFormat: 'text' | 'json';
  logVerbose: boolean;
  defaultMaxBatchSize?: number;
}

const SERVE_OPTIONS = {
  'model-repository': { type: 'string' },
  'http-port': { type: 'string', default: '8000' },
  'http-address': { type: 'string', default: '0.0.0.0' },
  'model-control-mode': { type: 'string', default: 'none' },
  'load-model': { type: 'string', multiple: true, default: [] },
  'repository-poll-secs': { type: 'string', default: '15' },
  'strict-model-config': { type: 'string', default: 'false' },
  'strict-readiness': { type: 'string', default: 'true' },
  'http-max-input-size': { type: 'string', default: String(1 << 26) },
  'exit-timeout-secs': { type: 'string', default: '30' },
  'log-format': { type: 'string', default: 'text' },
  'log-verbose': { type: 'string', default: '0' },
  'backend-config': { type: 'string', multiple: true, default: [] },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

/** Help text of `braid serve`. */
export const SERVE_HELP = `Usage: braid serve --model-repository DIR [options]

Serves the models in DIR over the Open Inference Protocol (KServe v2) on HTTP.

Options:
  --model-repository DIR         model repository to serve (required)
  --http-port N                  HTTP port (default 8000; 0 picks a free port)
  --http-address ADDR            address to bind (default 0.0.0.0)
  --model-control-mode MODE      none | explicit | poll (default none)
                                   none: load every model at start; load/unload API refused
                                   explicit: load --load-model names at start, then only by API
                                   poll: load all, then rescan every --repository-poll-secs
  --load-model NAME              model to load at start in explicit mode; '*' for all (repeatable)
  --repository-poll-secs N       rescan interval in poll mode (default 15)
  --strict-model-config BOOL     require a config file for every model (default false)
  --strict-readiness BOOL        ready only when every model is READY (default true)
  --http-max-input-size BYTES    largest accepted request body (default 67108864)
  --exit-timeout-secs N          grace period for in-flight requests on SIGTERM (default 30)
  --log-format text|json         log line format (default text)
  --log-verbose N                1 or more logs debug lines (default 0)
  --backend-config B,K=V         backend setting, e.g. onnxruntime,default-max-batch-size=8
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
    modelControlMode: mode,
    loadModel: values['load-model'],
    repositoryPollSecs: int('--repository-poll-secs', values['repository-poll-secs'], 1),
    strictModelConfig: bool('--strict-model-config', values['strict-model-config']),
    strictReadiness: bool('--strict-readiness', values['strict-readiness']),
    httpMaxInputSize: int('--http-max-input-size', values['http-max-input-size'], 1),
    exitTimeoutSecs: int('--exit-timeout-secs', values['exit-timeout-secs'], 0),
    logFormat,
    logVerbose: int('--log-verbose', values['log-verbose'], 0) > 0,
  };
  for (const bc of values['backend-config']) {
    const m = /^onnxruntime,default-max-batch-size=(\d+)$/.exec(bc);
    if (!m) throw usage(`unsupported --backend-config '${bc}' (supported: onnxruntime,default-max-batch-size=N)`);
    flags.defaultMaxBatchSize = Number(m[1]);
  }
  return flags;
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
