/**
 * @module Triton's auto-complete: fills a model config's inputs, outputs and batching from what its
 * backend reports about the model.
 */
import type { ModelSignature, TensorSignature } from '../core/backend.js';
import { toConfigDataType } from '../core/datatype.js';
import { EngineError } from '../core/errors.js';
import {
  DynamicBatchingSchema,
  ModelInputSchema,
  ModelOutputSchema,
} from '../core/model-config.js';
import type { ModelConfig, ModelInput, ModelOutput } from '../core/model-config.js';
import { normalizeModelConfig } from './config-normalize.js';
import { batchingBlocker, formatShape, sequenceTensors, validateConfigIo } from './io-validate.js';

/**
 * max_batch_size given to a model that can batch when its config sets none, as Triton's
 * `--backend-config=onnxruntime,default-max-batch-size` defaults to.
 */
export const DEFAULT_MAX_BATCH_SIZE = 4;

/** Options of {@link completeModelConfig}. */
export interface CompleteOptions {
  /** The backend chosen for the model; fills `backend` and an empty `platform`. */
  readonly backend?: { readonly name: string; readonly platforms: readonly string[] };
  /**
   * max_batch_size for a model that can batch and whose config sets 0.
   * Default {@link DEFAULT_MAX_BATCH_SIZE}.
   */
  readonly defaultMaxBatchSize?: number;
  /** GPUs visible to the server; decides the kind of the default instance group. */
  readonly gpuCount: number;
  /** Name used when the config's `name` is empty (configs from parseModelConfig have one). */
  readonly modelName?: string;
}

/**
 * Triton's auto-complete for a model its backend can describe (reference §3.8), then
 * normalization (see normalizeModelConfig). Pure. With a signature:
 * - A model can batch when every input and output has first dimension -1. If it can and
 *   max_batch_size is 0, max_batch_size becomes `defaultMaxBatchSize`; if it then exceeds 1 and
 *   the config has no `dynamic_batching`, an empty one is added. A model that cannot batch
 *   with max_batch_size > 0 is an error.
 * - Missing inputs / outputs are filled from the signature: TYPE_* data types, dims without the
 *   batch dimension, and `dims: [1]` with `reshape: { shape: [] }` for a batched scalar.
 * - When the config lists both inputs and outputs, nothing is filled (as in Triton), but the
 *   listed tensors are checked against the signature (name, data type, rank, fixed dims).
 * Without a signature (auto-complete disabled, or a backend that cannot describe) only the
 * backend fields and normalization apply. Throws INVALID_ARG naming the model and tensor.
 *
 * @example
 * const signature = await backend.describe(files);
 * const config = completeModelConfig(parsed, signature, { backend, gpuCount: 0 });
 */
export function completeModelConfig(
  config: ModelConfig,
  signature: ModelSignature | undefined,
  opts: CompleteOptions,
): ModelConfig {
  const named = config.name === '' && opts.modelName ? { ...config, name: opts.modelName } : config;
  let c = fillBackendFields(named, opts.backend);
  if (signature) {
    c = completeFromSignature(c, signature, opts.defaultMaxBatchSize ?? DEFAULT_MAX_BATCH_SIZE);
  }
  return normalizeModelConfig(c, { gpuCount: opts.gpuCount });
}

function fillBackendFields(c: ModelConfig, backend: CompleteOptions['backend']): ModelConfig {
  if (!backend) return c;
  if (c.backend !== '' && c.backend !== backend.name) {
    throw new EngineError(
      'INVALID_ARG',
      `model '${c.name}': config backend '${c.backend}' does not match the backend ` +
        `'${backend.name}' chosen for it`,
    );
  }
  const platforms = backend.platforms;
  if (c.platform !== '' && platforms.length > 0 && !platforms.includes(c.platform)) {
    throw new EngineError(
      'INVALID_ARG',
      `model '${c.name}': config platform '${c.platform}' is not one of backend ` +
        `'${backend.name}' (${platforms.join(', ')})`,
    );
  }
  return { ...c, backend: backend.name, platform: c.platform || (backend.platforms[0] ?? '') };
}

function completeFromSignature(
  c: ModelConfig,
  signature: ModelSignature,
  defaultMaxBatchSize: number,
): ModelConfig {
  const blocker = batchingBlocker(signature);
  const listsBoth = c.input.length > 0 && c.output.length > 0;
  if (blocker && c.max_batch_size > 0) {
    const { kind, tensor } = blocker;
    throw new EngineError(
      'INVALID_ARG',
      `${listsBoth ? '' : 'autofill failed for '}model '${c.name}': model does not support ` +
        `batching while non-zero max_batch_size is specified (${kind} '${tensor.name}' has ` +
        `shape ${formatShape(tensor.shape)}; batching needs -1 as the first dimension of every ` +
        'input and output)',
    );
  }
  let out = c;
  if (!listsBoth) {
    out = completeMaxBatch(out, blocker === undefined, defaultMaxBatchSize);
    const batched = out.max_batch_size > 0;
    // Control and state tensors are the sequence batcher's to fill, never a client's.
    const own = sequenceTensors(out);
    if (out.input.length === 0) {
      const inputs = signature.inputs.filter(t => !own.inputs.has(t.name));
      out = { ...out, input: inputs.map(t => completeInput(t, batched)) };
    }
    if (out.output.length === 0) {
      const outputs = signature.outputs.filter(t => !own.outputs.has(t.name));
      out = { ...out, output: outputs.map(t => completeOutput(t, batched)) };
    }
  }
  validateConfigIo(out, signature);
  if (signature.decoupled && !out.model_transaction_policy.decoupled)
    out = {
      ...out,
      model_transaction_policy: { ...out.model_transaction_policy, decoupled: true },
    };
  return out;
}

function completeMaxBatch(
  c: ModelConfig,
  canBatch: boolean,
  defaultMaxBatchSize: number,
): ModelConfig {
  if (!canBatch) return c;
  const max_batch_size =
    c.max_batch_size === 0 ? Math.max(defaultMaxBatchSize, 0) : c.max_batch_size;
  // Triton adds the dynamic batcher only when no scheduling block exists; an explicit one wins.
  const addBatcher =
    max_batch_size > 1 && c.dynamic_batching === undefined && c.sequence_batching === undefined;
  return {
    ...c,
    max_batch_size,
    ...(addBatcher ? { dynamic_batching: DynamicBatchingSchema.parse({}) } : {}),
  };
}

/** dims without the batch dimension; a batched scalar is `dims: [1]` seen by the model as `[]`. */
function completedShape(
  t: TensorSignature,
  batched: boolean,
): { dims: number[]; reshape?: { shape: number[] } } {
  const dims = batched ? t.shape.slice(1) : [...t.shape];
  if (dims.length > 0) return { dims };
  // Triton adds the empty reshape only with batching; unbatched, the model's [] takes dims [1].
  return batched ? { dims: [1], reshape: { shape: [] } } : { dims: [1] };
}

function completeInput(t: TensorSignature, batched: boolean): ModelInput {
  const data_type = toConfigDataType(t.datatype);
  const optional = t.optional === true ? { optional: true } : {};
  return ModelInputSchema.parse({
    name: t.name,
    data_type,
    ...completedShape(t, batched),
    ...optional,
  });
}

function completeOutput(t: TensorSignature, batched: boolean): ModelOutput {
  const data_type = toConfigDataType(t.datatype);
  return ModelOutputSchema.parse({ name: t.name, data_type, ...completedShape(t, batched) });
}
