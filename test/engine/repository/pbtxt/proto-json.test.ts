// issue #13 item 4: load overrides in protobuf's JSON mapping, as Triton's clients send them.
import { describe, expect, it } from 'vitest';
import { parseModelConfig } from '../../../../engine/repository/index.js';
import { fromProtoJson } from '../../../../engine/repository/pbtxt/proto-json.js';

describe('fromProtoJson', () => {
  it('reads int64 written as strings, as simple_grpc_model_control sends max_batch_size', () => {
    expect(
      fromProtoJson({
        max_batch_size: '16',
        dynamic_batching: { max_queue_delay_microseconds: '100' },
      }),
    ).toEqual({
      max_batch_size: 16,
      dynamic_batching: { max_queue_delay_microseconds: 100 },
    });
  });

  it('reads lowerCamelCase names, enum numbers, repeated and map values', () => {
    expect(
      fromProtoJson({
        maxBatchSize: 8,
        versionPolicy: { specific: { versions: ['2', '3'] } },
        input: [{ name: 'x', dataType: 11, dims: ['-1', '4'] }],
        instanceGroup: [{ kind: 2, count: '2' }],
        dynamicBatching: { priorityQueuePolicy: { '1': { timeoutAction: 1, maxQueueSize: '4' } } },
        parameters: { p: { stringValue: 'v' } },
      }),
    ).toEqual({
      max_batch_size: 8,
      version_policy: { specific: { versions: [2, 3] } },
      input: [{ name: 'x', data_type: 'TYPE_FP32', dims: [-1, 4] }],
      instance_group: [{ kind: 'KIND_CPU', count: 2 }],
      dynamic_batching: {
        priority_queue_policy: { '1': { timeout_action: 'DELAY', max_queue_size: 4 } },
      },
      parameters: { p: { string_value: 'v' } },
    });
  });

  it('drops nulls and leaves what it does not know for the schema to name', () => {
    expect(fromProtoJson({ backend: null, max_batch_size: 'lots', colour: 'red' })).toEqual({
      max_batch_size: 'lots',
      colour: 'red',
    });
    const parse = (raw: object) =>
      parseModelConfig(fromProtoJson(raw), { modelName: 'm', file: 'parameters.config' });
    expect(() => parse({ max_batch_size: 'lots' })).toThrow(/max_batch_size/);
    expect(() => parse({ colour: 'red' })).toThrow(/colour/);
    expect(parse({ name: 'm', maxBatchSize: '16' }).max_batch_size).toBe(16);
  });
});
