/*
 * The `ocr` pipeline of examples/model_repository, compiled by the pipeline backend and run over
 * the real PP-OCRv4 models (ONNX Runtime) and JS steps (worker threads), without the engine.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import pngjs from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelConfigSchema } from '../../engine/core/model-config.js';
import { scanRepository } from '../../engine/repository/index.js';
import { createPipelineBackend } from '../../pipelines/backend.js';
import type { PipelineScheduler } from '../../pipelines/scheduler.js';
import { CountingStats } from '../pipelines/executor/harness.js';
import {
  EXAMPLE_IMAGES,
  EXAMPLE_REPO,
  OCR_MODELS,
  bytesTensor,
  exampleFiles,
  expectedLines,
  loadOcrModels,
  normalizeText,
  strings,
} from './ocr-harness.js';
import type { OcrModels } from './ocr-harness.js';

let models: OcrModels;
let ocr: PipelineScheduler;

beforeAll(async () => {
  models = await loadOcrModels();
  const backend = createPipelineBackend({ catalog: models.catalog, modules: models.js });
  const load = { signal: new AbortController().signal, stats: new CountingStats() };
  ocr = await backend.createScheduler(
    ModelConfigSchema.parse({ name: 'ocr' }),
    exampleFiles('ocr', 'pipeline.yaml'),
    load,
  );
}, 120_000);

afterAll(async () => {
  await ocr?.stop();
  await models?.dispose();
});

async function read(bytes: Uint8Array) {
  const res = await ocr.run({ inputs: new Map([['IMAGE', bytesTensor(bytes)]]), batchSize: 1 });
  return { res, text: strings(res.outputs.get('TEXT')) };
}

function blankPng(width: number, height: number): Uint8Array {
  const png = new pngjs.PNG({ width, height });
  png.data.fill(255);
  return new Uint8Array(pngjs.PNG.sync.write(png));
}

describe('the ocr example pipeline', () => {
  it('is found in the repository next to its models, whose model files are links into node_modules', async () => {
    const scan = await scanRepository(EXAMPLE_REPO);
    for (const name of ['ocr', ...OCR_MODELS])
      expect(scan.models.get(name)?.versions, name).toEqual([1]);
    for (const name of ['ocr_det', 'ocr_cls', 'ocr_rec']) {
      const bytes = await readFile(exampleFiles(name, 'model.onnx').modelPath);
      expect(bytes.length, name).toBeGreaterThan(100_000);
    }
  });

  it('reads every committed example image exactly (case-insensitive, whitespace-normalized)', async () => {
    const expected = await expectedLines();
    expect(Object.keys(expected).length).toBeGreaterThanOrEqual(3);
    for (const [file, lines] of Object.entries(expected)) {
      const { text } = await read(new Uint8Array(await readFile(path.join(EXAMPLE_IMAGES, file))));
      expect(text.map(normalizeText), file).toEqual(lines.map(normalizeText));
    }
  });

  it('returns one box and one score per line, inside the image, and sends one request per line to cls and rec', async () => {
    const before = {
      cls: models.calls.get('ocr_cls')!.length,
      rec: models.calls.get('ocr_rec')!.length,
    };
    const { res, text } = await read(
      new Uint8Array(await readFile(path.join(EXAMPLE_IMAGES, 'receipt.png'))),
    );
    const boxes = res.outputs.get('BOXES')!;
    const scores = res.outputs.get('SCORES')!;
    expect(text).toHaveLength(4);
    expect(boxes.shape).toEqual([4, 4, 2]);
    expect(scores.shape).toEqual([4]);
    for (const s of scores.data as Float32Array) expect(s).toBeGreaterThan(0.5);
    const xs = Array.from(boxes.data as Float32Array).filter((_, i) => i % 2 === 0);
    const ys = Array.from(boxes.data as Float32Array).filter((_, i) => i % 2 === 1);
    expect(Math.min(...xs)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...xs)).toBeLessThan(360);
    expect(Math.max(...ys)).toBeLessThan(210);
    // Reading order: each line's top edge is below the previous one's.
    for (let i = 1; i < 4; i++) expect(ys[i * 4]!).toBeGreaterThan(ys[(i - 1) * 4]!);
    expect(models.calls.get('ocr_cls')!.length - before.cls).toBe(4);
    expect(models.calls.get('ocr_rec')!.length - before.rec).toBe(4);
    const recShapes = models.calls
      .get('ocr_rec')!
      .slice(-4)
      .map(r => r.inputs.get('x')!.shape);
    expect(new Set(recShapes.map(s => s.join('x'))).size).toBe(1);
    expect(recShapes[0]!.slice(0, 3)).toEqual([1, 3, 48]);
  });

  it('turns an upside-down line before recognizing it', async () => {
    const { text } = await read(
      new Uint8Array(await readFile(path.join(EXAMPLE_IMAGES, 'upside-down.png'))),
    );
    expect(text.map(normalizeText)).toEqual(['turn me around']);
  });

  it('answers an image without text early, with empty outputs and no cls, rec or decode call', async () => {
    const before = OCR_MODELS.map(m => models.calls.get(m)!.length);
    const { res, text } = await read(blankPng(200, 64));
    expect(text).toEqual([]);
    expect(res.outputs.get('BOXES')!.shape).toEqual([0, 4, 2]);
    expect(res.outputs.get('SCORES')!.shape).toEqual([0]);
    // crop_for_cls may start beside the early return, which then cancels it.
    const called = OCR_MODELS.filter((m, i) => models.calls.get(m)!.length > before[i]!).filter(
      m => m !== 'ocr_crop',
    );
    expect(called).toEqual(['ocr_preprocess', 'ocr_det', 'ocr_db_post']);
  });

  it('fails a request whose bytes are not an image, naming the step and what was expected', async () => {
    const bad = read(new TextEncoder().encode('definitely not a picture'));
    await expect(bad).rejects.toThrow(
      /prepare.*ocr_preprocess.*expected PNG or JPEG bytes, found 24 bytes starting with \[64 65 66 69\]/s,
    );
  });
});
