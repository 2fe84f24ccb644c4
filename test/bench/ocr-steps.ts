/**
 * Where one OCR request's time goes in the server, at concurrency 1: each step's duration from
 * the pipeline's `braid_debug` timings, and each step model's compute_input / compute_infer /
 * compute_output per execution from its statistics over the same requests.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sendOnce } from '../../engine/cli/perf/send-once.js';
import type { StatsDelta } from '../../engine/cli/perf/server-stats.js';
import { diffStats, readStats } from '../../engine/cli/perf/server-stats.js';
import type { ChildServer } from './child-server.js';
import type { InputMeta } from './ocr-load.js';
import { IMAGES_DIR, imageRequest } from './ocr-load.js';

/** The models the OCR pipeline's steps call, by step. */
export const STEP_MODELS: Readonly<Record<string, string>> = {
  prepare: 'ocr_preprocess',
  detect: 'ocr_det',
  find_boxes: 'ocr_db_post',
  crop_for_cls: 'ocr_crop',
  orient: 'ocr_cls',
  crop_for_rec: 'ocr_crop',
  recognize: 'ocr_rec',
  decode: 'ocr_ctc_decode',
};

/** One step model's compute phases, mean per execution, in ms. */
export interface ModelPhases {
  readonly executions: number;
  readonly inputMs: number;
  readonly inferMs: number;
  readonly outputMs: number;
}

/** The split of one request's time. */
export interface StepSplit {
  /** Median duration of each step (`end_ms - start_ms`), ms, over every image and repeat. */
  readonly stepMs: Readonly<Record<string, number>>;
  readonly models: Readonly<Record<string, ModelPhases>>;
  readonly requests: number;
}

interface DebugTiming {
  readonly step: string;
  readonly start_ms?: number;
  readonly end_ms?: number;
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor((s.length - 1) / 2)]!;
}

// From batch_stats, which count an execution once; inference_stats count it once per request
// in its batch, which inflates batched models (ocr_cls, ocr_rec) by their batch size.
function phases(d: StatsDelta): ModelPhases {
  const n = Math.max(1, d.executionCount);
  const batches = [...d.batches.values()];
  const ms = (f: (b: (typeof batches)[number]) => number) =>
    batches.reduce((sum, b) => sum + f(b), 0) / n / 1e6;
  const { executionCount: executions } = d;
  return {
    executions,
    inputMs: ms(b => b.computeInputNs),
    inferMs: ms(b => b.computeInferNs),
    outputMs: ms(b => b.computeOutputNs),
  };
}

async function debugTimings(
  server: ChildServer,
  body: { body: Buffer; headers: Record<string, string> },
): Promise<DebugTiming[]> {
  const res = await sendOnce(`${server.origin}/v2/models/ocr/infer`, body.body, body.headers);
  if (res.status !== 200)
    throw new Error(
      `braid_debug request: HTTP ${res.status}: ${res.body.toString().slice(0, 300)}`,
    );
  const json = JSON.parse(res.body.toString('utf8')) as { parameters?: { braid_debug?: string } };
  const raw = json.parameters?.braid_debug;
  if (raw === undefined) throw new Error('the response carries no braid_debug parameter');
  return (JSON.parse(raw) as { steps: DebugTiming[] }).steps;
}

/**
 * Sends every committed image `repeat` times, one at a time, with `braid_debug: true`.
 *
 * @example
 * const split = await measureStepSplit(server, input, 5);
 */
