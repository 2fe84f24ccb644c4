import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { EngineError } from '../../../engine/core/errors.js';
import { formatPath, parseModelConfig } from '../../../engine/repository/config-parse.js';

function failure(raw: unknown, opts: { file?: string; source?: string; modelName?: string }): EngineError {
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
    expect(lines.some(l => l.startsWith('  simple/config.yaml:4:16: input[0].data_type: Invalid option'))).toBe(true);
    expect(lines.some(l => l.startsWith('  simple/config.yaml:5:17: input[0].dims[1]: Invalid input: expected number'))).toBe(
      true,
    );
    expect(lines).toHaveLength(4);
    const lineNumbers = lines.slice(1).map(l => Number(/config\.yaml:(\d+):/.exec(l)?.[1]));
    expect(lineNumbers).toEqual([1, 4, 5]);
  });

  it('points at a misspelt nested key', () => {
    const err = yamlFailure('dynamic_batching:\n  max_queue_delay_microsecond: 100\n');
    expect(err.message).toContain("simple/config.yaml:2:3: dynamic_batching: unknown key 'max_queue_delay_microsecond'");
  });

  it('points a missing required field at the object that lacks it', () => {
    const err = yamlFailure('input:\n  - name: X\n    dims: [1]\n');
    expect(err.message).toMatch(/simple\/config\.yaml:2:5: input\[0\]\.data_type: /);
  });

  it('names the alternatives of version_policy', () => {
    const err = yamlFailure('version_policy:\n  lates: { num_versions: 2 }\n');
    expect(err.message).toContain('simple/config.yaml:2:3: version_policy: Invalid input: expected exactly one of latest | all | specific');
  });

  it('points at an invalid record key', () => {
    const err = yamlFailure('dynamic_batching:\n  priority_queue_policy:\n    high: { max_queue_size: 1 }\n');
    expect(err.message).toMatch(/simple\/config\.yaml:3:5: dynamic_batching\.priority_queue_policy\.high: Invalid key in record/);
  });

  it('reports positions in JSON sources too', () => {
    const source = '{\n  "max_batch_size": -1\n}';
    const err = failure(JSON.parse(source), { file: 'config.json', source });
    expect(err.message).toMatch(/config\.json:2:21: max_batch_size: Too small/);
  });

  it('falls back to file: path: message without a source', () => {
    const err = failure({ max_batch_size: 'eight' }, { file: 'parameters.config' });
    expect(err.message).toMatch(/\n {2}parameters\.config: max_batch_size: Invalid input: expected number, received string$/);
  });

  it('falls back to path: message without a file or source', () => {
    const err = failure({ instance_group: [{ kind: 'KIND_TPU' }] }, {});
    expect(err.message).toMatch(/\n {2}instance_group\[0\]\.kind: Invalid option/);
  });

  // issue #10 item 1
  it('rejects files named outside the model directory, pointing at the field', () => {
    const err = yamlFailure('output:\n  - name: y\n    data_type: TYPE_FP32\n    dims: [1]\n    label_filename: ../labels.txt\ndefault_model_filename: /etc/passwd\n');
    expect(err.code).toBe('INVALID_ARG');
    expect(err.message).toMatch(/simple\/config\.yaml:5:21: output\[0\]\.label_filename: '\.\.\/labels\.txt' leaves the model directory: it must name a file inside/);
    expect(err.message).toMatch(/simple\/config\.yaml:6:25: default_model_filename: '\/etc\/passwd' is an absolute path/);
  });

  it('rejects a document that is not a mapping', () => {
    const err = yamlFailure('- a\n- b\n');
    expect(err.message).toMatch(/simple\/config\.yaml:1:1: Invalid input: expected object, received array/);
  });
});

describe('formatPath', () => {
  it('joins keys with dots and indices with brackets', () => {
    expect(formatPath(['input', 0, 'dims', 2])).toBe('input[0].dims[2]');
    expect(formatPath([])).toBe('');
  });
});
