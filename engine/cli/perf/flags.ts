/**
 * Flags of `braid perf`, named as perf_analyzer names them where it has the same flag.
 *
 * @module
 */
import type { ParseArgsConfig } from 'node:util';
import { EngineError } from '../../core/errors.js';
import { parse } from '../args.js';
import type { PerfFormat } from './format.js';
import { DEFAULT_GRPC_URL } from './perf-target.js';
import { parseShapeFlag } from './input-shapes.js';
import { parseRange } from './range.js';
import type { PerfOptions } from './run-perf.js';

/** What the command line asks `braid perf` to do. */
export interface PerfCommand {
  readonly help: boolean;
  readonly selfTest: boolean;
  /** Everything but the input data, which may be a file still to read. */
  readonly perf: PerfOptions;
  /** `zero`, `random`, or the path of a JSON data file. */
  readonly inputData: string;
  readonly format: PerfFormat;
  readonly outFile?: string;
}

const PERF_OPTIONS = {
  'model-name': { type: 'string', short: 'm' },
  url: { type: 'string', short: 'u' },
  protocol: { type: 'string', short: 'i', default: 'http' },
  'model-version': { type: 'string', short: 'x' },
  'batch-size': { type: 'string', short: 'b', default: '1' },
  'input-data': { type: 'string', default: 'random' },
  shape: { type: 'string', multiple: true, default: [] },
  binary: { type: 'boolean', default: false },
  json: { type: 'boolean', default: false },
  'concurrency-range': { type: 'string' },
  'request-rate-range': { type: 'string' },
  'request-distribution': { type: 'string', default: 'constant' },
  'max-connections': { type: 'string', default: '64' },
  'measurement-interval': { type: 'string', short: 'p', default: '5000' },
  'stability-percentage': { type: 'string', short: 's', default: '10' },
  'max-trials': { type: 'string', short: 'r', default: '10' },
  percentile: { type: 'string' },
  'latency-threshold': { type: 'string', short: 'l' },
  'warmup-ms': { type: 'string', default: '1000' },
  format: { type: 'string', default: 'table' },
  'output-file': { type: 'string', short: 'f' },
  client: { type: 'string', default: 'raw' },
  'self-test': { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

/** Help text of `braid perf`. */
export const PERF_HELP = `Usage: braid perf -m MODEL [options]
       braid perf --self-test [--concurrency-range N]

Measures a model or pipeline served over the Open Inference Protocol (Braid, Triton or any KServe v2
server): throughput, client latency (avg, p50, p90, p95, p99) and, from the statistics extension, the
server's time per request (queue, compute input/infer/output, overhead) and average batch.

Options:
  -m, --model-name NAME            model or pipeline to measure (required)
  -u, --url URL                    server (default http://localhost:8000; localhost:8001 for gRPC)
  -i, --protocol http|grpc         HTTP/REST (default) or gRPC (ModelInfer, one channel shared
                                   by all requests in flight)
  -x, --model-version V            version (default: the server's choice)
  -b, --batch-size N               inferences per request (default 1)
  --input-data zero|random|FILE    input values; FILE is perf_analyzer's {"data": [{INPUT: [...]}, ...]}
  --shape NAME:d1,d2,...           dimensions (without batch) of an input with variable dimensions (repeatable)
  --binary | --json                tensor encoding over HTTP: binary tensor extension (default) or
                                   JSON; gRPC always sends raw_input_contents
  --concurrency-range A[:B[:C]]    closed loop with A, A+C, ... B requests outstanding (default 1)
  --request-rate-range A[:B[:C]]   send A, A+C, ... B requests/s instead
  --request-distribution D         constant | poisson gaps between sends at a rate (default constant)
  --max-connections N              connections of a request-rate level (default 64)
  -p, --measurement-interval MS    measurement window (default 5000)
  -s, --stability-percentage P     the last 3 windows must agree within P % (default 10)
  -r, --max-trials N               windows per level at most (default 10)
  --percentile N                   watch the Nth percentile for stability instead of the average
  -l, --latency-threshold MS       stop the sweep after a level above this latency
  --warmup-ms MS                   load before the first window of each level (default 1000)
  --format table|json|csv          stdout format (default table)
  -f, --output-file FILE           also write the report to FILE (.json, .csv, else --format)
  --client raw|http                the generator's HTTP client (default raw, the cheaper one)
  --self-test                      measure the generator's own ceiling against a trivial server
  -h, --help                       this help
`;

function usage(msg: string): EngineError {
  return new EngineError('INVALID_ARG', msg);
}

function num(flag: string, v: string, min: number, integer = true): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw usage(`${flag} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got '${v}'`);
  }
  return n;
}

