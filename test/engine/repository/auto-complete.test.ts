import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/core/errors.js';
import type { ModelConfig } from '../../../engine/core/model-config.js';
import type { CompleteOptions } from '../../../engine/repository/auto-complete.js';
import {
  completeModelConfig,
  DEFAULT_MAX_BATCH_SIZE,
} from '../../../engine/repository/auto-complete.js';
import { config, FIXED, SIMPLE, sig, simpleIo, t } from './signatures.js';

const ONNX = { name: 'onnxruntime', platforms: ['onnxruntime_onnx'] };
const CPU: CompleteOptions = { gpuCount: 0 };

function rejected(run: () => unknown): EngineError {
  try {
    run();
  } catch (e) {
    if (e instanceof EngineError) return e;
    throw e;
  }
  throw new Error('expected an EngineError');
}

describe('completeModelConfig: backend fields', () => {
  it('fills backend and platform from the chosen backend', () => {
    const c = completeModelConfig(config(), SIMPLE, { ...CPU, backend: ONNX });
    expect(c.backend).toBe('onnxruntime');
    expect(c.platform).toBe('onnxruntime_onnx');
  });

  it('keeps a platform the backend serves and leaves platform empty for a backend without platforms', () => {
    const onnx = { name: 'onnxruntime', platforms: ['onnx_a', 'onnx_b'] };
    expect(
      completeModelConfig(config({ platform: 'onnx_b' }), SIMPLE, { ...CPU, backend: onnx })
        .platform,
    ).toBe('onnx_b');
    expect(
      completeModelConfig(config(), SIMPLE, { ...CPU, backend: { name: 'js', platforms: [] } })
        .platform,
    ).toBe('');
  });

  it('rejects a config backend other than the chosen one', () => {
    const err = rejected(() =>
      completeModelConfig(config({ backend: 'python' }), SIMPLE, { ...CPU, backend: ONNX }),
    );
    expect(err.code).toBe('INVALID_ARG');
    expect(err.message).toBe(
      "model 'simple': config backend 'python' does not match the backend 'onnxruntime' chosen for it",
    );
  });

  it('rejects a platform the chosen backend does not serve', () => {
    const err = rejected(() =>
      completeModelConfig(config({ platform: 'tensorrt_plan' }), SIMPLE, { ...CPU, backend: ONNX }),
    );
    expect(err.message).toMatch(
      /platform 'tensorrt_plan' is not one of backend 'onnxruntime' \(onnxruntime_onnx\)/,
    );
  });

  it('leaves backend fields alone without a backend', () => {
    const c = completeModelConfig(config(), SIMPLE, CPU);
    expect([c.backend, c.platform]).toEqual(['', '']);
  });
});

