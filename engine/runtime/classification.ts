/**
 * @module The classification extension, as Triton implements it (server src/classification.cc,
 * the frontends' batch handling in src/http_server.cc and src/grpc/infer_handler.h, core
 * src/label_provider.cc): a requested output with `classification: k` is replaced by the top k
 * of each batch item as BYTES strings `"value:index"`, or `"value:index:label"` when the
 * output's `label_filename` has a label for that index. Values print as C++ `std::to_string`
 * prints them: integers in decimal, floating point with six decimals.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { quote } from '../core/client-value.js';
import { EngineError } from '../core/errors.js';
import type { ModelConfig } from '../core/model-config.js';
import { modelRelativePath } from '../core/model-path.js';
import type { RequestedOutput } from '../core/request.js';
import type { Tensor, TensorMap } from '../core/tensor.js';

/** Labels of a model's outputs, by output name, one per line of its `label_filename`. */
export type OutputLabels = ReadonlyMap<string, readonly string[]>;

/**
 * Reads the label file of every output that names one, as Triton does at load: line by line,
 * the final newline ending the last label rather than starting an empty one. The file must be
 * inside the model directory; a missing or unreadable one fails the load, naming it.
 *
 * @example
 * (await readOutputLabels('/models/resnet', config)).get('probs')?.[0]; // 'tench'
 */
export async function readOutputLabels(
  modelDir: string,
  config: ModelConfig,
): Promise<OutputLabels> {
  const labels = new Map<string, readonly string[]>();
  for (const o of config.output) {
    if (o.label_filename === '') continue;
    const owner = `model ${quote(config.name)} output ${quote(o.name)}`;
    const rel = modelRelativePath(o.label_filename, { owner, field: 'label_filename' });
    let text: string;
    try {
      text = await readFile(path.join(modelDir, rel), 'utf8');
    } catch (e) {
      const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
      throw new EngineError(
        'INVALID_ARG',
        `${owner}: label_filename ${quote(o.label_filename)} cannot be read (${why})`,
      );
    }
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    labels.set(o.name, lines);
  }
  return labels;
}

/** What {@link classifyOutputs} needs of the model version. */
export interface ClassifyTarget {
  readonly name: string;
  readonly config: ModelConfig;
  readonly labels?: OutputLabels;
}

/**
 * `outputs` with every output requested with `classification` k > 0 replaced by its top k
 * classes; the same map when none is. Throws INVALID_ARG for an output whose datatype has no
 * order (BYTES, BOOL, FP16, BF16), in Triton's words.
 *
 * @example
 * classifyOutputs(lv, [{ name: 'probs', parameters: { classification: 2 } }], outputs).get('probs');
 * // { datatype: 'BYTES', shape: [1, 2], data: ['0.900000:3:cat', '0.050000:1:dog' as UTF-8] }
 */
export function classifyOutputs(
  target: ClassifyTarget,
  requested: readonly RequestedOutput[] | undefined,
  outputs: TensorMap,
): TensorMap {
  if (requested === undefined) return outputs;
  let out: TensorMap | undefined;
  for (const r of requested) {
    const k = r.parameters?.['classification'];
    if (typeof k !== 'number' || k <= 0) continue;
    const tensor = outputs.get(r.name);
    if (tensor === undefined) continue;
    out ??= new Map(outputs);
    out.set(r.name, topK(target, r.name, tensor, k));
  }
  return out ?? outputs;
}

const encoder = new TextEncoder();

function topK(target: ClassifyTarget, name: string, tensor: Tensor, k: number): Tensor {
  const values = numericValues(tensor, name, target.name);
  const batching = target.config.max_batch_size > 0 && tensor.shape.length > 0;
  const batch = batching ? tensor.shape[0]! : 0;
  const perItem = (batching ? tensor.shape.slice(1) : tensor.shape).reduce((a, b) => a * b, 1);
  const count = Math.min(k, perItem);
  const labels = target.labels?.get(name);
  const data: Uint8Array[] = [];
  for (let b = 0; b < Math.max(1, batch); b++) {
    const start = b * perItem;
    const order = Array.from({ length: perItem }, (_, i) => i);
    // Highest first; equal values keep index order (Triton's std::sort leaves ties unordered).
    order.sort((i, j) => compare(values[start + j]!, values[start + i]!) || i - j);
    for (const idx of order.slice(0, count)) {
      const label = labels?.[idx];
      const text = `${formatValue(values[start + idx]!, tensor.datatype)}:${idx}${label ? `:${label}` : ''}`;
      data.push(encoder.encode(text));
    }
  }
  return { datatype: 'BYTES', shape: batch > 0 ? [batch, count] : [count], data };
}

function numericValues(tensor: Tensor, output: string, model: string): ArrayLike<number | bigint> {
  const dt = tensor.datatype;
  if (dt === 'BYTES' || dt === 'BOOL' || dt === 'FP16' || dt === 'BF16') {
    throw new EngineError(
      'INVALID_ARG',
      `class result not available for output ${quote(output)} of model ${quote(model)} due to unsupported type '${dt}'`,
    );
  }
  return tensor.data as ArrayLike<number | bigint>;
}

function compare(a: number | bigint, b: number | bigint): number {
  // NaN compares false both ways in C++, so it neither rises nor sinks; here it sorts last.
  if (typeof a === 'number' && Number.isNaN(a))
    return typeof b === 'number' && Number.isNaN(b) ? 0 : -1;
  if (typeof b === 'number' && Number.isNaN(b)) return 1;
  return a > b ? 1 : a < b ? -1 : 0;
}

/**
 * `std::to_string` of an element: integers in decimal, FP32/FP64 as `%f` (six decimals, ties
 * to even as printf rounds the exact binary value, `inf`, `nan`, `-0.000000`).
 *
 * @example
 * formatValue(0.25, 'FP32'); // '0.250000'
 */
export function formatValue(v: number | bigint, datatype: string): string {
  if (typeof v === 'bigint' || (datatype !== 'FP32' && datatype !== 'FP64')) return v.toString();
  if (Number.isNaN(v)) return 'nan';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const sign = v < 0 || Object.is(v, -0) ? '-' : '';
  const a = Math.abs(v);
  const scaled = a * 128;
  // An exact tie at the sixth decimal happens only when 128·a is an odd integer.
  if (Number.isInteger(scaled) && scaled % 2 === 1) {
    const twice = BigInt(scaled) * 15625n; // 2·a·10^6, exactly
    const floor = twice / 2n;
    const n = floor % 2n === 0n ? floor : floor + 1n;
    return `${sign}${n / 1_000_000n}.${(n % 1_000_000n).toString().padStart(6, '0')}`;
  }
  return `${sign}${a >= 1e21 ? `${BigInt(a)}.000000` : a.toFixed(6)}`;
}
