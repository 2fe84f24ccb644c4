// issue #13 item 2: an ensemble's own config is checked as Triton checks it, with pbtxt lines.
import { describe, expect, it } from 'vitest';
import { parseConfigText } from '../../../engine/repository/config-file.js';
import { parseModelConfig } from '../../../engine/repository/config-parse.js';

const IO = `
input [ { name: "A" data_type: TYPE_FP32 dims: [ 4 ] } ]
output [ { name: "Y" data_type: TYPE_FP32 dims: [ 4 ] } ]
`;

function problems(text: string, file = 'e/config.pbtxt'): string[] {
  try {
    parseModelConfig(parseConfigText(text, file, 'e'), { modelName: 'e', file, source: text });
  } catch (e) {
    return (e as Error).message
      .split('\n')
      .slice(1)
      .map(l => l.trim());
  }
  return [];
}

function step(body: string): string {
  return `name: "e"\nplatform: "ensemble"\n${IO}ensemble_scheduling { step [ ${body} ] }\n`;
}

describe('ensemble configs', () => {
  it('accept a well-formed ensemble and keep its steps, model_version -1 by default', () => {
    const text = step(
      '{ model_name: "m" input_map { key: "x" value: "A" } output_map { key: "y" value: "Y" } }',
    );
    const config = parseModelConfig(parseConfigText(text, 'config.pbtxt', 'e'), { modelName: 'e' });
    expect(config.ensemble_scheduling).toEqual({
      step: [{ model_name: 'm', model_version: -1, input_map: { x: 'A' }, output_map: { y: 'Y' } }],
    });
  });

  it('require the ensemble platform, and refuse instance groups, optimization and a dynamic batcher', () => {
    const text =
      `name: "e"\nplatform: "onnxruntime_onnx"\ninstance_group [ { count: 2 } ]\noptimization { graph { level: 1 } }\n${IO}` +
      'ensemble_scheduling { step [ { model_name: "m" input_map { key: "x" value: "A" } output_map { key: "y" value: "Y" } } ] }\n';
    expect(problems(text)).toEqual([
      "e/config.pbtxt:3:1: instance group should not be specified for ensemble 'e'",
      "e/config.pbtxt:4:1: optimization should not be specified for ensemble 'e'",
      "e/config.pbtxt:8:1: ensemble scheduling cannot be set for model 'e' whose platform is not ensemble (found 'onnxruntime_onnx')",
    ]);
    const yaml =
      'platform: ensemble\ndynamic_batching: {}\ninput: [{ name: A, data_type: TYPE_FP32, dims: [4] }]\n' +
      'output: [{ name: Y, data_type: TYPE_FP32, dims: [4] }]\nensemble_scheduling:\n  step: [{ model_name: m, input_map: { x: A }, output_map: { y: Y } }]\n';
    expect(problems(yaml, 'e/config.yaml')).toEqual([
      "e/config.yaml:2:1: dynamic_batching cannot be set with ensemble_scheduling: model_config.proto's scheduling_choice holds one of them (ensemble 'e')",
    ]);
  });

  it('require steps that name a model, an input_map and an output_map, and a usable model_version', () => {
    expect(problems(`name: "e"\nplatform: "ensemble"\n${IO}ensemble_scheduling { }\n`)).toEqual([
      "e/config.pbtxt:6:1: must specify 'step' for ensemble 'e'",
    ]);
    expect(problems(step('{ model_version: 0 }'))).toEqual([
      "e/config.pbtxt:6:30: must specify 'model_name' in step 0 of ensemble 'e'",
      "e/config.pbtxt:6:30: must specify 'input_map' in step 0 of ensemble 'e'",
      "e/config.pbtxt:6:30: must specify 'output_map' in step 0 of ensemble 'e'",
      "e/config.pbtxt:6:47: model_version in step 0 of ensemble 'e' must be -1 (the latest version) or a version number >= 1, found 0",
    ]);
  });

  it("check the dataflow with Triton's messages: one writer per tensor, inputs used, outputs written, nothing unused", () => {
    const text = step(
      '{ model_name: "m" input_map { key: "x" value: "A" } output_map { key: "y" value: "T" } output_map { key: "z" value: "U" } },' +
        '\n{ model_name: "n" input_map { key: "x" value: "T" } input_map { key: "w" value: "Q" } output_map { key: "y" value: "T" } }',
    );
    expect(problems(text)).toEqual([
      "e/config.pbtxt:5:18: output 'Y' for ensemble 'e' is not written",
      "e/config.pbtxt:6:146: ensemble tensor 'U' is unused in ensemble 'e'",
      "e/config.pbtxt:7:81: ensemble tensor 'Q' read by step 1 of ensemble 'e' is written by no step and is not an ensemble input",
      "e/config.pbtxt:7:116: ensemble tensor 'T' can appear in an output map only once for ensemble 'e' step 1 (step 0 writes it too)",
    ]);
    const unusedInput =
      `name: "e"\nplatform: "ensemble"\ninput [ { name: "A" data_type: TYPE_FP32 dims: 4 }, { name: "B" data_type: TYPE_FP32 dims: 4 } ]\n` +
      'output [ { name: "Y" data_type: TYPE_FP32 dims: 4 } ]\nensemble_scheduling { step { model_name: "m" input_map { key: "x" value: "A" } output_map { key: "y" value: "Y" } } }\n';
    expect(problems(unusedInput)).toEqual([
      "e/config.pbtxt:3:61: ensemble input 'B' for ensemble 'e' is not used",
    ]);
  });
});
