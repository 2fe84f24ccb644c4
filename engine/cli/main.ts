#!/usr/bin/env node
/**
 * @module The `braid` command: dispatches to serve, validate, schema, convert, perf, analyze and
 * test, and turns their failures into exit codes.
 */
/* eslint-disable no-console -- the CLI's entry point talks to the terminal */
import { isEngineError } from '../core/errors.js';
import { parseServeFlags, SERVE_HELP } from './args.js';
import { ANALYZE_HELP } from './analyze/flags.js';
import { runAnalyzeCommand } from './analyze/command.js';
import { CONVERT_HELP, runConvert } from './convert.js';
import { runPerfCommand } from './perf/command.js';
import { PERF_HELP } from './perf/flags.js';
import { runSchema, SCHEMA_HELP } from './schema.js';
import { loggerFor, serve } from './serve.js';
import { runTestCommand, TEST_HELP } from './test/command.js';
import { runValidate, VALIDATE_HELP } from './validate.js';

const HELP = `Usage: braid <command> [options]

Commands:
  serve      serve a model repository over the Open Inference Protocol (HTTP)
  validate   check every model in a repository: configs, model files, config vs model
  schema     write the JSON Schemas of the config files (for editors)
  convert    convert a model config between Triton's config.pbtxt and config.yaml
  perf       measure a served model: throughput, latency percentiles, server-side breakdown
  analyze    search a model's batching and instance settings for the best config under a budget
  test       run the test files of pipelines and models (*.test.yaml), in-process or against a server

Run 'braid <command> --help' for a command's options.
`;

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      return runServe(rest);
    case 'validate':
      return runValidate(rest, line => console.log(line));
    case 'schema':
      return runSchema(rest, line => console.log(line));
    case 'convert':
      return runConvert(rest, text => console.log(text));
    case 'perf':
      return runPerfCommand(rest, { out: text => process.stdout.write(text), err: process.stderr });
    case 'analyze':
      return runAnalyzeCommand(rest, {
        out: text => process.stdout.write(text),
        err: process.stderr,
      });
    case 'test':
      return runTestCommand(rest, {
        out: text => void process.stdout.write(text),
        err: text => void process.stderr.write(text),
      });
    case undefined:
    case '-h':
    case '--help':
    case 'help':
      console.log(
        HELP +
          `
${SERVE_HELP}
${VALIDATE_HELP}
${SCHEMA_HELP}
${CONVERT_HELP}
${PERF_HELP}
${ANALYZE_HELP}
${TEST_HELP}`,
      );
      return command === undefined ? 1 : 0;
    default:
      console.error(`braid: unknown command '${command}'\n\n${HELP}`);
      return 2;
  }
}

async function runServe(argv: string[]): Promise<number> {
  const flags = parseServeFlags(argv);
  if (flags === 'help') {
    console.log(SERVE_HELP);
    return 0;
  }
  const logger = loggerFor(flags);
  const server = await serve(flags, logger);
  await new Promise<void>(resolve => {
    const stop = (signal: string) => {
      logger.log('info', 'signal received', { signal });
      void server.stop().then(resolve);
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  });
  return 0;
}

main(process.argv.slice(2)).then(
  code => process.exit(code),
  (e: unknown) => {
    console.error(`braid: ${isEngineError(e) || e instanceof Error ? e.message : String(e)}`);
    process.exit(isEngineError(e) && e.code === 'INVALID_ARG' ? 2 : 1);
  },
);
