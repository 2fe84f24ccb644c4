import { describe, expect, it } from 'vitest';
import { schedulingParameters } from '../../../engine/runtime/parameters.js';
import { modelMetadata } from '../../../engine/runtime/metadata.js';
import { ModelConfigSchema } from '../../../engine/core/model-config.js';

describe('schedulingParameters', () => {
  it('reads priority and timeout', () => {
    expect(schedulingParameters({ priority: 2, timeout: 5000, other: 'x' }, 'm')).toEqual({
      priority: 2,
      timeoutUs: 5000,
    });
    expect(schedulingParameters(undefined, 'm')).toEqual({});
  });
  it('rejects non-integers with the parameter and model named', () => {
    expect(() => schedulingParameters({ priority: 'high' }, 'm')).toThrow(
      /parameter 'priority' of a request to model 'm' must be a non-negative integer, got "high"/,
    );
    expect(() => schedulingParameters({ timeout: -1 }, 'm')).toThrow(/'timeout'/);
  });
});

describe('modelMetadata', () => {
  it('prepends -1 when batching and reports backend when platform is empty', () => {
    const c = ModelConfigSchema.parse({
      backend: 'onnxruntime',
      max_batch_size: 8,
      input: [{ name: 'INPUT0', data_type: 'TYPE_STRING', dims: [16] }],
      output: [{ name: 'OUTPUT0', data_type: 'TYPE_FP32', dims: [16] }],
    });
    expect(modelMetadata(c, 'simple', ['1'])).toEqual({
      name: 'simple',
      versions: ['1'],
      platform: 'onnxruntime',
      inputs: [{ name: 'INPUT0', datatype: 'BYTES', shape: [-1, 16] }],
      outputs: [{ name: 'OUTPUT0', datatype: 'FP32', shape: [-1, 16] }],
    });
  });
});
