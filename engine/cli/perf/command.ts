/**
 * `braid perf`: parse the flags, measure, print the report.
 *
 * @module
 */
import { writeFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { parsePerfFlags, PERF_HELP } from './flags.js';
import { formatReport } from './format.js';
import type { PerfFormat } from './format.js';
import { readInputData } from './input-data-file.js';
import type { InputDataSource } from './inputs.js';
import { createProgress } from './progress.js';
import { runPerf } from './run-perf.js';
import { formatSelfTest, runSelfTest } from './self-test.js';

/** Where the command writes: the report to `out`, progress and warnings to `err`. */
export interface PerfIo {
  readonly out: (text: string) => void;
  readonly err: { readonly isTTY?: boolean; write(text: string): unknown };
}

function fileFormat(file: string, fallback: PerfFormat): PerfFormat {
  const ext = extname(file).toLowerCase();
  return ext === '.json' ? 'json' : ext === '.csv' ? 'csv' : fallback;
}

async function inputSource(spec: string): Promise<InputDataSource> {
  return spec === 'zero' || spec === 'random' ? spec : readInputData(spec);
}

/**
 * Runs `braid perf` with `argv` (the arguments after `perf`); returns the exit code.
 *
 * @example
 * const io = { out: (s: string) => process.stdout.write(s), err: process.stderr };
 * const code = await runPerfCommand(['-m', 'simple', '--concurrency-range', '1:4'], io);
 */
export async function runPerfCommand(argv: string[], io: PerfIo): Promise<number> {
  const cmd = parsePerfFlags(argv);
  if (cmd.help) {
    io.out(PERF_HELP);
    return 0;
  }
  if (cmd.selfTest) {
    const concurrency = cmd.perf.mode === 'concurrency' ? cmd.perf.range?.end : undefined;
    const client = cmd.perf.client ?? 'raw';
    const level = concurrency === undefined || concurrency === 1 ? {} : { concurrency };
    const result = await runSelfTest({ client, ...level });
    io.out(cmd.format === 'json' ? JSON.stringify(result, null, 2) + '\n' : formatSelfTest(result));
    return 0;
  }
  const progress = createProgress(io.err);
  const data = await inputSource(cmd.inputData);
  let report;
  try {
    report = await runPerf({ ...cmd.perf, data, onWindow: progress.onWindow });
  } finally {
    progress.done();
  }
  io.out(formatReport(report, cmd.format));
  if (cmd.format !== 'table') for (const w of report.warnings) io.err.write(`warning: ${w}\n`);
  if (cmd.outFile !== undefined) {
    await writeFile(cmd.outFile, formatReport(report, fileFormat(cmd.outFile, cmd.format)));
  }
  return 0;
}