export async function measureStepSplit(
  server: ChildServer,
  input: InputMeta,
  repeat: number,
): Promise<StepSplit> {
  const spec = JSON.parse(readFileSync(join(IMAGES_DIR, 'expected.json'), 'utf8')) as {
    images: Record<string, string[]>;
  };
  const bodies = Object.keys(spec.images).map(f =>
    imageRequest(input, readFileSync(join(IMAGES_DIR, f)), { braid_debug: true }),
  );
  const models = [...new Set(Object.values(STEP_MODELS))];
  const before = await Promise.all(models.map(m => readStats(server.origin, m)));
  const durations = new Map<string, number[]>();
  for (let r = 0; r < repeat; r++) {
    for (const body of bodies) {
      for (const t of await debugTimings(server, body)) {
        if (t.start_ms === undefined || t.end_ms === undefined) continue;
        durations.set(t.step, [...(durations.get(t.step) ?? []), t.end_ms - t.start_ms]);
      }
    }
  }
  const after = await Promise.all(models.map(m => readStats(server.origin, m)));
  const stepMs = Object.fromEntries([...durations].map(([step, ds]) => [step, median(ds)]));
  const phasesByModel = Object.fromEntries(
    models.map((m, i) => [m, phases(diffStats(before[i]!, after[i]!))]),
  );
  return { stepMs, models: phasesByModel, requests: repeat * bodies.length };
}

/** One model over a load window, per image read (a pipeline request) unless said otherwise. */
export interface WindowModel {
  /** Requests the pipeline sent to the model. */
  readonly requests: number;
  readonly executions: number;
  readonly averageBatch: number;
  /** Mean wait of a request in the model's queue, ms. */
  readonly queueMs: number;
  /** Time the model's instances spent computing (compute_infer of its executions), ms. */
  readonly busyMs: number;
}

/** The models of the pipeline's steps, in step order, without repeats. */
export const WINDOW_MODELS = [...new Set(Object.values(STEP_MODELS))];

/**
 * Snapshots the statistics of the pipeline and its step models; the returned function diffs
 * them and divides by the pipeline requests that succeeded meanwhile (and gives their mean time). Execution time comes from batch_stats,
 * which count each execution once (inference_stats count it once per request it batched).
 *
 * @example
 * const end = await windowModels(server.origin);
 * const { requestMs, models } = await end();
 */
export async function windowModels(
  origin: string,
): Promise<() => Promise<{ requestMs: number; models: Record<string, WindowModel> }>> {
  const names = ['ocr', ...WINDOW_MODELS];
  const read = () => Promise.all(names.map(m => readStats(origin, m)));
  const before = await read();
  return async () => {
    const [ocr, ...models] = (await read()).map((after, i) => diffStats(before[i]!, after));
    const images = Math.max(1, ocr!.successCount);
    const requestMs = ocr!.successNs / images / 1e6;
    const perModel = Object.fromEntries(
      models.map((d, i) => {
        const busyNs = [...d.batches.values()].reduce((sum, b) => sum + b.computeInferNs, 0);
        const row: WindowModel = {
          requests: d.inferenceCount / images,
          executions: d.executionCount / images,
          averageBatch: d.averageBatch,
          queueMs: d.queueUsPerRequest / 1000,
          busyMs: busyNs / images / 1e6,
        };
        return [WINDOW_MODELS[i]!, row];
      }),
    );
    return { requestMs, models: perModel };
  };
}

const g = (n: number, d: number) => (Number.isFinite(n) ? n.toFixed(d) : '-');

/**
 * The per-model table of load windows, one block per concurrency.
 *
 * @example
 * windowTable([{ concurrency: 8, models }]);
 */
export function windowTable(
  runs: readonly { concurrency: number; models: Readonly<Record<string, WindowModel>> }[],
): string[] {
  const lines = [
    'per model over each load window, per image read (busy: its instances computing)',
    'conc  model            requests  executions  avg batch  queue ms  busy ms',
  ];
  for (const r of runs) {
    for (const m of WINDOW_MODELS) {
      const w = r.models[m];
      if (w === undefined) continue;
      lines.push(
        `${String(r.concurrency).padStart(4)}  ${m.padEnd(15)}  ${g(w.requests, 2).padStart(8)}  ${g(w.executions, 2).padStart(10)}  ${g(w.averageBatch, 2).padStart(9)}  ${g(w.queueMs, 2).padStart(8)}  ${g(w.busyMs, 1).padStart(7)}`,
      );
    }
  }
  return lines;
}
