/*
 * Triton's example sequence model (JS backend). Each row of a batch is one sequence's request,
 * in the batch slot the sequence batcher gave it; START and READY are the batcher's control
 * tensors. A row answers its INPUT, plus 1 on the request that starts its sequence; a row that
 * only fills an empty slot (READY 0) answers 0. This is what Triton's example model returns and
 * what its sequence clients check.
 *
 * In:  INPUT  INT32 [batch, 1]
 *      START  INT32 [batch, 1]  1 on a sequence's first request (control, set by the server)
 *      READY  INT32 [batch, 1]  1 for a row that holds a request (control, set by the server)
 * Out: OUTPUT INT32 [batch, 1]
 */
import type { JsTensor } from '../../../../backends/js/index.js';

/** Inputs: the client's INPUT and the sequence batcher's two controls. */
export const inputs = [
  { name: 'INPUT', datatype: 'INT32', shape: [-1, 1] },
  { name: 'START', datatype: 'INT32', shape: [-1, 1] },
  { name: 'READY', datatype: 'INT32', shape: [-1, 1] },
];
/** Outputs, as listed in config.yaml. */
export const outputs = [{ name: 'OUTPUT', datatype: 'INT32', shape: [-1, 1] }];

export function execute(inputs: Record<string, JsTensor>) {
  const input = inputs['INPUT']!.data as Int32Array;
  const start = inputs['START']!.data as Int32Array;
  const ready = inputs['READY']!.data as Int32Array;
  const out = new Int32Array(input.length);
  for (let i = 0; i < input.length; i++) out[i] = ready[i] ? input[i]! + start[i]! : 0;
  return { OUTPUT: { datatype: 'INT32', shape: [input.length, 1], data: out } };
}