describe('completeModelConfig: batching', () => {
  it('defaults max_batch_size to 4 for a model that can batch, and adds a dynamic batcher', () => {
    expect(DEFAULT_MAX_BATCH_SIZE).toBe(4);
    const c = completeModelConfig(config(), SIMPLE, CPU);
    expect(c.max_batch_size).toBe(4);
    expect(c.dynamic_batching).toEqual({
      preferred_batch_size: [4],
      max_queue_delay_microseconds: 0,
      preserve_ordering: false,
      priority_levels: 0,
      default_priority_level: 0,
      default_queue_policy: {
        timeout_action: 'REJECT',
        default_timeout_microseconds: 0,
        allow_timeout_override: false,
        max_queue_size: 0,
      },
      priority_queue_policy: {},
    });
  });

  it('uses defaultMaxBatchSize', () => {
    expect(
      completeModelConfig(config(), SIMPLE, { ...CPU, defaultMaxBatchSize: 8 }).max_batch_size,
    ).toBe(8);
  });

  it('adds no dynamic batcher when max_batch_size ends up 1', () => {
    const c = completeModelConfig(config(), SIMPLE, { ...CPU, defaultMaxBatchSize: 1 });
    expect(c.max_batch_size).toBe(1);
    expect(c.dynamic_batching).toBeUndefined();
  });

  it('with defaultMaxBatchSize 0 leaves the model unbatched and keeps the batch dimension in dims', () => {
    const c = completeModelConfig(config(), SIMPLE, { ...CPU, defaultMaxBatchSize: 0 });
    expect(c.max_batch_size).toBe(0);
    expect(c.dynamic_batching).toBeUndefined();
    expect(c.input[0]?.dims).toEqual([-1, 16]);
  });

  it('keeps an explicit max_batch_size and still adds the batcher when the config has no scheduling block', () => {
    const c = completeModelConfig(config({ max_batch_size: 16 }), SIMPLE, CPU);
    expect(c.max_batch_size).toBe(16);
    expect(c.dynamic_batching?.preferred_batch_size).toEqual([16]);
  });

  it('keeps an explicit dynamic_batching block as written', () => {
    const raw = {
      dynamic_batching: { max_queue_delay_microseconds: 500, preferred_batch_size: [2] },
    };
    const c = completeModelConfig(config(raw), SIMPLE, CPU);
    expect(c.dynamic_batching).toMatchObject({
      max_queue_delay_microseconds: 500,
      preferred_batch_size: [2],
    });
  });

  it('leaves max_batch_size 0 for a model that cannot batch', () => {
    const c = completeModelConfig(config(), FIXED, CPU);
    expect(c.max_batch_size).toBe(0);
    expect(c.dynamic_batching).toBeUndefined();
    expect(c.input[0]?.dims).toEqual([1, 16]);
  });

  it('treats a scalar tensor as blocking batching', () => {
    const c = completeModelConfig(config(), sig([t('X', 'FP32', [-1])], [t('Y', 'FP32', [])]), CPU);
    expect(c.max_batch_size).toBe(0);
  });

  it("rejects max_batch_size > 0 for a model that cannot batch, with Triton's wording", () => {
    const err = rejected(() => completeModelConfig(config({ max_batch_size: 8 }), FIXED, CPU));
    expect(err.code).toBe('INVALID_ARG');
    expect(err.message).toContain(
      "autofill failed for model 'simple': model does not support batching while non-zero max_batch_size is specified",
    );
    expect(err.message).toContain("input 'INPUT0' has shape [1,16]");
  });

  it('rejects max_batch_size > 0 for a model that cannot batch when the config lists its tensors', () => {
    const raw = {
      max_batch_size: 8,
      input: [{ name: 'INPUT0', data_type: 'TYPE_FP32', dims: [16] }],
      output: [{ name: 'OUTPUT0', data_type: 'TYPE_FP32', dims: [16] }],
    };
    const err = rejected(() => completeModelConfig(config(raw), FIXED, CPU));
    expect(err.message).toMatch(
      /^model 'simple': model does not support batching while non-zero max_batch_size is specified/,
    );
  });
});

