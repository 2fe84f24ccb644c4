// issue #13 item 1: every field of model_config.proto is served or refused at load, never ignored.
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../../engine/core/errors.js';
import { ModelConfigSchema } from '../../../../engine/core/model-config.js';
import { parseConfigText } from '../../../../engine/repository/config-file.js';
import { parseModelConfig } from '../../../../engine/repository/config-parse.js';
import { fieldPaths, modelConfigType } from '../../../../engine/repository/pbtxt/schema.js';
import { EMPTY_CONTAINERS, refusalReason, refusedFields, SUPPORTED_FIELDS } from '../../../../engine/repository/pbtxt/supported.js';

function load(text: string, file = 'm/config.pbtxt'): unknown {
  try {
    return parseModelConfig(parseConfigText(text, file, 'm'), { modelName: 'm', file, source: text });
  } catch (e) {
    return e;
  }
}

describe('the table of served fields', () => {
  const paths = [...fieldPaths(modelConfigType())];

  it('classifies every field of model_config.proto: served, or refused with a reason of its own', () => {
    const unclassified = paths.filter(p => refusalReason(p) === 'Braid does not read it');
    expect(unclassified).toEqual([]);
  });

  it('names only fields that model_config.proto has', () => {
    expect([...SUPPORTED_FIELDS, ...EMPTY_CONTAINERS].filter(p => !paths.includes(p))).toEqual([]);
  });

  it('serves exactly the top-level fields the config schema accepts', () => {
    const served = [...SUPPORTED_FIELDS].filter(p => !p.includes('.'));
    expect(served.sort()).toEqual(Object.keys(ModelConfigSchema.shape).sort());
  });
});

describe('refused fields', () => {
  it('are an INVALID_ARG error at load with file:line:col, the field and why', () => {
    const err = load('name: "m"\nmax_batch_size: 4\nmodel_warmup [ { name: "w" batch_size: 1 } ]\n');
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('INVALID_ARG');
    expect((err as EngineError).message).toBe(
      "model 'm': config is not valid:\n  m/config.pbtxt:3:1: field 'model_warmup' is not supported: Braid does not run warmup requests",
    );
  });

  it('are all reported, nested ones with their full field path', () => {
    const text = 'instance_group [ { count: 1 rate_limiter { priority: 2 } } ]\ninput [ { name: "x" data_type: TYPE_FP32 dims: 1 is_shape_tensor: true } ]\n';
    expect((load(text) as Error).message.split('\n').slice(1)).toEqual([
      "  m/config.pbtxt:1:29: field 'instance_group.rate_limiter' is not supported: Braid has no rate limiter",
      "  m/config.pbtxt:2:50: field 'input.is_shape_tensor' is not supported: it applies to TensorRT models, which Braid does not serve",
    ]);
  });

  it('are accepted at their proto3 default, which protobuf cannot tell from absent', () => {
    const text = 'runtime: ""\nmodel_transaction_policy { decoupled: false }\nresponse_cache { enable: false }\n' +
      'instance_group [ { count: 1 passive: false host_policy: "" } ]\noptimization { input_pinned_memory { } eager_batching: false }\n';
    expect(load(text)).toMatchObject({ name: 'm', instance_group: [{ count: 1 }] });
  });

  it('include sequence_batching even when empty, since its presence turns sequence batching on', () => {
    expect(refusedFields({ sequence_batching: {} })).toEqual([
      { path: ['sequence_batching'], field: 'sequence_batching', reason: expect.stringContaining('no sequence batcher') as string },
    ]);
  });

  it('are refused the same way in config.yaml, where they read as fields, not as unknown keys', () => {
    const err = load('max_batch_size: 4\nmodel_transaction_policy:\n  decoupled: true\n', 'm/config.yaml');
    expect((err as Error).message).toContain(
      "m/config.yaml:3:3: field 'model_transaction_policy.decoupled' is not supported: decoupled models",
    );
  });
});
