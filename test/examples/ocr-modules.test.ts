/*
 * The OCR example's JS step models (model.ts) as the JS backend runs them: in worker threads,
 * configured by their committed config.yaml.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createJsBackend } from '../../backends/js/index.js';
import type { ModelInstance } from '../../engine/core/backend.js';
import { fromConfigDataType } from '../../engine/core/datatype.js';
import type { ModelConfig } from '../../engine/core/model-config.js';
import type { Tensor, TensorMap } from '../../engine/core/tensor.js';
import {
  EXAMPLE_IMAGES,
  bytesTensor,
  exampleConfig,
  exampleFiles,
  strings,
} from './ocr-harness.js';

const js = createJsBackend();
const opened: ModelInstance[] = [];
const JS_MODELS = ['ocr_preprocess', 'ocr_db_post', 'ocr_crop', 'ocr_ctc_decode'];

async function open(
  name: string,
  patch: (c: ModelConfig) => ModelConfig = c => c,
): Promise<ModelInstance> {
  const config = patch(await exampleConfig(name));
  const inst = await js.createInstance(config, exampleFiles(name, 'model.ts'), {
    signal: new AbortController().signal,
    index: 0,
    instanceCount: 1,
    device: { kind: 'CPU' },
  });
  opened.push(inst);
  return inst;
}

const run = (
  inst: ModelInstance,
  inputs: Record<string, Tensor>,
  outputs?: string[],
): Promise<TensorMap> =>
  inst.execute(new Map(Object.entries(inputs)), {
    signal: new AbortController().signal,
    ...(outputs ? { outputs } : {}),
  });

const fp32 = (shape: number[], data: ArrayLike<number>): Tensor => ({
  datatype: 'FP32',
  shape,
  data: Float32Array.from(data),
});

afterAll(async () => {
  await Promise.all(opened.map(i => i.dispose()));
});

describe('the OCR JS steps', () => {
  it('declare in model.ts exactly what their config.yaml lists', async () => {
    for (const name of JS_MODELS) {
      const signature = await js.describe(exampleFiles(name, 'model.ts'));
      const config = await exampleConfig(name);
      const listed = (l: ModelConfig['input'] | ModelConfig['output']) =>
        l.map(t => ({ name: t.name, datatype: fromConfigDataType(t.data_type), shape: t.dims }));
      const declared = (l: typeof signature.inputs) =>
        l.map(t => ({ name: t.name, datatype: t.datatype, shape: [...t.shape] }));
      expect(declared(signature.inputs), name).toEqual(listed(config.input));
      expect(declared(signature.outputs), name).toEqual(listed(config.output));
    }
  });

  it('ocr_preprocess decodes an image into the detector input, the RGB image and its size', async () => {
    const inst = await open('ocr_preprocess');
    const bytes = new Uint8Array(await readFile(path.join(EXAMPLE_IMAGES, 'sign.png')));
    const out = await run(inst, { image: bytesTensor(bytes) });
    expect(out.get('x')!.shape).toEqual([1, 3, 96, 480]);
    expect(out.get('rgb')!.shape).toEqual([110, 480, 3]);
    expect(Array.from(out.get('size')!.data as Int32Array)).toEqual([110, 480]);
    const sizeOnly = await run(inst, { image: bytesTensor(bytes) }, ['size']);
    expect([...sizeOnly.keys()]).toEqual(['size']);
  });

  it('ocr_preprocess refuses a bad limit in its config, naming model and parameter', async () => {
    const bad = open('ocr_preprocess', c => ({
      ...c,
      parameters: { ...c.parameters, limit_type: { string_value: 'both' } },
    }));
    await expect(bad).rejects.toThrow(
      /ocr_preprocess.*parameter limit_type must be "max" or "min", found "both"/,
    );
  });

  it('ocr_db_post turns a probability map into boxes scaled to the image', async () => {
    const inst = await open('ocr_db_post');
    const map = new Float32Array(32 * 64);
    for (let y = 10; y <= 16; y++) for (let x = 8; x <= 50; x++) map[y * 64 + x] = 0.9;
    const out = await run(inst, {
      prob: fp32([1, 1, 32, 64], map),
      size: { datatype: 'INT32', shape: [2], data: Int32Array.of(64, 128) },
    });
    expect(out.get('boxes')!.shape).toEqual([1, 4, 2]);
    expect(out.get('scores')!.data[0]).toBeCloseTo(0.9, 5);
    const [x0, y0, x1] = Array.from(out.get('boxes')!.data as Float32Array);
    expect(x0).toBeLessThan(16);
    expect(y0).toBeLessThan(20);
    expect(x1).toBeGreaterThan(100);
  });

  it('ocr_crop makes classifier lines without cls, and recognizer lines of one width with it', async () => {
    const inst = await open('ocr_crop');
    const rgb: Tensor = {
      datatype: 'UINT8',
      shape: [40, 200, 3],
      data: new Uint8Array(40 * 200 * 3).fill(200),
    };
    const boxes = fp32([2, 4, 2], [10, 5, 190, 5, 190, 20, 10, 20, 10, 25, 60, 25, 60, 35, 10, 35]);
    const first = await run(inst, { rgb, boxes }, ['cls_x']);
    expect(first.get('cls_x')!.shape).toEqual([2, 3, 48, 192]);
    const second = await run(inst, { rgb, boxes, cls: fp32([2, 2], [1, 0, 0.05, 0.95]) }, [
      'rec_x',
    ]);
    expect(second.get('rec_x')!.shape).toEqual([2, 3, 48, 576]); // 180 × 48 / 15 = 576, a multiple of 32
    const wrongCls = run(inst, { rgb, boxes, cls: fp32([1, 2], [1, 0]) }, ['rec_x']);
    await expect(wrongCls).rejects.toThrow(
      "input 'cls': expected FP32 [2,2] (one row per box), found [1,2]",
    );
  });

  it('ocr_ctc_decode reads with the PP-OCR dictionary, normalizes full-width punctuation and drops unsure lines', async () => {
    const inst = await open('ocr_ctc_decode');
    const keys = (
      await readFile(exampleFiles('ocr_ctc_decode', 'ppocr_keys_v1.txt').modelPath, 'utf8')
    ).split('\n');
    const cls = (ch: string): number => keys.indexOf(ch) + 1;
    const C = 6625;
    const T = 4;
    const prob = new Float32Array(2 * T * C);
    const put = (n: number, seq: number[], p: number) =>
      seq.forEach((c, t) => (prob[(n * T + t) * C + c] = p));
    put(0, [cls('O'), cls('K'), cls('，'), 0], 0.9);
    put(1, [cls('x'), 0, 0, 0], 0.3);
    const boxes = fp32([2, 4, 2], [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16]);
    const out = await run(inst, { prob: fp32([2, T, C], prob), boxes });
    expect(strings(out.get('text'))).toEqual(['OK,']);
    expect(Array.from(out.get('text_boxes')!.data as Float32Array)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8,
    ]);
    expect(out.get('text_scores')!.data[0]).toBeCloseTo(0.9, 5);
    const wrong = run(inst, {
      prob: fp32([1, 2, 100], new Float32Array(200)),
      boxes: fp32([1, 4, 2], new Float32Array(8)),
    });
    await expect(wrong).rejects.toThrow(
      "input 'prob': expected 6625 classes (blank + 6624 dictionary characters), found [1,2,100]",
    );
  });
});
