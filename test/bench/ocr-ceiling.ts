/**
 * The OCR benchmark's ceiling measured: closed-loop readers calling the in-process pipeline
 * (ocr-inprocess.ts) on the committed images in turn, as the load generator sends them to the
 * server, checked first against expected.json.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { summarize } from '../../engine/cli/perf/percentiles.js';
import type { InProcessOcr, InProcessRead } from './ocr-inprocess.js';
import { IMAGES_DIR, normalize } from './ocr-load.js';

/** What one in-process run measured. */
export interface CeilingRun {
  readonly concurrency: number;
  readonly imagesPerS: number;
  readonly p50: number;
  readonly p99: number;
  /** Median time in the three ONNX models per image: the models' own compute. */
  readonly modelP50: number;
  /** Mean time in the three ONNX models per image. */
  readonly modelMean: number;
  /** Median of each step, ms. */
  readonly stepMs: Readonly<Record<string, number>>;
  readonly images: number;
  /** CPU time of this process (all threads, ONNX Runtime's included) per image in the window. */
  readonly cpuMsPerImage: number;
}

/** The committed images, in expected.json's order, checked to read their expected lines. */
export async function checkedImages(ocr: InProcessOcr): Promise<[string, Uint8Array][]> {
  const spec = JSON.parse(readFileSync(join(IMAGES_DIR, 'expected.json'), 'utf8')) as {
    images: Record<string, string[]>;
  };
  const out: [string, Uint8Array][] = [];
  for (const [file, lines] of Object.entries(spec.images)) {
    const bytes = new Uint8Array(readFileSync(join(IMAGES_DIR, file)));
    const got = normalize((await ocr.read(bytes)).text.join(' '));
    const missing = lines.filter(l => !got.includes(normalize(l)));
    if (missing.length > 0)
      throw new Error(`in-process ${file}: read '${got}', missing ${JSON.stringify(missing)}`);
    out.push([file, bytes]);
  }
  return out;
}

const median = (xs: readonly number[]) => summarize(Float64Array.from(xs)).p50;
const mean = (xs: readonly number[]) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/**
 * Reads the images with `concurrency` closed-loop readers for `durationMs` after `warmupMs`.
 *
 * @example
 * const c1 = await measureCeiling(ocr, images, { concurrency: 1, durationMs: 5000, warmupMs: 1000 });
 */
export async function measureCeiling(
  ocr: InProcessOcr,
  images: readonly [string, Uint8Array][],
  opts: { readonly concurrency: number; readonly durationMs: number; readonly warmupMs: number },
): Promise<CeilingRun> {
  const reads: InProcessRead[] = [];
  let next = 0;
  const t0 = performance.now();
  const openAt = t0 + opts.warmupMs;
  const closeAt = openAt + opts.durationMs;
  // CPU from the window's opening to the last read's end, over the reads that ended meanwhile.
  let cpu0: NodeJS.CpuUsage | undefined;
  let cpuReads = 0;
  const opened = setTimeout(() => (cpu0 = process.cpuUsage()), opts.warmupMs);
  const reader = async () => {
    while (performance.now() < closeAt) {
      const r = await ocr.read(images[next++ % images.length]![1]);
      const end = performance.now();
      if (end >= openAt && end <= closeAt) reads.push(r);
      if (cpu0 !== undefined) cpuReads++;
    }
  };
  await Promise.all(Array.from({ length: opts.concurrency }, reader));
  clearTimeout(opened);
  const cpu = process.cpuUsage(cpu0);
  const lat = summarize(Float64Array.from(reads, r => r.totalMs));
  const steps = new Set(reads.flatMap(r => Object.keys(r.stepMs)));
  const stepMs = Object.fromEntries(
    [...steps].map(s => [
      s,
      median(reads.flatMap(r => r.stepMs[s as keyof InProcessRead['stepMs']] ?? [])),
    ]),
  );
  return {
    concurrency: opts.concurrency,
    imagesPerS: (reads.length * 1000) / opts.durationMs,
    p50: lat.p50,
    p99: lat.p99,
    modelP50: median(reads.map(r => r.modelMs)),
    modelMean: mean(reads.map(r => r.modelMs)),
    stepMs,
    images: reads.length,
    cpuMsPerImage:
      cpu0 === undefined ? NaN : (cpu.user + cpu.system) / 1000 / Math.max(1, cpuReads),
  };
}
