import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { EngineError } from '../../../engine/core/errors.js';
import { parseConfigText } from '../../../engine/repository/config-file.js';
import { formatPath, parseModelConfig } from '../../../engine/repository/config-parse.js';

function failure(
  raw: unknown,
  opts: { file?: string; source?: string; modelName?: string },
): EngineError {
  try {
    parseModelConfig(raw, { modelName: 'simple', ...opts });
  } catch (e) {
    if (e instanceof EngineError) return e;
    throw e;
  }
  throw new Error('expected the config to be rejected');
}

/** Parses YAML the way readModelConfig does and validates it with its source. */
function yamlFailure(source: string): EngineError {
  return failure(parseYaml(source), { file: 'simple/config.yaml', source });
}

describe('parseModelConfig', () => {
  it('fills every default and takes the directory name when name is empty', () => {
    const config = parseModelConfig({ max_batch_size: 8 }, { modelName: 'simple' });
    expect(config).toMatchObject({
      name: 'simple',
      max_batch_size: 8,
      version_policy: { latest: { num_versions: 1 } },
      input: [],
      instance_group: [],
      optimization: { priority: 'PRIORITY_DEFAULT' },
    });
    expect(config.dynamic_batching).toBeUndefined();
  });

  it('treats a missing document as an empty config', () => {
    expect(parseModelConfig(undefined, { modelName: 'm' }).name).toBe('m');
    expect(parseModelConfig(null, { modelName: 'm' }).max_batch_size).toBe(0);
  });

  it('accepts a name equal to the directory name', () => {
    expect(parseModelConfig({ name: 'simple' }, { modelName: 'simple' }).name).toBe('simple');
  });

  it('rejects a name that differs from the directory name, with its position', () => {
    const source = 'max_batch_size: 1\nname: other\n';
    const err = failure(parseYaml(source), { file: 'simple/config.yaml', source });
    expect(err.code).toBe('INVALID_ARG');
    expect(err.message).toBe(
      "model 'simple': config name 'other' does not match the directory name 'simple' (simple/config.yaml:2:7)",
    );
  });

  it('lists every issue as file:line:col: path: message', () => {
    const err = yamlFailure(
      [
        'max_batch_sise: 8',
        'input:',
        '  - name: INPUT0',
        '    data_type: TYPE_FP33',
        '    dims: [ 16, "x" ]',
      ].join('\n'),
    );
    expect(err.code).toBe('INVALID_ARG');
    const lines = err.message.split('\n');
    expect(lines[0]).toBe("model 'simple': config is not valid:");
    expect(lines).toContain("  simple/config.yaml:1:1: unknown key 'max_batch_sise'");
    expect(
      lines.some(l =>
        l.startsWith('  simple/config.yaml:4:16: input[0].data_type: Invalid option'),
      ),
    ).toBe(true);
    expect(
      lines.some(l =>
        l.startsWith('  simple/config.yaml:5:17: input[0].dims[1]: Invalid input: expected number'),
      ),
    ).toBe(true);
    expect(lines).toHaveLength(4);
    const lineNumbers = lines.slice(1).map(l => Number(/config\.yaml:(\d+):/.exec(l)?.[1]));
    expect(lineNumbers).toEqual([1, 4, 5]);
  });

  it('points at a misspelt nested key', () => {
    const err = yamlFailure('dynamic_batching:\n  max_queue_delay_microsecond: 100\n');
    expect(err.message).toContain(
      "simple/config.yaml:2:3: dynamic_batching: unknown key 'max_queue_delay_microsecond'",
    );
  });

  it('points a missing required field at the object that lacks it', () => {
    const err = yamlFailure('input:\n  - name: X\n    dims: [1]\n');
    expect(err.message).toMatch(/simple\/config\.yaml:2:5: input\[0\]\.data_type: /);
  });

  it('names the alternatives of version_policy', () => {
    const err = yamlFailure('version_policy:\n  lates: { num_versions: 2 }\n');
    expect(err.message).toContain(
      'simple/config.yaml:2:3: version_policy: Invalid input: expected exactly one of latest | all | specific',
    );
  });

  it('points at an invalid record key', () => {
    const err = yamlFailure(
      'dynamic_batching:\n  priority_queue_policy:\n    high: { max_queue_size: 1 }\n',
    );
    expect(err.message).toMatch(
      /simple\/config\.yaml:3:5: dynamic_batching\.priority_queue_policy\.high: Invalid key in record/,
    );
  });

  it('reports positions in JSON sources too', () => {
    const source = '{\n  "max_batch_size": -1\n}';
    const err = failure(JSON.parse(source), { file: 'config.json', source });
    expect(err.message).toMatch(/config\.json:2:21: max_batch_size: Too small/);
  });

  it('falls back to file: path: message without a source', () => {
    const err = failure({ max_batch_size: 'eight' }, { file: 'parameters.config' });
    expect(err.message).toMatch(
      /\n {2}parameters\.config: max_batch_size: Invalid input: expected number, received string$/,
    );
  });

  it('falls back to path: message without a file or source', () => {
    const err = failure({ instance_group: [{ kind: 'KIND_TPU' }] }, {});
    expect(err.message).toMatch(/\n {2}instance_group\[0\]\.kind: Invalid option/);
  });

  // issue #10 item 1
  it('rejects files named outside the model directory, pointing at the field', () => {
    const err = yamlFailure(
      'output:\n  - name: y\n    data_type: TYPE_FP32\n    dims: [1]\n    label_filename: ../labels.txt\ndefault_model_filename: /etc/passwd\n',
    );
    expect(err.code).toBe('INVALID_ARG');
    expect(err.message).toMatch(
      /simple\/config\.yaml:5:21: output\[0\]\.label_filename: '\.\.\/labels\.txt' leaves the model directory: it must name a file inside/,
    );
    expect(err.message).toMatch(
      /simple\/config\.yaml:6:25: default_model_filename: '\/etc\/passwd' is an absolute path/,
    );
  });

  it('rejects a document that is not a mapping', () => {
    const err = yamlFailure('- a\n- b\n');
    expect(err.message).toMatch(
      /simple\/config\.yaml:1:1: Invalid input: expected object, received array/,
    );
  });
});

