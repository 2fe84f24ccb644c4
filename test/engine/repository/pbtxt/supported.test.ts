// issue #13 item 1: every field of model_config.proto is served, accepted without effect with a
// warning, or refused at load; never ignored silently.
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../../engine/core/errors.js';
import { ModelConfigSchema } from '../../../../engine/core/model-config.js';
import { parseConfigText } from '../../../../engine/repository/config-file.js';
import { parseModelConfig } from '../../../../engine/repository/config-parse.js';
import { fieldPaths, modelConfigType } from '../../../../engine/repository/pbtxt/schema.js';
import {
  EMPTY_CONTAINERS,
  noEffectReason,
  refusalReason,
  refusedFields,
  SUPPORTED_FIELDS,
} from '../../../../engine/repository/pbtxt/supported.js';

function load(text: string, file = 'm/config.pbtxt', warn?: (line: string) => void): unknown {
  try {
    return parseModelConfig(parseConfigText(text, file, 'm'), {
      modelName: 'm',
      file,
      source: text,
      ...(warn ? { warn } : {}),
    });
  } catch (e) {
    return e;
  }
}

describe('the table of served fields', () => {
  const paths = [...fieldPaths(modelConfigType())];

  it('classifies every field of model_config.proto: served, without effect, or refused with a reason of its own', () => {
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
    const err = load(
      'name: "m"\nmax_batch_size: 4\nbatch_input [ { kind: BATCH_ELEMENT_COUNT target_name: "n" } ]\n',
    );
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).code).toBe('INVALID_ARG');
    expect((err as EngineError).message).toBe(
      "model 'm': config is not valid:\n  m/config.pbtxt:3:1: field 'batch_input' is not supported: Braid does not add batch inputs to what a model receives",
    );
  });

  it('are all reported, nested ones with their full field path', () => {
    const text =
      'instance_group [ { count: 1 passive: true } ]\ninput [ { name: "x" data_type: TYPE_FP32 dims: 1 is_shape_tensor: true } ]\n';
    expect((load(text) as Error).message.split('\n').slice(1)).toEqual([
      "  m/config.pbtxt:1:29: field 'instance_group.passive' is not supported: Braid sends requests to every instance it creates",
      "  m/config.pbtxt:2:50: field 'input.is_shape_tensor' is not supported: it applies to TensorRT models, which Braid does not serve",
    ]);
  });

  it('are accepted at their proto3 default, which protobuf cannot tell from absent', () => {
    const text =
      'runtime: ""\nmodel_transaction_policy { decoupled: false }\nresponse_cache { enable: false }\n' +
      'instance_group [ { count: 1 passive: false host_policy: "" } ]\noptimization { input_pinned_memory { } eager_batching: false }\n';
    expect(load(text)).toMatchObject({ name: 'm', instance_group: [{ count: 1 }] });
  });

  // issue 15 §2: sequence batching is served; only iterative sequences are refused.
  it('leave sequence_batching alone but refuse iterative_sequence', () => {
    expect(refusedFields({ sequence_batching: {} })).toEqual([]);
    expect(refusedFields({ sequence_batching: { iterative_sequence: true } })).toEqual([
      {
        path: ['sequence_batching', 'iterative_sequence'],
        field: 'sequence_batching.iterative_sequence',
        reason: expect.stringContaining('reschedule') as string,
      },
    ]);
  });

  it('are refused the same way in config.yaml, where they read as fields, not as unknown keys', () => {
    const err = load('max_batch_size: 4\ninstance_group:\n  - passive: true\n', 'm/config.yaml');
    expect((err as Error).message).toContain(
      "m/config.yaml:3:5: field 'instance_group.passive' is not supported",
    );
  });
});