function oneOf<T extends string>(flag: string, v: string, allowed: readonly T[]): T {
  if (!(allowed as readonly string[]).includes(v))
    throw usage(`${flag} must be ${allowed.join(', ')}, got '${v}'`);
  return v as T;
}

function loadShape(
  values: ReturnType<typeof parsePerf>['values'],
): Pick<PerfOptions, 'mode' | 'range'> {
  const conc = values['concurrency-range'];
  const rate = values['request-rate-range'];
  if (conc !== undefined && rate !== undefined)
    throw usage('give --concurrency-range or --request-rate-range, not both');
  if (rate !== undefined)
    return { mode: 'rate', range: parseRange(rate, '--request-rate-range', false) };
  return { mode: 'concurrency', range: parseRange(conc ?? '1', '--concurrency-range', true) };
}

function parsePerf(argv: string[]) {
  return parse(argv, PERF_OPTIONS);
}

/**
 * Parses `braid perf` flags, validating each with a message that names the flag.
 *
 * @example
 * parsePerfFlags(['-m', 'simple', '--concurrency-range', '1:4']).perf.range; // { start: 1, end: 4, step: 1 }
 */
export function parsePerfFlags(argv: string[]): PerfCommand {
  const { values } = parsePerf(argv);
  const selfTest = values['self-test'];
  const model = values['model-name'];
  if (!values.help && !selfTest && !model) throw usage('-m/--model-name is required');
  if (values.binary && values.json) throw usage('give --binary or --json, not both');
  const percentile =
    values.percentile === undefined ? undefined : num('--percentile', values.percentile, 1);
  if (percentile !== undefined && percentile > 99)
    throw usage(`--percentile must be in [1, 99], got ${percentile}`);
  const threshold = values['latency-threshold'];
  const protocol = oneOf('-i/--protocol', values.protocol.toLowerCase(), ['http', 'grpc'] as const);
  if (protocol === 'grpc' && values.json) throw usage('--json applies to HTTP only, not -i grpc');
  const perf: PerfOptions = {
    url: values.url ?? (protocol === 'grpc' ? DEFAULT_GRPC_URL : 'http://localhost:8000'),
    protocol,
    model: model ?? '',
    ...(values['model-version'] ? { version: values['model-version'] } : {}),
    batchSize: num('-b/--batch-size', values['batch-size'], 1),
    shapes: new Map(values.shape.map(parseShapeFlag)),
    encoding: values.json ? 'json' : 'binary',
    ...loadShape(values),
    distribution: oneOf('--request-distribution', values['request-distribution'], [
      'constant',
      'poisson',
    ] as const),
    maxConnections: num('--max-connections', values['max-connections'], 1),
    windowMs: num('-p/--measurement-interval', values['measurement-interval'], 1),
    stabilityPercentage: num('-s/--stability-percentage', values['stability-percentage'], 0, false),
    maxTrials: num('-r/--max-trials', values['max-trials'], 1),
    warmupMs: num('--warmup-ms', values['warmup-ms'], 0),
    client: oneOf('--client', values.client, ['raw', 'http'] as const),
    ...(percentile === undefined ? {} : { percentile }),
    ...(threshold === undefined
      ? {}
      : { latencyThresholdMs: num('-l/--latency-threshold', threshold, 0, false) }),
  };
  const outFile = values['output-file'];
  return {
    help: values.help,
    selfTest,
    perf,
    inputData: values['input-data'],
    format: oneOf('--format', values.format, ['table', 'json', 'csv'] as const),
    ...(outFile === undefined ? {} : { outFile }),
  };
}
