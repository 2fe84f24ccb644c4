/**
 * @module Implicit state (Triton's `sequence_batching.state`): a tensor the model reads as an
 * input and writes as an output, kept by the scheduler between the requests of one sequence, so
 * a model needs no memory of its own. A sequence's first request gets the initial state.
 */
import { dataTypeSize, fromConfigDataType, type DataType } from '../../core/datatype.js';
import { EngineError } from '../../core/errors.js';
import type { SequenceBatching, SequenceState } from '../../core/sequence-config.js';
import { elementCount, typedArrayFor, type Tensor, type TensorData } from '../../core/tensor.js';

/** One state: the input it feeds, the output it comes from, and its value on START. */
export interface StateSpec {
  readonly input: string;
  readonly output: string;
  /** One row's initial value: [1, ...dims] for a model that batches, dims otherwise. */
  readonly initial: Tensor;
}

/**
 * The state specs of a `sequence_batching` block. `files` holds the bytes of each
 * `initial_state.data_file` (raw little-endian values, read by the loader from the model's
 * `initial_state/` directory). Throws EngineError INVALID_ARG naming the model and state when
 * the initial state's data_type differs from the state's, its dims are not fixed, or a file
 * holds the wrong number of bytes.
 *
 * @example
 * stateSpecs(config.sequence_batching, 'accumulator', true, new Map());
 */
export function stateSpecs(
  sb: SequenceBatching,
  model: string,
  batching: boolean,
  files: ReadonlyMap<string, Uint8Array>,
): StateSpec[] {
  return sb.state.map(s => {
    const where = `model '${model}': sequence_batching state '${s.input_name}'`;
    const dt = fromConfigDataType(s.data_type) as DataType;
    const init = s.initial_state[0];
    if (init?.data_type !== undefined && init.data_type !== s.data_type) {
      throw new EngineError(
        'INVALID_ARG',
        `${where}: initial_state data_type ${init.data_type} differs from the state's ${s.data_type}`,
      );
    }
    const dims = init && init.dims.length > 0 ? init.dims : s.dims;
    if (dims.some(d => d < 0)) {
      throw new EngineError(
        'INVALID_ARG',
        `${where}: the initial state needs fixed dims, got [${dims.join(',')}]; set initial_state.dims`,
      );
    }
    const data = initialData(s, dt, elementCount(dims), files, where);
    const shape = batching ? [1, ...dims] : [...dims];
    return { input: s.input_name, output: s.output_name, initial: { datatype: dt, shape, data } };
  });
}

function initialData(
  s: SequenceState,
  dt: DataType,
  count: number,
  files: ReadonlyMap<string, Uint8Array>,
  where: string,
): TensorData {
  const file = s.initial_state[0]?.data_file;
  if (dt === 'BYTES') {
    if (file !== undefined)
      throw new EngineError(
        'INVALID_ARG',
        `${where}: a STRING state cannot start from a data_file`,
      );
    return Array.from({ length: count }, () => new Uint8Array(0));
  }
  const Ctor = typedArrayFor(dt);
  if (file === undefined) return new Ctor(count);
  const bytes = files.get(file);
  const size = dataTypeSize(dt)!;
  if (!bytes || bytes.byteLength !== count * size) {
    throw new EngineError(
      'INVALID_ARG',
      `${where}: initial_state data_file '${file}' must hold ${count * size} bytes (${count} ${dt}), got ${bytes?.byteLength ?? 'no file'}`,
    );
  }
  const copy = new Uint8Array(bytes);
  return new Ctor(copy.buffer, 0, count);
}

/**
 * The state input of one row: the sequence's last state output, or the initial state when the
 * row starts a sequence (or fills an empty slot).
 *
 * @example
 * stateInputs(specs, seq.state, item.flags.start);
 */
export function stateInputs(
  specs: readonly StateSpec[],
  kept: ReadonlyMap<string, Tensor> | undefined,
  fresh: boolean,
): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const s of specs) out.set(s.input, (!fresh && kept?.get(s.input)) || s.initial);
  return out;
}

/**
 * The state a row's outputs leave for the sequence's next request. Throws INTERNAL naming the
 * model when an output is missing.
 *
 * @example
 * seq.state = keptState(specs, outputs, 'accumulator');
 */
export function keptState(
  specs: readonly StateSpec[],
  outputs: ReadonlyMap<string, Tensor>,
  model: string,
): Map<string, Tensor> {
  const out = new Map<string, Tensor>();
  for (const s of specs) {
    const t = outputs.get(s.output);
    if (!t) {
      throw new EngineError(
        'INTERNAL',
        `model '${model}' did not produce state output '${s.output}' (sequence_batching state '${s.input}')`,
      );
    }
    out.set(s.input, t);
  }
  return out;
}
