/*
 * OCR steps 4 and 6 (JS backend): text boxes → line images for the orientation classifier and
 * for the recognizer. The pipeline calls it twice: first for `cls_x` (without `cls`), then for
 * `rec_x` with the classifier's verdict, so upside-down lines are turned before recognition.
 *
 * In:  rgb    UINT8 [h,w,3]      the decoded image
 *      boxes  FP32  [N,4,2]      corners from ocr_db_post
 *      cls    FP32  [N,2]        optional: ocr_cls's softmax over (0°, 180°)
 * Out: cls_x  FP32  [N,3,48,192] lines for ocr_cls (PaddleOCR's cls_image_shape)
 *      rec_x  FP32  [N,3,48,W]   lines for ocr_rec
 *
 * The recognizer's input width W is one per image: the narrowest multiple of `rec_width_step`
 * (32), at least `rec_min_width` (320, PaddleOCR's own floor), that holds the widest line at
 * height 48; at most `rec_max_width` (2560; wider lines are squeezed). One W per image keeps
 * an image's lines one shape, so the dynamic batcher batches them together. A fixed W of 320
 * would squeeze lines longer than about 25 characters below one CTC time step (8 px) per
 * character, which the recognizer cannot read; a fixed large W would spend the recognizer's
 * time (linear in W) on padding. Fine steps cost little batching on CPU, where a batch of
 * lines computes at about the same cost per line as single lines (PP-OCRv4 recognizer on one
 * core, 320 wide: 36 ms a line alone, 33 in a batch of 4): steps of 32 give the example images
 * 4,096 columns to recognize where steps of 160 gave 4,800 and of 320 gave 5,760, with the same
 * text read, and 210-221 ms of CPU per image at concurrency 8 against 232-250 (3 paired runs,
 * 2 cores). On a GPU, where batches pay, coarser steps let lines of different images batch
 * together: raise the step.
 */
import type { JsExecuteContext, JsModelContext, JsTensor } from '../../../../backends/js/index.js';
import { cropLines, lineGeometry, recWidth } from './crop.js';
import type { Point, Quad, WidthSteps } from './crop.js';

const HEIGHT = 48;
const CLS_WIDTH = 192;

/** Inputs, as listed above (and in config.yaml). */
export const inputs = [
  { name: 'rgb', datatype: 'UINT8', shape: [-1, -1, 3] },
  { name: 'boxes', datatype: 'FP32', shape: [-1, 4, 2] },
  { name: 'cls', datatype: 'FP32', shape: [-1, 2], optional: true },
];
/** Outputs, as listed above (and in config.yaml). */
export const outputs = [
  { name: 'cls_x', datatype: 'FP32', shape: [-1, 3, HEIGHT, CLS_WIDTH] },
  { name: 'rec_x', datatype: 'FP32', shape: [-1, 3, HEIGHT, -1] },
];

let widths: WidthSteps = { step: 32, min: 320, max: 2560 };
let clsThresh = 0.9;

/** Reads `cls_thresh` and the recognizer widths from the config. */
export function initialize(ctx: JsModelContext): void {
  const num = (key: string, fallback: number): number => {
    const raw = ctx.parameters[key];
    const v = raw === undefined ? fallback : Number(raw);
    if (!(v > 0))
      throw new Error(
        `model '${ctx.name}': parameter ${key} must be a positive number, found "${raw}"`,
      );
    return v;
  };
  const step = num('rec_width_step', widths.step);
  const min = num('rec_min_width', widths.min);
  widths = { step, min, max: Math.max(min, num('rec_max_width', widths.max)) };
  clsThresh = num('cls_thresh', clsThresh);
}

/** Crops every box for the outputs asked for; `cls` turns lines it finds upside down. */
export function execute(ins: Record<string, JsTensor>, ctx: JsExecuteContext) {
  const rgb = ins['rgb']!;
  const boxes = ins['boxes']!;
  const [height = 0, width = 0] = rgb.shape;
  const n = boxes.shape[0] ?? 0;
  if (rgb.shape.length !== 3 || rgb.shape[2] !== 3)
    throw new Error(`input 'rgb': expected UINT8 [h,w,3], found [${rgb.shape.join(',')}]`);
  if (boxes.shape.length !== 3 || boxes.shape[1] !== 4 || boxes.shape[2] !== 2)
    throw new Error(`input 'boxes': expected FP32 [N,4,2], found [${boxes.shape.join(',')}]`);
  const cls = ins['cls'];
  if (cls && (cls.shape[0] !== n || cls.shape[1] !== 2))
    throw new Error(
      `input 'cls': expected FP32 [${n},2] (one row per box), found [${cls.shape.join(',')}]`,
    );
  const img = { width, height, data: rgb.data as Uint8Array };
  const quads = readQuads(boxes.data as Float32Array, n);
  const flipped = (i: number): boolean =>
    cls !== undefined && (cls.data as Float32Array)[i * 2 + 1]! > clsThresh;
  const lines = quads.map((q, i) => lineGeometry(q, flipped(i)));
  const out: Record<string, unknown> = {};
  if (ctx.outputs.includes('cls_x'))
    out['cls_x'] = {
      datatype: 'FP32',
      shape: [n, 3, HEIGHT, CLS_WIDTH],
      data: cropLines(img, lines, HEIGHT, CLS_WIDTH),
    };
  if (ctx.outputs.includes('rec_x')) {
    const w = recWidth(lines, HEIGHT, widths);
    out['rec_x'] = {
      datatype: 'FP32',
      shape: [n, 3, HEIGHT, w],
      data: cropLines(img, lines, HEIGHT, w),
    };
  }
  return out;
}

function readQuads(data: Float32Array, n: number): Quad[] {
  const quads: Quad[] = [];
  for (let i = 0; i < n; i++) {
    const p = (k: number): Point => [data[i * 8 + k * 2]!, data[i * 8 + k * 2 + 1]!];
    quads.push([p(0), p(1), p(2), p(3)]);
  }
  return quads;
}
