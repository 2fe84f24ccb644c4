/**
 * The figures of the pipeline benchmark and their text: per-step overhead from the statistics
 * of the pipeline and of its step models, pipeline / client-chain throughput ratios, the table,
 * and the OCR line.
 *
 * @module
 */
import type { CaseResult } from './bench-case.js';
import { formatTable } from './bench-case.js';
import type { StatsDelta } from '../../engine/cli/perf/server-stats.js';
import type { OcrResult } from './ocr-load.js';
import { CHAIN_FEATURES, CHAIN_STEPS, PIPELINE } from './pipeline-repository.js';

/** Concurrency levels measured; the overhead comes from the first, the ratio target is the last. */
export const LEVELS = [1, 32] as const;
/** The issue's targets. */
export const PIPELINE_TARGETS = { overheadUsPerStep: 50, throughputRatio: 2 } as const;

const STEPS = CHAIN_STEPS.length;

/** One case with the statistics of the step models over it (in {@link CHAIN_STEPS} order). */
export interface Measured {
  readonly throughput: number;
  readonly result: CaseResult;
  readonly steps: readonly StatsDelta[];
}

/** The pipeline and the client chain at one concurrency. */
export interface Level {
  readonly pipeline: Measured;
  readonly chain: Measured;
}

/** Where a pipeline request's time goes, per request, in µs. */
export interface PipelineOverhead {
  /** The pipeline's own server time (`success` ns / count). */
  readonly pipelineUs: number;
  /** Each step model's request time (its `success`, queue included). */
  readonly stepRequestUs: readonly number[];
  /** Each step model's compute_input + compute_infer + compute_output. */
  readonly stepComputeUs: readonly number[];
  /** (pipeline − Σ step requests) / steps: the time outside the models' requests. */
  readonly perStepVsRequestsUs: number;
  /** (pipeline − Σ step compute) / steps: the issue's definition, server-side latency. */
  readonly perStepVsComputeUs: number;
  /** (client mean latency − Σ step compute) / steps: one HTTP round trip included. */
  readonly perStepClientVsComputeUs: number;
  /** Every step model served as many requests as the pipeline. */
  readonly countsMatch: boolean;
}

const us = (ns: number, count: number) => (count > 0 ? ns / count / 1000 : NaN);
const computeUs = (d: StatsDelta) =>
  us(d.computeInputNs + d.computeInferNs + d.computeOutputNs, d.successCount);
const sum = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0);

/**
 * The per-request breakdown of a pipeline case from the pipeline's statistics
 * (`m.result.serverStats`) and its step models' (`m.steps`).
 *
 * @example
 * pipelineOverhead(levels[0].pipeline).perStepVsRequestsUs; // µs per step
 */
export function pipelineOverhead(m: Measured): PipelineOverhead {
  const pipe = m.result.serverStats;
  const pipelineUs = pipe === undefined ? NaN : us(pipe.successNs, pipe.successCount);
  const stepRequestUs = m.steps.map(d => us(d.successNs, d.successCount));
  const stepComputeUs = m.steps.map(computeUs);
  const steps = m.steps.length;
  return {
    pipelineUs,
    stepRequestUs,
    stepComputeUs,
    perStepVsRequestsUs: (pipelineUs - sum(stepRequestUs)) / steps,
    perStepVsComputeUs: (pipelineUs - sum(stepComputeUs)) / steps,
    perStepClientVsComputeUs: (m.result.mean * 1000 - sum(stepComputeUs)) / steps,
    countsMatch: pipe !== undefined && m.steps.every(d => d.successCount === pipe.successCount),
  };
}

/** The figures the targets are judged on. */
export interface LevelSummary {
  readonly overhead: PipelineOverhead;
  /** Pipeline / client-chain throughput per level of {@link LEVELS}. */
  readonly ratios: readonly number[];
  readonly overheadMet: boolean;
  readonly ratioMet: boolean;
}

/**
 * Overhead at the first level, throughput ratios at all, and whether each target is met.
 *
 * @example
 * const { overheadMet, ratioMet } = summarizeLevels(levels);
 */
export function summarizeLevels(levels: readonly Level[]): LevelSummary {
  const [first, last] = [levels[0], levels[levels.length - 1]];
  if (!first || !last) throw new Error('no concurrency level was measured');
  const overhead = pipelineOverhead(first.pipeline);
  const ratios = levels.map(l => l.pipeline.throughput / l.chain.throughput);
  return {
    overhead,
    ratios,
    overheadMet: overhead.perStepVsRequestsUs <= PIPELINE_TARGETS.overheadUsPerStep,
    ratioMet: ratios[ratios.length - 1]! >= PIPELINE_TARGETS.throughputRatio,
  };
}

