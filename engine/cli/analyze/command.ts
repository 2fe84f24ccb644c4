/**
 * `braid analyze`: parse the flags, search, write config.yaml, report.html and results.json,
 * and print the comparison of the current and the recommended config.
 *
 * @module
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { readInputData } from '../perf/input-data-file.js';
import type { InputDataSource } from '../perf/inputs.js';
import { createProgress } from '../perf/progress.js';
import type { PerfIo } from '../perf/command.js';
import { ANALYZE_HELP, parseAnalyzeFlags } from './flags.js';
import type { AnalyzeCommand } from './flags.js';
import { renderReport } from './report-html.js';
import { runAnalyze, runSummary, throughputGain } from './run-analyze.js';
import type { AnalyzeResult } from './run-analyze.js';

/**
 * The closing summary: every candidate, then current against recommended.
 *
 * @example
 * process.stdout.write(formatSummary(result, 'out'));
 */
export function formatSummary(r: AnalyzeResult, outputDir: string): string {
  const how = `${r.search} search, objective ${r.objective}`;
  const lines = [`braid analyze '${r.model}': ${r.runs.length} candidates (${how})`];
  for (const run of r.runs) {
    const tag = run === r.best ? ' <- recommended' : run.isDefault ? ' (current)' : '';
    lines.push(`  #${run.index} ${run.label}: ${runSummary(run)}${tag}`);
  }
  lines.push(`current config:     ${runSummary(r.defaultRun)}`);
  lines.push(`recommended config: ${runSummary(r.best)}`);
  const gain = throughputGain(r);
  if (gain !== undefined)
    lines.push(`throughput within the constraints: ${gain.toFixed(2)}x the current config`);
  for (const f of ['config.yaml', 'report.html', 'results.json'])
    lines.push(`wrote ${path.join(outputDir, f)}`);
  return lines.join('\n') + '\n';
}

async function inputSource(spec: string): Promise<InputDataSource> {
  return spec === 'zero' || spec === 'random' ? spec : readInputData(spec);
}

function resultsJson(r: AnalyzeResult): string {
  return (
    JSON.stringify({ ...r, best: r.best.index, defaultRun: r.defaultRun.index }, null, 2) + '\n'
  );
}

async function analyze(cmd: AnalyzeCommand, io: PerfIo): Promise<AnalyzeResult> {
  const progress = createProgress(io.err);
  const data = await inputSource(cmd.inputData);
  try {
    return await runAnalyze({
      repository: cmd.repository,
      model: cmd.model,
      objective: cmd.objective,
      constraints: cmd.constraints,
      search: cmd.search,
      space: cmd.space,
      measure: {
        concurrency: cmd.concurrency,
        batchSize: cmd.batchSize,
        data,
        shapes: cmd.shapes,
        encoding: cmd.encoding,
        windowMs: cmd.windowMs,
        warmupMs: cmd.warmupMs,
        maxTrials: cmd.maxTrials,
        stabilityPercentage: cmd.stabilityPercentage,
        onWindow: progress.onWindow,
      },
      onEvent: line => {
        progress.done();
        io.err.write(line + '\n');
      },
    });
  } finally {
    progress.done();
  }
}

/**
 * Runs `braid analyze` with `argv` (the arguments after `analyze`); returns the exit code.
 *
 * @example
 * await runAnalyzeCommand(['-m', 'mlp', '--model-repository', 'models', '--latency-budget', '20'], io);
 */
export async function runAnalyzeCommand(argv: string[], io: PerfIo): Promise<number> {
  const cmd = parseAnalyzeFlags(argv);
  if (cmd.help) {
    io.out(ANALYZE_HELP);
    return 0;
  }
  const result = await analyze(cmd, io);
  await mkdir(cmd.outputDir, { recursive: true });
  const note = `# braid analyze (${result.objective}, ${result.search} search): ${runSummary(result.best)}\n`;
  await writeFile(path.join(cmd.outputDir, 'config.yaml'), result.best.configText + note);
  await writeFile(path.join(cmd.outputDir, 'report.html'), renderReport(result));
  await writeFile(path.join(cmd.outputDir, 'results.json'), resultsJson(result));
  io.out(formatSummary(result, cmd.outputDir));
  return 0;
}
