import { describe, expect, it } from 'vitest';
import { ModelConfigSchema } from '../../../engine/core/model-config.js';
import type { Tensor, TensorMap } from '../../../engine/core/tensor.js';
import { prepareInputs, resolveOutputs } from '../../../engine/runtime/validate.js';

const config = ModelConfigSchema.parse({
  max_batch_size: 8,
  input: [
    { name: 'INPUT0', data_type: 'TYPE_FP32', dims: [16] },
    { name: 'INPUT1', data_type: 'TYPE_FP32', dims: [16] },
    { name: 'MASK', data_type: 'TYPE_BOOL', dims: [-1], optional: true },
  ],
  output: [
    { name: 'OUTPUT0', data_type: 'TYPE_FP32', dims: [16] },
    { name: 'SCALAR', data_type: 'TYPE_FP32', dims: [1], reshape: { shape: [] } },
  ],
});

const fp32 = (shape: number[], n = shape.reduce((a, b) => a * b, 1)): Tensor => ({
  datatype: 'FP32',
  shape,
  data: new Float32Array(n),
});
const inputs = (entries: [string, Tensor][]): TensorMap => new Map(entries);

describe('prepareInputs', () => {
  it('accepts a batched request and reports its batch size', () => {
    const r = prepareInputs(
      config,
      'simple',
      inputs([
        ['INPUT0', fp32([3, 16])],
        ['INPUT1', fp32([3, 16])],
      ]),
    );
    expect(r.batchSize).toBe(3);
    expect(r.inputs.get('INPUT0')!.shape).toEqual([3, 16]);
  });

  it.each([
    [
      [
        ['INPUT0', fp32([1, 16])],
        ['INPUT1', fp32([1, 16])],
        ['EXTRA', fp32([1, 16])],
      ],
      /unexpected inference input 'EXTRA' for model 'simple'/,
    ],
    [
      [['INPUT0', fp32([1, 16])]],
      /expected 3 inputs but got 1 inputs for model 'simple'; missing required input\(s\) 'INPUT1'/,
    ],
    [
      [
        ['INPUT0', { datatype: 'INT32', shape: [1, 16], data: new Int32Array(16) }],
        ['INPUT1', fp32([1, 16])],
      ],
      /unexpected datatype INT32 for inference input 'INPUT0' of model 'simple', expecting FP32/,
    ],
    [
      [
        ['INPUT0', fp32([1, 15])],
        ['INPUT1', fp32([1, 16])],
      ],
      /input 'INPUT0' of model 'simple': expected \[-1,16\], got \[1,15\]/,
    ],
    [
      [
        ['INPUT0', fp32([16])],
        ['INPUT1', fp32([16])],
      ],
      /expected \[-1,16\], got \[16\]/,
    ],
    [
      [
        ['INPUT0', fp32([9, 16])],
        ['INPUT1', fp32([9, 16])],
      ],
      /batch-size must be <= 8 for model 'simple', got 9/,
    ],
    [
      [
        ['INPUT0', fp32([2, 16])],
        ['INPUT1', fp32([3, 16])],
      ],
      /input 'INPUT1' of model 'simple' has batch size 3, other inputs have 2/,
    ],
    [
      [
        ['INPUT0', fp32([1, 16], 15)],
        ['INPUT1', fp32([1, 16])],
      ],
      /input 'INPUT0' of model 'simple' has shape \[1,16\] \(16 elements\) but 15 elements of data/,
    ],
  ] as [[string, Tensor][], RegExp][])('rejects %#', (entries, message) => {
    expect(() => prepareInputs(config, 'simple', inputs(entries))).toThrow(message);
  });

  it('applies input reshape after checking the declared dims', () => {
    const c = ModelConfigSchema.parse({
      max_batch_size: 4,
      input: [{ name: 'x', data_type: 'TYPE_FP32', dims: [1], reshape: { shape: [] } }],
      output: [],
    });
    expect(prepareInputs(c, 'm', inputs([['x', fp32([2, 1])]])).inputs.get('x')!.shape).toEqual([
      2,
    ]);
  });
});

describe('outputs', () => {
  it('resolves requested outputs and rejects unknown ones', () => {
    expect(resolveOutputs(config, 'simple')).toEqual(['OUTPUT0', 'SCALAR']);
    expect(resolveOutputs(config, 'simple', [{ name: 'SCALAR' }])).toEqual(['SCALAR']);
    expect(() => resolveOutputs(config, 'simple', [{ name: 'NOPE' }])).toThrow(
      /unexpected inference output 'NOPE' for model 'simple'/,
    );
  });
});
