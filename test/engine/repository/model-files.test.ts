import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ModelFiles } from '../../../engine/core/backend.js';
import { modelFiles } from '../../../engine/repository/model-files.js';
import { config } from './signatures.js';

describe('modelFiles', () => {
  it("uses the backend's default file name", () => {
    expect(
      modelFiles('/models', 'simple', 3, config(), { defaultModelFilename: 'model.onnx' }),
    ).toEqual({
      modelName: 'simple',
      version: 3,
      modelDir: path.join('/models', 'simple'),
      versionDir: path.join('/models', 'simple', '3'),
      modelPath: path.join('/models', 'simple', '3', 'model.onnx'),
    } satisfies ModelFiles);
  });

  it("prefers the config's default_model_filename", () => {
    const files = modelFiles(
      '/models',
      'simple',
      1,
      config({ default_model_filename: 'net.onnx' }),
      { defaultModelFilename: 'model.onnx' },
    );
    expect(files.modelPath).toBe(path.join('/models', 'simple', '1', 'net.onnx'));
  });

  // issue #10 item 1: a config built without the schema's check is still refused here.
  it.each(['../../../outside.js', '/etc/passwd', '..\\..\\x.onnx'])(
    'refuses default_model_filename %s, which leaves the model directory',
    name => {
      const escaping = { ...config(), default_model_filename: name };
      expect(() =>
        modelFiles('/models', 'simple', 1, escaping, { defaultModelFilename: 'model.onnx' }),
      ).toThrow(`model 'simple': default_model_filename '${name}'`);
    },
  );

  it('allows a default_model_filename elsewhere in the model directory', () => {
    const files = modelFiles(
      '/models',
      'simple',
      1,
      config({ default_model_filename: '../shared/net.onnx' }),
      { defaultModelFilename: 'model.onnx' },
    );
    expect(files.modelPath).toBe(path.join('/models', 'simple', 'shared', 'net.onnx'));
  });
});
