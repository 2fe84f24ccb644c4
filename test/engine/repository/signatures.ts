import type { ModelSignature, TensorSignature } from '../../../engine/core/backend.js';
import type { DataType } from '../../../engine/core/datatype.js';
import type { ModelConfig } from '../../../engine/core/model-config.js';
import { parseModelConfig } from '../../../engine/repository/config-parse.js';

/** A tensor signature in one line: `t('INPUT0', 'FP32', [-1, 16])`. */
export function t(name: string, datatype: DataType, shape: number[]): TensorSignature {
  return { name, datatype, shape };
}

/** A signature from input and output lists. */
export function sig(inputs: TensorSignature[], outputs: TensorSignature[]): ModelSignature {
  return { inputs, outputs };
}

/** A parsed config for model 'simple' with every default filled. */
export function config(raw: Record<string, unknown> = {}): ModelConfig {
  return parseModelConfig(raw, { modelName: 'simple' });
}

/** Triton's `simple` example: two batchable FP32 inputs and outputs of 16 elements. */
export const SIMPLE = sig(
  [t('INPUT0', 'FP32', [-1, 16]), t('INPUT1', 'FP32', [-1, 16])],
  [t('OUTPUT0', 'FP32', [-1, 16]), t('OUTPUT1', 'FP32', [-1, 16])],
);

/** The same model with fixed shapes, which cannot batch. */
export const FIXED = sig([t('INPUT0', 'FP32', [1, 16])], [t('OUTPUT0', 'FP32', [1, 16])]);

/** Config text for `SIMPLE`'s tensors, listed by hand. */
export function simpleIo(dims: number[] = [16], dataType = 'TYPE_FP32'): Record<string, unknown> {
  const io = (name: string) => ({ name, data_type: dataType, dims });
  return { input: [io('INPUT0'), io('INPUT1')], output: [io('OUTPUT0'), io('OUTPUT1')] };
}
