/**
 * @module The control tensors the sequence batcher gives a stateful model with each request
 * (Triton's START, END, READY and CORRID controls), resolved from the config once at load.
 */
import { fromConfigDataType, type DataType } from '../../core/datatype.js';
import { EngineError } from '../../core/errors.js';
import type { SequenceBatching } from '../../core/sequence-config.js';
import { typedArrayFor, type Tensor, type TensorData } from '../../core/tensor.js';

/** One control tensor: which flag it carries, as what datatype, with which false/true values. */
export type ControlSpec =
  | {
      readonly name: string;
      readonly kind: 'start' | 'end' | 'ready';
      readonly datatype: 'INT32' | 'FP32' | 'BOOL';
      readonly values: readonly [number, number];
    }
  | { readonly name: string; readonly kind: 'corrid'; readonly datatype: DataType };

/** What the controls of one row of a batch say. */
export interface ControlRow {
  readonly start: boolean;
  readonly end: boolean;
  /** False for a row that only fills a slot with no request (a null request). */
  readonly ready: boolean;
  readonly corrid: number | string;
}

const KINDS = {
  CONTROL_SEQUENCE_START: 'start',
  CONTROL_SEQUENCE_END: 'end',
  CONTROL_SEQUENCE_READY: 'ready',
  CONTROL_SEQUENCE_CORRID: 'corrid',
} as const;

const CORRID_TYPES: ReadonlySet<string> = new Set([
  'TYPE_UINT64',
  'TYPE_INT64',
  'TYPE_UINT32',
  'TYPE_INT32',
  'TYPE_STRING',
]);

/**
 * The control specs of a `sequence_batching` block. Throws EngineError INVALID_ARG naming the
 * model and tensor when a control has not exactly one of int32/fp32/bool_false_true with two
 * values, a CORRID control has a data_type other than UINT64, INT64, UINT32, INT32 or STRING, or
 * a kind is given twice.
 *
 * @example
 * controlSpecs(config.sequence_batching, 'simple_sequence'); // [{ name: 'START', kind: 'start', ... }]
 */
export function controlSpecs(sb: SequenceBatching, model: string): ControlSpec[] {
  const out: ControlSpec[] = [];
  for (const input of sb.control_input) {
    for (const c of input.control) {
      const where = `model '${model}': sequence_batching control input '${input.name}' (${c.kind})`;
      const kind = KINDS[c.kind];
      if (out.some(s => s.kind === kind))
        throw new EngineError('INVALID_ARG', `${where}: ${c.kind} is given more than once`);
      if (kind === 'corrid') {
        if (!c.data_type || !CORRID_TYPES.has(c.data_type)) {
          throw new EngineError(
            'INVALID_ARG',
            `${where}: data_type must be one of ${[...CORRID_TYPES].join(', ')}, got ${c.data_type ?? 'none'}`,
          );
        }
        out.push({ name: input.name, kind, datatype: fromConfigDataType(c.data_type)! });
        continue;
      }
      const given = [
        ['INT32', c.int32_false_true],
        ['FP32', c.fp32_false_true],
        ['BOOL', c.bool_false_true.map(Number)],
      ].filter(([, v]) => (v as unknown[]).length > 0) as ['INT32' | 'FP32' | 'BOOL', number[]][];
      if (given.length !== 1 || given[0]![1].length !== 2) {
        throw new EngineError(
          'INVALID_ARG',
          `${where}: expected exactly one of int32_false_true, fp32_false_true or bool_false_true, with two values (false, true)`,
        );
      }
      const [datatype, [f, t]] = given[0]!;
      out.push({ name: input.name, kind, datatype, values: [f!, t!] });
    }
  }
  return out;
}

/**
 * The control tensors of one row: shape [1, 1] for a model that batches, [1] otherwise. A CORRID
 * of a numeric type given a string ID (or the other way round) is refused, naming the model.
 *
 * @example
 * controlTensors(specs, { start: true, end: false, ready: true, corrid: 1000 }, true, 'm');
 */
export function controlTensors(
  specs: readonly ControlSpec[],
  row: ControlRow,
  batching: boolean,
  model: string,
): Map<string, Tensor> {
  const shape = batching ? [1, 1] : [1];
  const out = new Map<string, Tensor>();
  for (const s of specs) {
    if (s.kind === 'corrid') {
      out.set(s.name, { datatype: s.datatype, shape, data: corridData(s, row.corrid, model) });
      continue;
    }
    const on = s.kind === 'ready' ? row.ready : row.ready && row[s.kind];
    const data = new (typedArrayFor(s.datatype))(1) as Exclude<TensorData, Uint8Array[]>;
    (data as Int32Array)[0] = s.values[on ? 1 : 0];
    out.set(s.name, { datatype: s.datatype, shape, data });
  }
  return out;
}

function corridData(
  s: { readonly name: string; readonly datatype: DataType },
  id: number | string,
  model: string,
): TensorData {
  if (s.datatype === 'BYTES') return [new TextEncoder().encode(String(id))];
  if (typeof id === 'string') {
    throw new EngineError(
      'INVALID_ARG',
      `model '${model}' takes numeric correlation IDs (control input '${s.name}' is ${s.datatype}), got the string sequence_id '${id}'`,
    );
  }
  const dt = s.datatype as Exclude<DataType, 'BYTES'>;
  const data = new (typedArrayFor(dt))(1);
  if (data instanceof BigInt64Array || data instanceof BigUint64Array) data[0] = BigInt(id);
  else data[0] = id;
  return data;
}