describe('model_transaction_policy', () => {
  it('is served: decoupled: true reads from config.pbtxt and config.yaml alike', () => {
    expect(load('model_transaction_policy { decoupled: true }\n')).toMatchObject({
      model_transaction_policy: { decoupled: true },
    });
    expect(load('model_transaction_policy:\n  decoupled: true\n', 'm/config.yaml')).toMatchObject({
      model_transaction_policy: { decoupled: true },
    });
  });
});

describe('model_warmup', () => {
  it('is served: samples with their map of inputs read from config.pbtxt and config.yaml alike', () => {
    const expected = {
      model_warmup: [
        {
          name: 'w',
          batch_size: 2,
          count: 3,
          inputs: {
            INPUT0: { data_type: 'TYPE_FP32', dims: [16], zero_data: true },
            TEXT: { data_type: 'TYPE_STRING', dims: [1], input_data_file: 'text' },
          },
        },
      ],
    };
    const pbtxt =
      'model_warmup [ { name: "w" batch_size: 2 count: 3\n' +
      '  inputs { key: "INPUT0" value { data_type: TYPE_FP32 dims: [ 16 ] zero_data: true } }\n' +
      '  inputs { key: "TEXT" value { data_type: TYPE_STRING dims: [ 1 ] input_data_file: "text" } } } ]\n';
    expect(load(pbtxt)).toMatchObject(expected);
    const yaml =
      'model_warmup:\n  - name: w\n    batch_size: 2\n    count: 3\n    inputs:\n' +
      '      INPUT0: { data_type: TYPE_FP32, dims: [16], zero_data: true }\n' +
      '      TEXT: { data_type: TYPE_STRING, dims: [1], input_data_file: text }\n';
    expect(load(yaml, 'm/config.yaml')).toMatchObject(expected);
  });
});

describe('response_cache', () => {
  it('is served: enable: true reads from config.pbtxt and config.yaml alike', () => {
    expect(load('response_cache { enable: true }\n')).toMatchObject({
      response_cache: { enable: true },
    });
    expect(load('response_cache:\n  enable: true\n', 'm/config.yaml')).toMatchObject({
      response_cache: { enable: true },
    });
  });
});

describe('fields without effect', () => {
  // What Triton's own config endpoint writes into every config, so configs saved from Triton carry it.
  const saved =
    'name: "m"\nmax_batch_size: 4\noptimization {\n  input_pinned_memory { enable: true }\n  output_pinned_memory { enable: true }\n}\n' +
    'instance_group [ { count: 1 kind: KIND_CPU rate_limiter { priority: 2 } } ]\n';

  it('load, with one warning per field naming file:line:col, the field and why it has no effect', () => {
    const warnings: string[] = [];
    expect(load(saved, 'm/config.pbtxt', line => warnings.push(line))).toMatchObject({
      name: 'm',
      max_batch_size: 4,
      instance_group: [{ count: 1 }],
    });
    expect(warnings).toEqual([
      "m/config.pbtxt:4:25: field 'optimization.input_pinned_memory.enable' has no effect in Braid: Braid does not stage tensors through pinned memory",
      "m/config.pbtxt:5:26: field 'optimization.output_pinned_memory.enable' has no effect in Braid: Braid does not stage tensors through pinned memory",
      "m/config.pbtxt:7:44: field 'instance_group.rate_limiter' has no effect in Braid: " +
        noEffectReason('instance_group.rate_limiter'),
    ]);
  });

  it('warn nothing at their proto3 default', () => {
    const warnings: string[] = [];
    load(
      'optimization { input_pinned_memory { enable: false } eager_batching: false }\n',
      'm/config.pbtxt',
      line => warnings.push(line),
    );
    expect(warnings).toEqual([]);
  });

  it('are neither served nor refused', () => {
    expect(refusalReason('optimization.input_pinned_memory.enable')).toBeUndefined();
    expect(SUPPORTED_FIELDS.has('optimization.input_pinned_memory.enable')).toBe(false);
    expect(noEffectReason('max_batch_size')).toBeUndefined();
    expect(noEffectReason('sequence_batching')).toBeUndefined();
  });
});
