/**
 * @module A request checked against its model version's config, the one check every request
 * gets, model or pipeline: input names, datatypes, shapes with the batch dimension, element
 * counts and batch size, with `reshape` applied; and the output names it asks for.
 */
import { fromConfigDataType, type DataType } from '../core/datatype.js';
import { quote } from '../core/client-value.js';
import { EngineError } from '../core/errors.js';
import type { ModelConfig, ModelInput } from '../core/model-config.js';
import type { RequestedOutput } from '../core/request.js';
import {
  elementCount,
  formatShape,
  shapeMatches,
  type Tensor,
  type TensorMap,
} from '../core/tensor.js';
import { resolveWildcard } from '../scheduling/outputs.js';

/** Inputs checked against a model config, reshaped to what the backend expects. */
export interface PreparedInputs {
  readonly inputs: TensorMap;
  /** Size of axis 0 when the model batches, else 1. */
  readonly batchSize: number;
}

/** A config's tensors indexed once, so each request is checked without rebuilding lookups. */
interface IoIndex {
  readonly inputs: ReadonlyMap<
    string,
    { readonly spec: ModelInput; readonly datatype: DataType; readonly full: readonly number[] }
  >;
  readonly required: readonly ModelInput[];
  readonly reshapesInputs: boolean;
  readonly outputs: ReadonlySet<string>;
  readonly outputNames: readonly string[];
}

// Configs are immutable once loaded; a reload brings a new object.
const indexes = new WeakMap<ModelConfig, IoIndex>();

function ioIndex(config: ModelConfig): IoIndex {
  let io = indexes.get(config);
  if (io) return io;
  const batching = config.max_batch_size > 0;
  io = {
    inputs: new Map(
      config.input.map(i => [
        i.name,
        {
          spec: i,
          datatype: fromConfigDataType(i.data_type) as DataType,
          full: batching ? [-1, ...i.dims] : i.dims,
        },
      ]),
    ),
    required: config.input.filter(i => !i.optional),
    reshapesInputs: config.input.some(i => i.reshape),
    outputs: new Set(config.output.map(o => o.name)),
    outputNames: config.output.map(o => o.name),
  };
  indexes.set(config, io);
  return io;
}

/**
 * Checks request inputs against the model config: names, datatypes, shapes (with the batch
 * dimension when max_batch_size > 0), element counts; applies `reshape`. Messages follow Triton's
 * and always name the model and the tensor.
 *
 * @example
 * const { inputs, batchSize } = prepareInputs(config, 'simple', request.inputs);
 */
export function prepareInputs(
  config: ModelConfig,
  model: string,
  inputs: TensorMap,
): PreparedInputs {
  const io = ioIndex(config);
  for (const name of inputs.keys()) {
    if (!io.inputs.has(name)) {
      const allowed = config.input.map(i => `'${i.name}'`).join(', ');
      throw new EngineError(
        'INVALID_ARG',
        `unexpected inference input ${quote(name)} for model '${model}'; allowed inputs are: ${allowed}`,
      );
    }
  }
  if (inputs.size < config.input.length) {
    const missing = io.required.filter(i => !inputs.has(i.name)).map(i => `'${i.name}'`);
    if (missing.length > 0) {
      throw new EngineError(
        'INVALID_ARG',
        `expected ${config.input.length} inputs but got ${inputs.size} inputs for model '${model}'; missing required input(s) ${missing.join(', ')}`,
      );
    }
  }
  const batching = config.max_batch_size > 0;
  let batchSize = batching ? -1 : 1;
  for (const [name, tensor] of inputs) {
    checkTensor(model, io.inputs.get(name)!, tensor);
    if (batching) {
      const b = tensor.shape[0]!;
      if (b < 1 || b > config.max_batch_size) {
        throw new EngineError(
          'INVALID_ARG',
          `inference request batch-size must be <= ${config.max_batch_size} for model '${model}', got ${b} for input '${name}'`,
        );
      }
      if (batchSize !== -1 && b !== batchSize) {
        throw new EngineError(
          'INVALID_ARG',
          `input '${name}' of model '${model}' has batch size ${b}, other inputs have ${batchSize}`,
        );
      }
      batchSize = b;
    }
  }
  // Without reshapes the request's own map travels on; nothing downstream changes it.
  if (!io.reshapesInputs) return { inputs, batchSize: Math.max(batchSize, 1) };
  const out: TensorMap = new Map();
  for (const [name, tensor] of inputs)
    out.set(name, reshaped(io.inputs.get(name)!.spec, tensor, batching));
  return { inputs: out, batchSize: Math.max(batchSize, 1) };
}

function checkTensor(
  model: string,
  { spec, datatype, full }: { spec: ModelInput; datatype: DataType; full: readonly number[] },
  t: Tensor,
): void {
  const kind = 'input';
  if (t.datatype !== datatype) {
    throw new EngineError(
      'INVALID_ARG',
      `unexpected datatype ${t.datatype} for inference ${kind} '${spec.name}' of model '${model}', expecting ${datatype}`,
    );
  }
  if (!shapeMatches(full, t.shape)) {
    throw new EngineError(
      'INVALID_ARG',
      `unexpected shape for ${kind} '${spec.name}' of model '${model}': expected ${formatShape(full)}, got ${formatShape(t.shape)}`,
    );
  }
  const n = elementCount(t.shape);
  if (t.data.length !== n) {
    throw new EngineError(
      'INVALID_ARG',
      `${kind} '${spec.name}' of model '${model}' has shape ${formatShape(t.shape)} (${n} elements) but ${t.data.length} elements of data`,
    );
  }
}

function reshaped(spec: ModelInput, t: Tensor, batching: boolean): Tensor {
  if (!spec.reshape) return t;
  const target = resolveWildcard(
    spec.reshape.shape,
    batching ? elementCount(t.shape) / t.shape[0]! : elementCount(t.shape),
  );
  return { ...t, shape: batching ? [t.shape[0]!, ...target] : target };
}

/**
 * Names of the outputs to compute for a request, checked against the config. Absent `requested`
 * means every output, in config order.
 */
export function resolveOutputs(
  config: ModelConfig,
  model: string,
  requested?: readonly RequestedOutput[],
): readonly string[] {
  const io = ioIndex(config);
  if (!requested || requested.length === 0) return io.outputNames;
  return requested.map(r => {
    if (!io.outputs.has(r.name))
      throw new EngineError(
        'INVALID_ARG',
        `unexpected inference output ${quote(r.name)} for model '${model}'`,
      );
    return r.name;
  });
}