const fixed = (digits: number) => (n: number) => (Number.isFinite(n) ? n.toFixed(digits) : '-');
const f1 = fixed(1);
const f2 = fixed(2);
const verdict = (ok: boolean) => (ok ? 'MET' : 'MISSED');

function stepLines(label: string, m: Measured): string[] {
  const rows = m.steps.map((d, i) => {
    const cells = [
      `requests ${String(d.successCount).padStart(7)}`,
      `request ${f1(us(d.successNs, d.successCount)).padStart(7)} µs`,
      `queue ${f1(d.queueUsPerRequest).padStart(6)} µs`,
      `compute ${f1(computeUs(d)).padStart(6)} µs`,
      `avg batch ${d.averageBatch.toFixed(2)}`,
    ];
    return `    ${(CHAIN_STEPS[i]?.model ?? `step ${i + 1}`).padEnd(12)} ${cells.join('  ')}`;
  });
  const head = `  ${label}, concurrency ${m.result.concurrency}, per request of each step model:`;
  return [head, ...rows];
}

function overheadLines(o: PipelineOverhead): string[] {
  const limit = PIPELINE_TARGETS.overheadUsPerStep;
  const target = (v: number) => `target <= ${limit} µs: ${verdict(v <= limit)}`;
  const server = `pipeline server time ${f1(o.pipelineUs)} µs/request`;
  const requests = `sum of step model request times ${f1(sum(o.stepRequestUs))} µs`;
  const compute = `sum of step compute ${f1(sum(o.stepComputeUs))} µs`;
  const byClient = f1(o.perStepClientVsComputeUs);
  return [
    `per-step orchestration overhead at concurrency ${LEVELS[0]} (${server}):`,
    `  (pipeline server time - ${requests}) / ${STEPS}: ${f1(o.perStepVsRequestsUs)} µs  ` +
      `(${target(o.perStepVsRequestsUs)})`,
    `  (pipeline server time - ${compute}) / ${STEPS}: ${f1(o.perStepVsComputeUs)} µs  ` +
      `(the issue's definition; ${target(o.perStepVsComputeUs)})`,
    `  (client-observed mean latency - sum of step compute) / ${STEPS}: ${byClient} µs  ` +
      '(includes one HTTP round trip; for reference)',
    ...(o.countsMatch ? [] : ['  WARNING: step request counts differ from the pipeline count']),
  ];
}

/**
 * The OCR result as one line.
 *
 * @example
 * formatOcr({ available: false, reason: 'examples/model_repository/ocr does not exist' });
 */
export function formatOcr(ocr: OcrResult): string {
  if (!ocr.available) return `OCR: not available (${ocr.reason})`;
  const lat = `p50 ${ocr.p50.toFixed(1)} ms, p99 ${ocr.p99.toFixed(1)} ms`;
  const rate = `${ocr.imagesPerS.toFixed(1)} images/s at concurrency ${ocr.concurrency}`;
  return `OCR: ${rate} (${lat}; images ${ocr.images.join(', ')})`;
}

/**
 * The whole printed report: table, step statistics, overhead, ratios with verdicts, OCR.
 *
 * @example
 * process.stdout.write(formatPipelineReport(levels, ocr, 0));
 */
export function formatPipelineReport(
  levels: readonly Level[],
  ocr: OcrResult,
  delayUs: number,
): string {
  const s = summarizeLevels(levels);
  const ratios = LEVELS.map((c, i) => `${f2(s.ratios[i] ?? NaN)}x at ${c}`).join(', ');
  const ratioTarget = `target >= ${PIPELINE_TARGETS.throughputRatio}x at ${LEVELS[1]}`;
  return [
    '',
    `${PIPELINE.name}: ${STEPS} elementwise FP32 [1,${CHAIN_FEATURES}] models in a chain, ` +
      `binary requests, max_queue_delay_microseconds ${delayUs}`,
    formatTable(levels.flatMap(l => [l.pipeline.result, l.chain.result])),
    'server statistics over each case (warm-up included):',
    ...levels.flatMap(l => [
      ...stepLines('pipeline', l.pipeline),
      ...stepLines('client chain', l.chain),
    ]),
    '',
    ...overheadLines(s.overhead),
    `pipeline / client chain throughput: ${ratios}  (${ratioTarget}: ${verdict(s.ratioMet)})`,
    formatOcr(ocr),
    '',
  ].join('\n');
}