describe('completeModelConfig: inputs and outputs', () => {
  it('fills inputs and outputs without the batch dimension, with every default', () => {
    const c = completeModelConfig(config(), SIMPLE, CPU);
    expect(c.input.map(i => i.name)).toEqual(['INPUT0', 'INPUT1']);
    expect(c.input[0]).toEqual({
      name: 'INPUT0',
      data_type: 'TYPE_FP32',
      format: 'FORMAT_NONE',
      dims: [16],
      is_shape_tensor: false,
      allow_ragged_batch: false,
      optional: false,
      is_non_linear_format_io: false,
    });
    expect(c.output[1]).toEqual({
      name: 'OUTPUT1',
      data_type: 'TYPE_FP32',
      dims: [16],
      label_filename: '',
      is_shape_tensor: false,
      is_non_linear_format_io: false,
    });
  });

  it('maps data types to TYPE_* names (BYTES is TYPE_STRING)', () => {
    const s = sig(
      [t('a', 'BYTES', [-1, 1]), t('b', 'FP16', [-1, 2]), t('c', 'BOOL', [-1, 3])],
      [t('d', 'INT64', [-1, 4])],
    );
    const c = completeModelConfig(config(), s, CPU);
    expect(c.input.map(i => i.data_type)).toEqual(['TYPE_STRING', 'TYPE_FP16', 'TYPE_BOOL']);
    expect(c.output[0]?.data_type).toBe('TYPE_INT64');
  });

  it('gives a batched scalar dims [1] with an empty reshape', () => {
    const c = completeModelConfig(
      config(),
      sig([t('X', 'FP32', [-1])], [t('Y', 'INT32', [-1])]),
      CPU,
    );
    expect(c.max_batch_size).toBe(4);
    expect(c.input[0]).toMatchObject({ dims: [1], reshape: { shape: [] } });
    expect(c.output[0]).toMatchObject({ dims: [1], reshape: { shape: [] } });
  });

  it('gives an unbatched scalar dims [1] without a reshape', () => {
    const c = completeModelConfig(config(), sig([t('X', 'FP32', [])], [t('Y', 'FP32', [2])]), CPU);
    expect(c.input[0]?.dims).toEqual([1]);
    expect(c.input[0]?.reshape).toBeUndefined();
  });

  it('keeps variable dimensions after the batch dimension', () => {
    const c = completeModelConfig(
      config(),
      sig([t('X', 'INT64', [-1, -1, 3])], [t('Y', 'FP32', [-1, -1])]),
      CPU,
    );
    expect(c.input[0]?.dims).toEqual([-1, 3]);
    expect(c.output[0]?.dims).toEqual([-1]);
  });

  it('fills only the missing side and validates the listed one', () => {
    const c = completeModelConfig(
      config({
        max_batch_size: 2,
        output: [{ name: 'OUTPUT1', data_type: 'TYPE_FP32', dims: [16] }],
      }),
      SIMPLE,
      CPU,
    );
    expect(c.input.map(i => i.name)).toEqual(['INPUT0', 'INPUT1']);
    expect(c.output.map(o => o.name)).toEqual(['OUTPUT1']);
    const bad = config({ input: [{ name: 'INPUT0', data_type: 'TYPE_INT32', dims: [16] }] });
    expect(rejected(() => completeModelConfig(bad, SIMPLE, CPU)).message).toContain(
      "input 'INPUT0': config data_type TYPE_INT32",
    );
  });

  it('skips completion when the config lists inputs and outputs, as written', () => {
    const c = completeModelConfig(config(simpleIo([-1, 16])), SIMPLE, CPU);
    expect(c.max_batch_size).toBe(0);
    expect(c.dynamic_batching).toBeUndefined();
    expect(c.input.map(i => i.dims)).toEqual([
      [-1, 16],
      [-1, 16],
    ]);
  });

  it('validates listed tensors against the signature', () => {
    const err = rejected(() =>
      completeModelConfig(
        config({ max_batch_size: 8, ...simpleIo([16], 'TYPE_INT32') }),
        SIMPLE,
        CPU,
      ),
    );
    expect(err.message).toBe(
      "model 'simple': input 'INPUT0': config data_type TYPE_INT32 does not match the model's TYPE_FP32",
    );
  });

  it('fills nothing without a signature', () => {
    const c = completeModelConfig(config({ max_batch_size: 8 }), undefined, {
      ...CPU,
      backend: ONNX,
    });
    expect(c.input).toEqual([]);
    expect(c.max_batch_size).toBe(8);
    expect(c.dynamic_batching).toBeUndefined();
    expect(c.backend).toBe('onnxruntime');
  });
});

describe('completeModelConfig: normalization and purity', () => {
  it('adds the default instance group for the available devices', () => {
    expect(completeModelConfig(config(), SIMPLE, { gpuCount: 0 }).instance_group).toEqual([
      { name: 'simple_0', kind: 'KIND_CPU', count: 1, gpus: [], passive: false, host_policy: '' },
    ]);
    expect(completeModelConfig(config(), SIMPLE, { gpuCount: 2 }).instance_group[0]?.kind).toBe(
      'KIND_GPU',
    );
  });

  it('validates the completed dynamic batcher against the completed max_batch_size', () => {
    const raw = { dynamic_batching: { preferred_batch_size: [8] } };
    expect(rejected(() => completeModelConfig(config(raw), SIMPLE, CPU)).message).toMatch(
      /preferred_batch_size 8 must be <= max_batch_size \(4\)/,
    );
  });

  it('uses modelName for a config without a name', () => {
    const unnamed: ModelConfig = { ...config(), name: '' };
    expect(completeModelConfig(unnamed, SIMPLE, { ...CPU, modelName: 'other' }).name).toBe('other');
  });

  it('does not modify its input', () => {
    const input = config({ output: [{ name: 'OUTPUT0', data_type: 'TYPE_FP32', dims: [16] }] });
    const before = structuredClone(input);
    completeModelConfig(input, SIMPLE, { gpuCount: 1, backend: ONNX });
    expect(input).toEqual(before);
  });
});
