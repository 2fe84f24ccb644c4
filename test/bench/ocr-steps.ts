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

function phases(d: StatsDelta): ModelPhases {
  const n = Math.max(1, d.executionCount);
  const ms = (ns: number) => ns / n / 1e6;
  const { executionCount: executions } = d;
  return {
    executions,
    inputMs: ms(d.computeInputNs),
    inferMs: ms(d.computeInferNs),
    outputMs: ms(d.computeOutputNs),
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
