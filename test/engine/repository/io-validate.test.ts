import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/core/errors.js';
import {
  batchingBlocker,
  formatShape,
  validateConfigIo,
} from '../../../engine/repository/io-validate.js';
import { config, FIXED, SIMPLE, sig, simpleIo, t } from './signatures.js';

function message(raw: Record<string, unknown>, signature = SIMPLE): string {
  try {
    validateConfigIo(config(raw), signature);
  } catch (e) {
    if (e instanceof EngineError && e.code === 'INVALID_ARG') return e.message;
    throw e;
  }
  throw new Error('expected INVALID_ARG');
}

describe('validateConfigIo', () => {
  it('accepts tensors that match, with and without batching', () => {
    expect(() =>
      validateConfigIo(config({ max_batch_size: 8, ...simpleIo([16]) }), SIMPLE),
    ).not.toThrow();
    expect(() => validateConfigIo(config(simpleIo([-1, 16])), SIMPLE)).not.toThrow();
  });

  it('lets -1 on either side match any size', () => {
    expect(() =>
      validateConfigIo(config({ max_batch_size: 8, ...simpleIo([-1]) }), SIMPLE),
    ).not.toThrow();
    const dynamic = sig([t('INPUT0', 'FP32', [-1, -1])], [t('OUTPUT0', 'FP32', [-1, -1])]);
    const raw = {
      max_batch_size: 2,
      input: [{ name: 'INPUT0', data_type: 'TYPE_FP32', dims: [7] }],
    };
    expect(() => validateConfigIo(config(raw), dynamic)).not.toThrow();
  });

  it('rejects an unknown input, naming the model and its inputs', () => {
    const raw = { input: [{ name: 'INPUTX', data_type: 'TYPE_FP32', dims: [16] }] };
    expect(message(raw)).toBe(
      "model 'simple': input 'INPUTX': the model has no input of that name (model inputs: INPUT0, INPUT1)",
    );
  });

  it('rejects an unknown output', () => {
    const raw = {
      ...simpleIo([-1, 16]),
      output: [{ name: 'OUT', data_type: 'TYPE_FP32', dims: [16] }],
    };
    expect(message(raw)).toBe(
      "model 'simple': output 'OUT': the model has no output of that name (model outputs: OUTPUT0, OUTPUT1)",
    );
  });

  it('rejects a wrong data type with both values', () => {
    expect(message({ max_batch_size: 1, ...simpleIo([16], 'TYPE_INT32') })).toBe(
      "model 'simple': input 'INPUT0': config data_type TYPE_INT32 does not match the model's TYPE_FP32",
    );
    const bytes = sig([t('TEXT', 'BYTES', [1])], [t('OUT', 'FP32', [1])]);
    expect(
      message({ input: [{ name: 'TEXT', data_type: 'TYPE_UINT8', dims: [1] }] }, bytes),
    ).toContain("the model's TYPE_STRING");
  });

  it('rejects a wrong rank, excluding the batch dimension when batching', () => {
    expect(message({ max_batch_size: 8, ...simpleIo([-1, 16]) })).toBe(
      "model 'simple': input 'INPUT0': config dims [-1,16] has rank 2 but the model's shape [16] (without the batch dimension) has rank 1",
    );
    expect(message(simpleIo([16]))).toBe(
      "model 'simple': input 'INPUT0': config dims [16] has rank 1 but the model's shape [-1,16] has rank 2",
    );
  });

  it('rejects a fixed dimension that disagrees, naming the axis and both sizes', () => {
    expect(message({ max_batch_size: 8, ...simpleIo([8]) })).toBe(
      "model 'simple': input 'INPUT0': config dims [8] does not match the model's [16] (without the batch dimension) at axis 0 (8 vs 16)",
    );
  });

  it('compares reshape.shape instead of dims when present', () => {
    const model = sig([t('X', 'FP32', [-1, 4, 4])], [t('Y', 'FP32', [-1, 16])]);
    const ok = {
      max_batch_size: 2,
      input: [{ name: 'X', data_type: 'TYPE_FP32', dims: [16], reshape: { shape: [4, 4] } }],
      output: [{ name: 'Y', data_type: 'TYPE_FP32', dims: [16] }],
    };
    expect(() => validateConfigIo(config(ok), model)).not.toThrow();
    const bad = {
      ...ok,
      input: [{ name: 'X', data_type: 'TYPE_FP32', dims: [16], reshape: { shape: [2, 8] } }],
    };
    expect(message(bad, model)).toContain(
      "config reshape.shape [2,8] does not match the model's [4,4]",
    );
  });

  it('accepts dims [1] with an empty reshape for a batched scalar', () => {
    const model = sig([t('X', 'FP32', [-1])], [t('Y', 'FP32', [-1])]);
    const raw = {
      max_batch_size: 4,
      input: [{ name: 'X', data_type: 'TYPE_FP32', dims: [1], reshape: { shape: [] } }],
      output: [{ name: 'Y', data_type: 'TYPE_FP32', dims: [1] }],
    };
    expect(message(raw, model)).toContain(
      "output 'Y': config dims [1] has rank 1 but the model's shape [] (without the batch dimension) has rank 0",
    );
    const fixed = {
      ...raw,
      output: [{ name: 'Y', data_type: 'TYPE_FP32', dims: [1], reshape: { shape: [] } }],
    };
    expect(() => validateConfigIo(config(fixed), model)).not.toThrow();
  });

  it('accepts only 1s for a scalar model tensor without batching', () => {
    const model = sig([t('X', 'FP32', [])], [t('Y', 'FP32', [2])]);
    expect(() =>
      validateConfigIo(
        config({ input: [{ name: 'X', data_type: 'TYPE_FP32', dims: [1] }] }),
        model,
      ),
    ).not.toThrow();
    expect(message({ input: [{ name: 'X', data_type: 'TYPE_FP32', dims: [2] }] }, model)).toContain(
      "input 'X': config dims [2] does not match the model's scalar shape []",
    );
  });

  it('rejects a model input the config leaves out', () => {
    const raw = { input: [{ name: 'INPUT0', data_type: 'TYPE_FP32', dims: [-1, 16] }] };
    expect(message(raw)).toBe(
      "model 'simple': the model's input 'INPUT1' is not listed in the config (config inputs: INPUT0); every model input must be listed",
    );
  });

  it('allows listing a subset of the outputs', () => {
    const raw = {
      ...simpleIo([-1, 16]),
      output: [{ name: 'OUTPUT1', data_type: 'TYPE_FP32', dims: [-1, 16] }],
    };
    expect(() => validateConfigIo(config(raw), SIMPLE)).not.toThrow();
  });
});

describe('batchingBlocker', () => {
  it('is undefined when every input and output starts with -1', () => {
    expect(batchingBlocker(SIMPLE)).toBeUndefined();
  });

  it('names the first input or output that cannot batch', () => {
    expect(batchingBlocker(FIXED)).toEqual({ kind: 'input', tensor: FIXED.inputs[0] });
    const out = sig([t('X', 'FP32', [-1, 2])], [t('Y', 'FP32', [])]);
    expect(batchingBlocker(out)).toEqual({ kind: 'output', tensor: out.outputs[0] });
  });
});

describe('formatShape', () => {
  it('prints shapes compactly', () => {
    expect(formatShape([])).toBe('[]');
    expect(formatShape([-1, 3, 224])).toBe('[-1,3,224]');
  });
});
