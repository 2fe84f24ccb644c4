/*
 * The `ocr_stream` pipeline's last step (JS backend, decoupled): ocr_ctc_decode's decoding, one
 * response per line kept, each sent as soon as that line is decoded. A client that goes away
 * stops it before its next line.
 *
 * In:  prob        FP32  [N,T,C]  ocr_rec's softmax, as ocr_ctc_decode takes it
 *      boxes       FP32  [N,4,2]  the boxes the lines were cut from
 * Out: text        BYTES [1]      one line whose score is at least `drop_score`, UTF-8
 *      text_boxes  FP32  [1,4,2]  its box
 *      text_scores FP32  [1]      its score
 *
 * Config parameters: those of ocr_ctc_decode (`dictionary`, `drop_score`, `normalize`).
 */
import type { JsExecuteContext, JsTensor } from '../../../../backends/js/index.js';
import { keptLines } from '../../ocr_ctc_decode/1/model.js';

// The same inputs, outputs and dictionary as the whole-image decoder: only the answering differs.
export { initialize, inputs, outputs } from '../../ocr_ctc_decode/1/model.js';

/** Decodes the lines one by one and sends each line kept as one response. */
export async function* execute(ins: Record<string, JsTensor>, ctx: JsExecuteContext) {
  const box = ins['boxes']!.data as Float32Array;
  for (const line of keptLines(ins['prob']!, ins['boxes']!)) {
    if (ctx.signal?.aborted) return;
    const i = line.index;
    yield {
      text: { datatype: 'BYTES', shape: [1], data: [line.text] },
      text_boxes: { datatype: 'FP32', shape: [1, 4, 2], data: box.slice(i * 8, i * 8 + 8) },
      text_scores: { datatype: 'FP32', shape: [1], data: Float32Array.of(line.score) },
    };
  }
}
