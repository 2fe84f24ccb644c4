import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import {
  baseSettings,
  candidateConfigText,
  configDocument,
} from '../../../../engine/cli/analyze/candidate-config.js';
import type { CompletedConfig } from '../../../../engine/cli/analyze/candidate-config.js';
import { ModelConfigSchema } from '../../../../engine/core/model-config.js';

const completed: CompletedConfig = {
  backend: 'onnxruntime',
  platform: 'onnxruntime_onnx',
  max_batch_size: 64,
  input: [{ name: 'x', data_type: 'TYPE_FP32', dims: [512] }],
  output: [{ name: 'y', data_type: 'TYPE_FP32', dims: [512], reshape: { shape: [512] } }],
  instance_group: [{ count: 1, kind: 'KIND_CPU' }],
  dynamic_batching: { max_queue_delay_microseconds: 1000, preferred_batch_size: [] },
  parameters: {},
};

const ORIGINAL = `# yaml-language-server: $schema=../../ui-schema/model-config.schema.json
name: mlp_batch
backend: onnxruntime
max_batch_size: 64 # the clients' concurrency
input:
  - { name: x, data_type: TYPE_FP32, dims: [512] }
output:
  - { name: y, data_type: TYPE_FP32, dims: [512] }
instance_group: [{ count: 1, kind: KIND_CPU }]
dynamic_batching:
  max_queue_delay_microseconds: 1000
parameters:
  intra_op_thread_count: { string_value: "2" }
`;

describe('baseSettings', () => {
  it('reads the searched settings from a completed config', () => {
    expect(baseSettings(completed)).toEqual({
      backend: 'onnxruntime',
      batches: true,
      oneGroup: true,
      maxBatchSize: 64,
      queueDelayUs: 1000,
      preferred: [],
      instances: 1,
      intraOpThreads: 'default',
    });
    const off = baseSettings({
      ...completed,
      dynamic_batching: undefined,
      instance_group: [{ count: 2 }, { count: 1 }],
      parameters: { intra_op_thread_count: { string_value: '3' } },
    });
    expect(off).toMatchObject({
      queueDelayUs: 'off',
      instances: 3,
      oneGroup: false,
      intraOpThreads: 3,
    });
  });
});

describe('candidateConfigText', () => {
  const base = baseSettings(completed);

  it('writes the candidate into the model own config, keeping its comments and other fields', () => {
    const doc = configDocument(ORIGINAL, 'mlp_batch');
    const text = candidateConfigText(
      doc,
      { maxBatchSize: 32, queueDelayUs: 200, preferred: 'max', instances: 2, intraOpThreads: 1 },
      completed,
      base,
    );
    expect(text).toContain(
      '# yaml-language-server: $schema=../../ui-schema/model-config.schema.json',
    );
    expect(text).toContain('# the clients');
    const c = ModelConfigSchema.parse(parse(text));
    expect(c.name).toBe('mlp_batch');
    expect(c.max_batch_size).toBe(32);
    expect(c.dynamic_batching).toMatchObject({
      max_queue_delay_microseconds: 200,
      preferred_batch_size: [32],
    });
    expect(c.instance_group).toEqual([expect.objectContaining({ count: 2, kind: 'KIND_CPU' })]);
    expect(c.parameters).toEqual({ intra_op_thread_count: { string_value: '1' } });
    expect(c.input).toHaveLength(1);
  });

  it('turns dynamic batching off and returns thread counts to the backend', () => {
    const doc = configDocument(ORIGINAL, 'mlp_batch');
    const text = candidateConfigText(
      doc,
      { ...base, queueDelayUs: 'off', intraOpThreads: 'default' },
      completed,
      base,
    );
    const c = ModelConfigSchema.parse(parse(text));
    expect(c.dynamic_batching).toBeUndefined();
    expect(c.parameters).toEqual({});
    expect(doc.toString()).toBe(configDocument(ORIGINAL, 'mlp_batch').toString());
  });

  it('gives a model without a config file its inputs and outputs, so auto-complete adds no batcher of its own', () => {
    const text = candidateConfigText(
      configDocument(undefined, 'mlp'),
      { ...base, queueDelayUs: 'off' },
      completed,
      base,
    );
    const c = ModelConfigSchema.parse(parse(text));
    expect(c.input.map(i => i.name)).toEqual(['x']);
    expect(c.output[0]).toMatchObject({ name: 'y', dims: [512], reshape: { shape: [512] } });
    expect(c.instance_group).toEqual([expect.objectContaining({ count: 1, kind: 'KIND_CPU' })]);
    expect(c.dynamic_batching).toBeUndefined();
  });

  it('drops preferred batch sizes above a smaller max_batch_size', () => {
    const doc = configDocument(ORIGINAL, 'mlp_batch');
    const text = candidateConfigText(
      doc,
      { ...base, maxBatchSize: 4, preferred: [2, 4, 8] },
      completed,
      base,
    );
    expect(ModelConfigSchema.parse(parse(text)).dynamic_batching?.preferred_batch_size).toEqual([
      2, 4,
    ]);
  });

  it('refuses a config that is not YAML, naming the model', () => {
    expect(() => configDocument('a: [1, 2', 'broken')).toThrow("config of model 'broken'");
  });
});
