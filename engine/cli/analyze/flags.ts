/**
 * Flags of `braid analyze`: the model and repository, the objective and constraints, the search,
 * the settings to search (Model Analyzer's manual mode), and how each candidate is measured.
 *
 * @module
 */
import type { ParseArgsConfig } from 'node:util';
import { EngineError } from '../../core/errors.js';
import { parse } from '../args.js';
import { parseShapeFlag } from '../perf/input-shapes.js';
import { parseRange, rangeValues } from '../perf/range.js';
import type { Constraints, Objective } from './score.js';
import type { IntraOp, Preferred, QueueDelay, SearchSpace } from './space.js';

/** What the command line asks `braid analyze` to do. */
export interface AnalyzeCommand {
  readonly help: boolean;
  readonly model: string;
  readonly repository: string;
  readonly objective: Objective;
  readonly constraints: Constraints;
  readonly search: 'quick' | 'brute';
  readonly space: Partial<SearchSpace>;
  readonly concurrency: readonly number[];
  readonly batchSize: number;
  readonly inputData: string;
  readonly shapes: ReadonlyMap<string, readonly number[]>;
  readonly encoding: 'binary' | 'json';
  readonly windowMs: number;
  readonly warmupMs: number;
  readonly maxTrials: number;
  readonly stabilityPercentage: number;
  readonly outputDir: string;
}

const ANALYZE_OPTIONS = {
  'model-name': { type: 'string', short: 'm' },
  'model-repository': { type: 'string' },
  'latency-budget': { type: 'string' },
  'min-throughput': { type: 'string' },
  search: { type: 'string', default: 'quick' },
  objective: { type: 'string', default: 'throughput' },
  concurrency: { type: 'string', default: '1,4,16,64' },
  'max-batch-sizes': { type: 'string' },
  'queue-delays': { type: 'string' },
  'preferred-batch-sizes': { type: 'string' },
  'instance-counts': { type: 'string' },
  'intra-op-threads': { type: 'string' },
  'batch-size': { type: 'string', short: 'b', default: '1' },
  'input-data': { type: 'string', default: 'random' },
  shape: { type: 'string', multiple: true, default: [] },
  json: { type: 'boolean', default: false },
  'measurement-interval': { type: 'string', short: 'p', default: '1000' },
  'warmup-ms': { type: 'string', default: '500' },
  'max-trials': { type: 'string', short: 'r', default: '5' },
  'stability-percentage': { type: 'string', short: 's', default: '10' },
  'output-dir': { type: 'string', short: 'o' },
  help: { type: 'boolean', short: 'h', default: false },
} as const satisfies ParseArgsConfig['options'];

/** Help text of `braid analyze`. */
export const ANALYZE_HELP = `Usage: braid analyze -m MODEL --model-repository DIR [options]

Finds the configuration of MODEL that serves best under your constraints. Measures the current
config, then candidates (max_batch_size, dynamic batching delay and preferred sizes, instance
count, ONNX Runtime intra-op threads), each served by its own braid serve on a temporary copy of
the repository (the original is never changed), with braid perf's engine over a concurrency sweep.
Writes the best config.yaml, report.html (curves, tables; opens offline) and results.json.

Options:
  -m, --model-name NAME          model to tune (required)
  --model-repository DIR         repository holding it (required)
  --latency-budget MS            p99 latency every chosen point must stay within
  --min-throughput N             inferences/s every chosen point must reach
  --objective throughput|latency highest throughput (default) or lowest p99 within the constraints
  --search quick|brute           hill-climb from the current config (default) or every candidate
  --concurrency LIST|A:B:C       load levels of each measurement (default 1,4,16,64)
  --max-batch-sizes LIST         e.g. 8,16,64 (default: a quarter of and the current value)
  --queue-delays LIST            µs, or off for no dynamic batching (default off,100,1000)
  --preferred-batch-sizes LIST   none and/or max (default: the current setting)
  --instance-counts LIST         e.g. 1,2 (default 1,2)
  --intra-op-threads LIST        default and/or counts (default: default,1; also cores/2 on 4+ cores)
  -b, --batch-size N             inferences per request (default 1)
  --input-data zero|random|FILE  as braid perf; --shape NAME:dims and --json as well
  -p, --measurement-interval MS  window (default 1000)
  --warmup-ms MS                 warm-up per level (default 500)
  -r, --max-trials N             windows per level at most (default 5)
  -s, --stability-percentage P   stability tolerance (default 10)
  -o, --output-dir DIR           where to write (default ./braid-analyze-MODEL)
  -h, --help                     this help
`;

