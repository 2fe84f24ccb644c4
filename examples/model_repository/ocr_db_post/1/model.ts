/*
 * OCR step 3 (JS backend): the detector's probability map → text boxes in reading order.
 *
 * In:  prob   FP32  [1,1,H,W]  ocr_det's output, at the detector input's size
 *      size   INT32 [2]        [h, w] of the decoded image the boxes are scaled to
 * Out: boxes  FP32  [N,4,2]    corners (x, y) top-left, top-right, bottom-right, bottom-left
 *      scores FP32  [N]        mean text probability inside each box
 *
 * Config parameters (strings): thresh, box_thresh, unclip_ratio, max_candidates, min_size;
 * see db-postprocess.ts for their meaning and defaults.
 */
import type { JsExecuteContext, JsModelContext, JsTensor } from '../../../../backends/js/index.js';
import { DB_DEFAULTS, detectBoxes } from './db-postprocess.js';
import type { DbOptions } from './db-postprocess.js';

/** Inputs, as listed above (and in config.yaml). */
export const inputs = [
  { name: 'prob', datatype: 'FP32', shape: [1, 1, -1, -1] },
  { name: 'size', datatype: 'INT32', shape: [2] },
];
/** Outputs, as listed above (and in config.yaml). */
export const outputs = [
  { name: 'boxes', datatype: 'FP32', shape: [-1, 4, 2] },
  { name: 'scores', datatype: 'FP32', shape: [-1] },
];

let options: DbOptions = DB_DEFAULTS;

/** Reads the DB thresholds from the config, defaulting to PaddleOCR's. */
export function initialize(ctx: JsModelContext): void {
  const num = (key: string, fallback: number): number => {
    const raw = ctx.parameters[key];
    const v = raw === undefined ? fallback : Number(raw);
    if (!Number.isFinite(v) || v < 0)
      throw new Error(
        `model '${ctx.name}': parameter ${key} must be a non-negative number, found "${raw}"`,
      );
    return v;
  };
  options = {
    thresh: num('thresh', DB_DEFAULTS.thresh),
    boxThresh: num('box_thresh', DB_DEFAULTS.boxThresh),
    unclipRatio: num('unclip_ratio', DB_DEFAULTS.unclipRatio),
    maxCandidates: num('max_candidates', DB_DEFAULTS.maxCandidates),
    minSize: num('min_size', DB_DEFAULTS.minSize),
  };
}

/** Finds the text boxes of one probability map. */
export function execute(ins: Record<string, JsTensor>, ctx: JsExecuteContext) {
  const prob = ins['prob']!;
  const size = ins['size']!.data as Int32Array;
  const [, , height = 0, width = 0] = prob.shape;
  if (prob.shape.length !== 4 || prob.shape[0] !== 1 || prob.shape[1] !== 1)
    throw new Error(`input 'prob': expected FP32 [1,1,H,W], found [${prob.shape.join(',')}]`);
  if (!(size[0]! > 0 && size[1]! > 0))
    throw new Error(
      `input 'size': expected a positive [h, w], found [${Array.from(size).join(',')}]`,
    );
  const boxes = detectBoxes(
    { data: prob.data as Float32Array, width, height, srcHeight: size[0]!, srcWidth: size[1]! },
    options,
  );
  const out: Record<string, unknown> = {};
  if (ctx.outputs.includes('boxes'))
    out['boxes'] = {
      datatype: 'FP32',
      shape: [boxes.length, 4, 2],
      data: Float32Array.from(boxes.flatMap(b => b.quad.flat())),
    };
  if (ctx.outputs.includes('scores'))
    out['scores'] = {
      datatype: 'FP32',
      shape: [boxes.length],
      data: Float32Array.from(boxes, b => b.score),
    };
  return out;
}