describe('formatPath', () => {
  it('joins keys with dots and indices with brackets', () => {
    expect(formatPath(['input', 0, 'dims', 2])).toBe('input[0].dims[2]');
    expect(formatPath([])).toBe('');
  });
});

// issue #13 item 1
describe('parseModelConfig with config.pbtxt', () => {
  const PBTXT = `name: "simple"
platform: "onnxruntime_onnx"
max_batch_size: 8
version_policy: { specific: { versions: [ 1, 2 ] } }
input [ { name: "INPUT0" data_type: TYPE_FP32 format: FORMAT_NCHW dims: [ 3, -1 ] reshape { shape: [ 3, 1, -1 ] } } ]
output [ { name: "OUTPUT0" data_type: TYPE_STRING dims: [ 1 ] label_filename: "labels.txt" } ]
instance_group [ { name: "g" kind: KIND_GPU count: 2 gpus: [ 0, 1 ] } ]
dynamic_batching {
  preferred_batch_size: [ 4, 8 ]
  max_queue_delay_microseconds: 100
  priority_levels: 2
  default_priority_level: 1
  default_queue_policy { timeout_action: DELAY default_timeout_microseconds: 5 allow_timeout_override: true max_queue_size: 3 }
  priority_queue_policy { key: 2 value: { max_queue_size: 7 } }
}
optimization { graph { level: 1 } execution_accelerators { gpu_execution_accelerator [ { name: "tensorrt" parameters { key: "precision_mode" value: "FP16" } } ] } }
parameters { key: "execution_thread" value: { string_value: "main" } }
metric_tags { key: "team" value: "search" }
default_model_filename: "m.onnx"
`;
  const YAML = `name: simple
platform: onnxruntime_onnx
max_batch_size: 8
version_policy: { specific: { versions: [1, 2] } }
input: [{ name: INPUT0, data_type: TYPE_FP32, format: FORMAT_NCHW, dims: [3, -1], reshape: { shape: [3, 1, -1] } }]
output: [{ name: OUTPUT0, data_type: TYPE_STRING, dims: [1], label_filename: labels.txt }]
instance_group: [{ name: g, kind: KIND_GPU, count: 2, gpus: [0, 1] }]
dynamic_batching:
  preferred_batch_size: [4, 8]
  max_queue_delay_microseconds: 100
  priority_levels: 2
  default_priority_level: 1
  default_queue_policy: { timeout_action: DELAY, default_timeout_microseconds: 5, allow_timeout_override: true, max_queue_size: 3 }
  priority_queue_policy: { "2": { max_queue_size: 7 } }
optimization: { graph: { level: 1 }, execution_accelerators: { gpu_execution_accelerator: [{ name: tensorrt, parameters: { precision_mode: FP16 } }] } }
parameters: { execution_thread: { string_value: main } }
metric_tags: { team: search }
default_model_filename: m.onnx
`;

  it('gives the same ModelConfig as the same config in YAML, every served field included', () => {
    const fromPbtxt = parseModelConfig(parseConfigText(PBTXT, 'config.pbtxt', 'simple'), {
      modelName: 'simple',
    });
    const fromYaml = parseModelConfig(parseYaml(YAML), { modelName: 'simple' });
    expect(fromPbtxt).toEqual(fromYaml);
    expect(fromPbtxt.dynamic_batching?.priority_queue_policy['2']?.max_queue_size).toBe(7);
  });

  it('points schema errors at the .pbtxt line and column', () => {
    const source =
      'name: "simple"\nmax_batch_size: 8\ninput [ { name: "" data_type: TYPE_FP32 dims: [ -2 ] } ]\n';
    const err = failure(parseConfigText(source, 'simple/config.pbtxt', 'simple'), {
      file: 'simple/config.pbtxt',
      source,
    });
    expect(err.message.split('\n').slice(1)).toEqual([
      '  simple/config.pbtxt:3:17: input[0].name: Too small: expected string to have >=1 characters',
      '  simple/config.pbtxt:3:49: input[0].dims[0]: Too small: expected number to be >=-1',
    ]);
  });
});
