/**
 * @module Model metadata as Triton reports it (GET /v2/models/{m}).
 */
import { fromConfigDataType, type DataType } from '../core/datatype.js';
import type { ModelConfig } from '../core/model-config.js';
import type { ModelMetadata, TensorMetadata } from './types.js';

/**
 * Model metadata as Triton reports it (reference §1.5): platform, or backend when platform is
 * empty; shapes are the config dims with -1 prepended when the model batches.
 *
 * @example
 * modelMetadata(config, 'simple', ['1']).inputs[0].shape; // [-1, 16]
 */
export function modelMetadata(
  config: ModelConfig,
  name: string,
  versions: readonly string[],
): ModelMetadata {
  const batch = config.max_batch_size > 0;
  const tensor = (t: {
    name: string;
    data_type: string;
    dims: readonly number[];
  }): TensorMetadata => ({
    name: t.name,
    datatype: fromConfigDataType(t.data_type) as DataType,
    shape: batch ? [-1, ...t.dims] : [...t.dims],
  });
  return {
    name,
    versions,
    platform: config.platform || config.backend,
    inputs: config.input.map(tensor),
    outputs: config.output.map(tensor),
  };
}