function usage(msg: string): EngineError {
  return new EngineError('INVALID_ARG', msg);
}

function num(flag: string, v: string, min: number, integer = true): number {
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < min || (integer && !Number.isInteger(n))) {
    throw usage(`${flag} must be ${integer ? 'an integer' : 'a number'} >= ${min}, got '${v}'`);
  }
  return n;
}

function list<T>(flag: string, v: string | undefined, item: (s: string) => T): T[] | undefined {
  if (v === undefined) return undefined;
  const parts = v.split(',').map(s => s.trim());
  if (parts.some(p => p === '')) throw usage(`${flag} must be a comma-separated list, got '${v}'`);
  return parts.map(item);
}

function queueDelay(s: string): QueueDelay {
  return s === 'off' ? s : num('--queue-delays', s, 0);
}

function intraOp(s: string): IntraOp {
  return s === 'default' ? s : num('--intra-op-threads', s, 1);
}

function spaceFlags(values: ReturnType<typeof parseAnalyze>['values']): Partial<SearchSpace> {
  const entries: [keyof SearchSpace, readonly unknown[] | undefined][] = [
    [
      'maxBatchSize',
      list('--max-batch-sizes', values['max-batch-sizes'], s => num('--max-batch-sizes', s, 1)),
    ],
    ['queueDelayUs', list<QueueDelay>('--queue-delays', values['queue-delays'], queueDelay)],
    [
      'preferred',
      list<Preferred>('--preferred-batch-sizes', values['preferred-batch-sizes'], s => {
        if (s !== 'none' && s !== 'max')
          throw usage(`--preferred-batch-sizes values must be none or max, got '${s}'`);
        return s === 'max' ? 'max' : [];
      }),
    ],
    [
      'instances',
      list('--instance-counts', values['instance-counts'], s => num('--instance-counts', s, 1)),
    ],
    ['intraOpThreads', list<IntraOp>('--intra-op-threads', values['intra-op-threads'], intraOp)],
  ];
  return Object.fromEntries(entries.filter(([, v]) => v !== undefined)) as Partial<SearchSpace>;
}

function concurrencyLevels(v: string): number[] {
  if (v.includes(':')) return rangeValues(parseRange(v, '--concurrency', true));
  return list('--concurrency', v, s => num('--concurrency', s, 1)) ?? [];
}

function parseAnalyze(argv: string[]) {
  return parse(argv, ANALYZE_OPTIONS);
}

/**
 * Parses `braid analyze` flags, validating each with a message that names the flag.
 *
 * @example
 * parseAnalyzeFlags(['-m', 'mlp', '--model-repository', 'models', '--latency-budget', '20']).constraints;
 */
export function parseAnalyzeFlags(argv: string[]): AnalyzeCommand {
  const { values } = parseAnalyze(argv);
  const model = values['model-name'] ?? '';
  const repository = values['model-repository'] ?? '';
  if (!values.help && (!model || !repository))
    throw usage('-m/--model-name and --model-repository are required');
  const objective = values.objective;
  if (objective !== 'throughput' && objective !== 'latency') {
    throw usage(`--objective must be throughput or latency, got '${objective}'`);
  }
  const search = values.search;
  if (search !== 'quick' && search !== 'brute')
    throw usage(`--search must be quick or brute, got '${search}'`);
  const budget = values['latency-budget'];
  const min = values['min-throughput'];
  return {
    help: values.help,
    model,
    repository,
    objective,
    search,
    constraints: {
      ...(budget === undefined
        ? {}
        : { latencyBudgetMs: num('--latency-budget', budget, 0, false) }),
      ...(min === undefined ? {} : { minThroughput: num('--min-throughput', min, 0, false) }),
    },
    space: spaceFlags(values),
    concurrency: concurrencyLevels(values.concurrency),
    batchSize: num('-b/--batch-size', values['batch-size'], 1),
    inputData: values['input-data'],
    shapes: new Map(values.shape.map(parseShapeFlag)),
    encoding: values.json ? 'json' : 'binary',
    windowMs: num('-p/--measurement-interval', values['measurement-interval'], 1),
    warmupMs: num('--warmup-ms', values['warmup-ms'], 0),
    maxTrials: num('-r/--max-trials', values['max-trials'], 1),
    stabilityPercentage: num('-s/--stability-percentage', values['stability-percentage'], 0, false),
    outputDir: values['output-dir'] ?? `braid-analyze-${model}`,
  };
}
