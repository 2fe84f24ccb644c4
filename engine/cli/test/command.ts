/**
 * @module `braid test`: the command line of the test runner. Parses flags, picks the reporter and
 * where it writes, runs the suite (once, or again on every change with --watch) and returns the
 * exit code: 0 when every case passed and coverage met --coverage-min, 1 otherwise.
 */
import { writeFile } from 'node:fs/promises';
import { EngineError } from '../../core/errors.js';
import { noopLogger } from '../../core/logger.js';
import { parse } from '../args.js';
import { cliClock } from '../perf/cli-clock.js';
import { junitReporter } from './reporters/junit.js';
import { specReporter } from './reporters/spec.js';
import { tapReporter } from './reporters/tap.js';
import { coverageShortfalls, summaryLine } from './reporters/types.js';
import type { Reporter, Sink } from './reporters/types.js';
import { runSuite } from './run-suite.js';
import { watchDirectories, watchLoop } from './watch.js';

/** Help text of `braid test`. */
export const TEST_HELP = `Usage: braid test [PATH...] [options]

Runs the test files (*.test.yaml) found under PATH (default: the model repository), each a list of
cases sent to a pipeline or model: inputs, request parameters, and what must come back (outputs
with tolerances, shapes, bounds, strings, golden snapshots; how steps went; errors; latency).
In-process by default: an engine is built from the repository, loading only what the tested
pipelines call, with stubs in place of the models they replace; stub delays move the clock
instead of waiting. Exits 1 if any case fails.

Options:
  --model-repository DIR   the repository (default: found above each test file: <repo>/<pipeline>/tests/)
  --url URL                send the cases to a running server instead (Braid, Triton, any KServe v2
                           server); cases with stubs fail, as a server runs its real models
  --filter TEXT            run only cases whose file, pipeline or name contains TEXT
  --reporter R             spec (default), tap, or junit
  --output FILE            write the report to FILE (the summary line still goes to stdout)
  --coverage               print each tested pipeline's coverage: steps, when: guards (true/false),
                           map: (empty/non-empty), retries and on_error fallbacks
  --coverage-min PCT       fail when a tested pipeline's coverage is below PCT (implies --coverage)
  --update                 record the outputs marked snapshot: true as golden files
  --watch                  run again whenever a file under the tested paths or the repository changes
`;

/** Where the command writes. */
export interface TestCommandIo {
  readonly out: Sink;
  readonly err: Sink;
}

/** What the command line asks for. */
interface TestFlags {
  readonly paths: readonly string[];
  readonly repository?: string;
  readonly url?: string;
  readonly filter?: string;
  readonly reporter: string;
  readonly output?: string;
  readonly coverage: boolean;
  readonly coverageMin?: number;
  readonly update: boolean;
  readonly watch: boolean;
}

/**
 * Runs `braid test`; resolves with the exit code (never, with --watch).
 *
 * @example
 * const code = await runTestCommand(['examples/model_repository', '--coverage'], { out: t => process.stdout.write(t), err: t => process.stderr.write(t) });
 */
export async function runTestCommand(argv: string[], io: TestCommandIo): Promise<number> {
  const flags = parseTestFlags(argv);
  if (flags === 'help') {
    io.out(TEST_HELP);
    return 0;
  }
  if (!flags.watch) return runOnce(flags, io);
  const dirs = [
    ...new Set([...flags.paths, ...(flags.repository === undefined ? [] : [flags.repository])]),
  ];
  await watchLoop({
    run: () => runOnce(flags, io),
    changes: watchDirectories(dirs, cliClock),
    notify: line => io.err(`${line}\n`),
  });
  return 0;
}

function parseTestFlags(argv: string[]): TestFlags | 'help' {
  const { values, positionals } = parse(argv, {
    'model-repository': { type: 'string' },
    url: { type: 'string' },
    filter: { type: 'string' },
    reporter: { type: 'string', default: 'spec' },
    output: { type: 'string' },
    coverage: { type: 'boolean', default: false },
    'coverage-min': { type: 'string' },
    update: { type: 'boolean', default: false },
    watch: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) return 'help';
  const repository = values['model-repository'];
  if (positionals.length === 0 && repository === undefined)
    throw new EngineError(
      'INVALID_ARG',
      'braid test: give the test files or directories to run, or --model-repository',
    );
  if (!['spec', 'tap', 'junit'].includes(values.reporter))
    throw new EngineError(
      'INVALID_ARG',
      `--reporter must be spec, tap or junit, got '${values.reporter}'`,
    );
  const min = values['coverage-min'];
  const coverageMin = min === undefined ? undefined : Number(min);
  if (coverageMin !== undefined && !(coverageMin >= 0 && coverageMin <= 100))
    throw new EngineError(
      'INVALID_ARG',
      `--coverage-min must be a percentage from 0 to 100, got '${min}'`,
    );
  if (values.url !== undefined && !/^https?:\/\//.test(values.url))
    throw new EngineError(
      'INVALID_ARG',
      `--url must start with http:// or https://, got '${values.url}'`,
    );
  return {
    paths: positionals,
    ...(repository === undefined ? {} : { repository }),
    ...(values.url === undefined ? {} : { url: values.url }),
    ...(values.filter === undefined ? {} : { filter: values.filter }),
    reporter: values.reporter,
    ...(values.output === undefined ? {} : { output: values.output }),
    coverage: values.coverage || coverageMin !== undefined,
    ...(coverageMin === undefined ? {} : { coverageMin }),
    update: values.update,
    watch: values.watch,
  };
}

async function runOnce(flags: TestFlags, io: TestCommandIo): Promise<number> {
  let report = '';
  const sink: Sink = flags.output !== undefined ? text => void (report += text) : io.out;
  const summary = await runSuite({
    ...flags,
    reporter: makeReporter(flags.reporter, sink),
    clock: cliClock,
    logger: noopLogger,
  });
  if (flags.output !== undefined) await writeFile(flags.output, report);
  const shortfalls = coverageShortfalls(summary);
  // Machine formats keep stdout parseable; people still get the summary line.
  const summaryTo =
    flags.output !== undefined ? io.out : flags.reporter === 'spec' ? undefined : io.err;
  summaryTo?.(`${shortfalls.map(s => `${s.message}\n`).join('')}${summaryLine(summary)}\n`);
  if (summary.passed + summary.failed + summary.skipped === 0) {
    io.err(
      `braid test: no test cases found${flags.filter === undefined ? '' : ` matching '${flags.filter}'`} (test files are named *.test.yaml)\n`,
    );
    return 1;
  }
  return summary.failed > 0 || shortfalls.length > 0 ? 1 : 0;
}

function makeReporter(name: string, sink: Sink): Reporter {
  if (name === 'tap') return tapReporter(sink);
  if (name === 'junit') return junitReporter(sink);
  return specReporter(sink);
}
