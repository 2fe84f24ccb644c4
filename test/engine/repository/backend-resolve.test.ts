import { describe, expect, it } from 'vitest';
import type { Backend } from '../../../engine/core/backend.js';
import { EngineError } from '../../../engine/core/errors.js';
import { resolveBackend } from '../../../engine/repository/backend-resolve.js';
import { config } from './signatures.js';

function fakeBackend(name: string, platforms: string[], defaultModelFilename: string): Backend {
  return {
    name,
    platforms,
    defaultModelFilename,
    describe: () => Promise.reject(new Error('not used')),
    createInstance: () => Promise.reject(new Error('not used')),
  };
}

const ONNX = fakeBackend('onnxruntime', ['onnxruntime_onnx'], 'model.onnx');
const JS = fakeBackend('js', [], 'model.js');
const BACKENDS = [ONNX, JS];

function failure(
  raw: Record<string, unknown>,
  files: string[],
  backends: Backend[] = BACKENDS,
): string {
  try {
    resolveBackend(config(raw), backends, files);
  } catch (e) {
    if (e instanceof EngineError && e.code === 'INVALID_ARG') return e.message;
    throw e;
  }
  throw new Error('expected INVALID_ARG');
}

describe('resolveBackend', () => {
  it('picks the backend the config names, whatever the files', () => {
    expect(resolveBackend(config({ backend: 'js' }), BACKENDS, ['model.onnx'])).toBe(JS);
  });

  it('picks by platform', () => {
    expect(resolveBackend(config({ platform: 'onnxruntime_onnx' }), BACKENDS, [])).toBe(ONNX);
  });

  it('picks by default_model_filename when it is a backend default', () => {
    expect(resolveBackend(config({ default_model_filename: 'model.js' }), BACKENDS, [])).toBe(JS);
  });

  it('picks by the model file present in the version directory', () => {
    expect(resolveBackend(config(), BACKENDS, ['README', 'model.js'])).toBe(JS);
    expect(resolveBackend(config(), BACKENDS, ['model.onnx'])).toBe(ONNX);
  });

  it('prefers the first registered backend when several files match', () => {
    expect(resolveBackend(config(), BACKENDS, ['model.js', 'model.onnx'])).toBe(ONNX);
  });

  it('rejects an unknown backend name, listing the available ones', () => {
    expect(failure({ backend: 'python' }, [])).toBe(
      "model 'simple': backend 'python' is not available (available backends: onnxruntime, js)",
    );
  });

  it('rejects a platform no backend serves', () => {
    expect(failure({ platform: 'tensorrt_plan' }, [])).toBe(
      "model 'simple': no backend serves platform 'tensorrt_plan' (available backends: onnxruntime, js)",
    );
  });

  it('says which files it looked for when nothing matches', () => {
    const msg = failure({}, ['weights.bin']);
    expect(msg).toContain("model 'simple': cannot tell which backend serves it");
    expect(msg).toContain('none of model.onnx (onnxruntime), model.js (js)');
    expect(msg).toContain('available backends: onnxruntime, js');
  });

  it('names an unmatched default_model_filename', () => {
    expect(failure({ default_model_filename: 'net.onnx' }, ['net.onnx'])).toContain(
      "default_model_filename 'net.onnx' is not a backend's default file name",
    );
  });

  it('reports an empty backend list', () => {
    expect(failure({}, ['model.onnx'], [])).toContain('available backends: none');
  });
});
