// issue #10 item 1: the one check every file a config, override or pipeline names goes through.
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/core/errors.js';
import {
  checkModelPath,
  MODEL_PATH_RULE,
  modelRelativePath,
} from '../../../engine/core/model-path.js';

const opts = { owner: "model 'm'", field: 'default_model_filename', from: '1' };

describe('modelRelativePath', () => {
  it.each([
    ['model.onnx', '1/model.onnx'],
    ['./sub/model.onnx', '1/sub/model.onnx'],
    ['sub/../model.onnx', '1/model.onnx'],
    ['../shared.onnx', 'shared.onnx'],
    ['../2/model.onnx', '2/model.onnx'],
    ['sub\\model.onnx', '1/sub/model.onnx'],
    ['..', ''],
  ])('resolves %s inside the model directory to %s', (name, inside) => {
    expect(modelRelativePath(name, opts)).toBe(inside);
  });

  it.each([
    ['../../outside.js', 'leaves the model directory'],
    ['../../../../etc/passwd', 'leaves the model directory'],
    ['sub/../../../x', 'leaves the model directory'],
    ['..\\..\\x', 'leaves the model directory'],
    ['/etc/passwd', 'is an absolute path'],
    ['\\\\server\\share\\x', 'is an absolute path'],
    ['C:\\models\\x.onnx', 'is an absolute path'],
    ['c:x.onnx', 'is an absolute path'],
    ['model\0.onnx', 'contains a NUL character'],
  ])('refuses %s: it %s', (name, why) => {
    let caught: unknown;
    try {
      modelRelativePath(name, opts);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(EngineError);
    expect((caught as EngineError).code).toBe('INVALID_ARG');
    expect((caught as EngineError).message).toBe(
      `model 'm': default_model_filename '${name}' ${why}: it ${MODEL_PATH_RULE}`,
    );
  });

  it('measures from the model directory when no directory is given', () => {
    expect(modelRelativePath('labels.txt', { owner: "model 'm'", field: 'label_filename' })).toBe(
      'labels.txt',
    );
    expect(() =>
      modelRelativePath('../labels.txt', { owner: "model 'm'", field: 'label_filename' }),
    ).toThrow(/leaves the model directory/);
  });
});

describe('checkModelPath', () => {
  it('gives the path inside, or the problem stating the rule', () => {
    expect(checkModelPath('a/b.js', '1')).toEqual({ ok: true, path: '1/a/b.js' });
    expect(checkModelPath('../../b.js', '1')).toEqual({
      ok: false,
      problem: `'../../b.js' leaves the model directory: it ${MODEL_PATH_RULE}`,
    });
  });
});
