/**
 * @module Checks a config's inputs and outputs against the model's own signature, and says
 * what keeps a model from batching.
 */
import type { ModelSignature, TensorSignature } from '../core/backend.js';
import { toConfigDataType } from '../core/datatype.js';
import { EngineError } from '../core/errors.js';
import type { ModelConfig, ModelInput, ModelOutput } from '../core/model-config.js';

/**
 * Formats a shape as the error messages show it.
 *
 * @example
 * formatShape([-1, 3]); // '[-1,3]'
 */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(',')}]`;
}

/**
 * The first tensor whose first dimension is not -1, which is what keeps a model from batching
 * (every input and output must have a variable first dimension), or undefined when it can batch.
 */
export function batchingBlocker(
  signature: ModelSignature,
): { kind: 'input' | 'output'; tensor: TensorSignature } | undefined {
  const bad = (t: TensorSignature): boolean => t.shape.length === 0 || t.shape[0] !== -1;
  const input = signature.inputs.find(bad);
  if (input) return { kind: 'input', tensor: input };
  const output = signature.outputs.find(bad);
  return output ? { kind: 'output', tensor: output } : undefined;
}

/**
 * Checks the inputs and outputs a config lists against the model file's signature: every listed
 * tensor must exist with the same data type and a compatible shape (same rank; -1 on either side
 * matches any size), and every model input must be listed. With max_batch_size > 0 the model's
 * first dimension is the batch dimension and is left out of the comparison. A `reshape` is what
 * the model sees, so it is compared instead of `dims` when present. Throws INVALID_ARG naming the
 * model, the tensor and both values.
 *
 * @example
 * validateConfigIo(config, await backend.describe(files)); // throws on the first mismatch
 */
export function validateConfigIo(config: ModelConfig, signature: ModelSignature): void {
  const { name: model, max_batch_size: mbs } = config;
  for (const io of config.input) checkTensor(model, 'input', io, signature.inputs, mbs);
  for (const io of config.output) checkTensor(model, 'output', io, signature.outputs, mbs);
  const listed = new Set(config.input.map(i => i.name));
  for (const name of sequenceTensors(config).inputs) listed.add(name);
  const unlisted = signature.inputs.find(t => !listed.has(t.name));
  if (unlisted) {
    throw new EngineError(
      'INVALID_ARG',
      `model '${model}': the model's input '${unlisted.name}' is not listed in the config ` +
        `(config inputs: ${[...listed].join(', ')}); every model input must be listed`,
    );
  }
}

/**
 * The tensors the sequence batcher feeds and reads (control inputs, implicit state), which a
 * config lists under `sequence_batching` instead of `input` / `output`.
 *
 * @example
 * sequenceTensors(config).inputs.has('START'); // true for Triton's simple_sequence
 */
export function sequenceTensors(config: ModelConfig): {
  inputs: ReadonlySet<string>;
  outputs: ReadonlySet<string>;
} {
  const sb = config.sequence_batching;
  if (!sb) return { inputs: new Set(), outputs: new Set() };
  return {
    inputs: new Set([...sb.control_input.map(c => c.name), ...sb.state.map(s => s.input_name)]),
    outputs: new Set(sb.state.map(s => s.output_name)),
  };
}

function checkTensor(
  model: string,
  kind: 'input' | 'output',
  io: ModelInput | ModelOutput,
  tensors: readonly TensorSignature[],
  maxBatchSize: number,
): void {
  const tensor = tensors.find(t => t.name === io.name);
  const where = `model '${model}': ${kind} '${io.name}'`;
  if (!tensor) {
    const names = tensors.map(t => t.name).join(', ') || 'none';
    throw new EngineError(
      'INVALID_ARG',
      `${where}: the model has no ${kind} of that name (model ${kind}s: ${names})`,
    );
  }
  const modelType = toConfigDataType(tensor.datatype);
  if (io.data_type !== modelType) {
    throw new EngineError(
      'INVALID_ARG',
      `${where}: config data_type ${io.data_type} does not match the model's ${modelType}`,
    );
  }
  checkShape(where, io, tensor.shape, maxBatchSize);
}

function checkShape(
  where: string,
  io: ModelInput | ModelOutput,
  shape: readonly number[],
  maxBatchSize: number,
): void {
  const field = io.reshape ? 'reshape.shape' : 'dims';
  const configDims = io.reshape ? io.reshape.shape : io.dims;
  // A scalar model tensor (possible only without batching) takes dims of 1s, as Triton allows.
  if (shape.length === 0) {
    if (configDims.every(d => d === 1)) return;
    throw new EngineError(
      'INVALID_ARG',
      `${where}: config ${field} ${formatShape(configDims)} does not match the model's ` +
        'scalar shape []',
    );
  }
  const modelDims = maxBatchSize > 0 ? shape.slice(1) : shape;
  const batchNote = maxBatchSize > 0 ? ' (without the batch dimension)' : '';
  if (configDims.length !== modelDims.length) {
    throw new EngineError(
      'INVALID_ARG',
      `${where}: config ${field} ${formatShape(configDims)} has rank ${configDims.length} but ` +
        `the model's shape ${formatShape(modelDims)}${batchNote} has rank ${modelDims.length}`,
    );
  }
  const axis = configDims.findIndex(
    (d, i) => d !== -1 && modelDims[i] !== -1 && d !== modelDims[i],
  );
  if (axis >= 0) {
    throw new EngineError(
      'INVALID_ARG',
      `${where}: config ${field} ${formatShape(configDims)} does not match the model's ` +
        `${formatShape(modelDims)}${batchNote} at axis ${axis} ` +
        `(${configDims[axis]} vs ${modelDims[axis]})`,
    );
  }
}
