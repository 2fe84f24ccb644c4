import { describe, expect, it } from 'vitest';
import { ModelConfigSchema } from '../../../engine/core/model-config.js';
import type { Tensor, TensorMap } from '../../../engine/core/tensor.js';
import { outputShaper, resolveWildcard } from '../../../engine/scheduling/outputs.js';

const config = ModelConfigSchema.parse({
  max_batch_size: 8,
  input: [{ name: 'INPUT0', data_type: 'TYPE_FP32', dims: [16] }],
  output: [
    { name: 'OUTPUT0', data_type: 'TYPE_FP32', dims: [16] },
    { name: 'SCALAR', data_type: 'TYPE_FP32', dims: [1], reshape: { shape: [] } },
  ],
});

const fp32 = (shape: number[]): Tensor => ({
  datatype: 'FP32',
  shape,
  data: new Float32Array(shape.reduce((a, b) => a * b, 1)),
});

describe('outputShaper', () => {
  it('undoes output reshape and keeps the requested order', () => {
    const shape = outputShaper(config, 'simple');
    const produced: TensorMap = new Map([
      ['OUTPUT0', fp32([2, 16])],
      ['SCALAR', fp32([2])],
    ]);
    const out = shape(['SCALAR', 'OUTPUT0'], produced);
    expect([...out.keys()]).toEqual(['SCALAR', 'OUTPUT0']);
    expect(out.get('SCALAR')!.shape).toEqual([2, 1]);
    expect(shape(undefined, produced).get('SCALAR')!.shape).toEqual([2, 1]);
    expect(() => shape(['OUTPUT0'], new Map())).toThrow(/did not produce output 'OUTPUT0'/);
  });

  it('hands back what the instance produced when it is already the answer', () => {
    const plain = ModelConfigSchema.parse({
      max_batch_size: 0,
      input: [],
      output: [{ name: 'Y', data_type: 'TYPE_FP32', dims: [2] }],
    });
    const produced: TensorMap = new Map([['Y', fp32([2])]]);
    expect(outputShaper(plain, 'm')(['Y'], produced)).toBe(produced);
    expect(outputShaper(plain, 'm')(undefined, produced)).toBe(produced);
  });

  it('resolves one wildcard dimension from the element count', () => {
    expect(resolveWildcard([-1, 4], 12)).toEqual([3, 4]);
    expect(resolveWildcard([], 1)).toEqual([]);
  });
});
