import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { detectProviders, installHint } from '../../../backends/onnxruntime/index.js';

describe('detectProviders', () => {
  it('reports a GPU provider only when its library is next to the binding', () => {
    const pkg = createRequire(import.meta.url).resolve('onnxruntime-node/package.json');
    const dir = join(dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
    const present = (name: string) =>
      process.platform === 'linux' &&
      existsSync(join(dir, `libonnxruntime_providers_${name}.so`)) &&
      existsSync(join(dir, 'libonnxruntime_providers_shared.so'));
    const found = detectProviders();
    if (process.platform === 'linux')
      expect(found).toEqual({ cuda: present('cuda'), tensorrt: present('tensorrt') });
    else expect(Object.keys(found).sort()).toEqual(['cuda', 'tensorrt']);
  });
});

describe('installHint', () => {
  it('tells Linux x64 users how to fetch the CUDA 12 provider libraries', () => {
    const hint = installHint('cuda', 'linux/x64');
    expect(hint).toContain('ONNXRUNTIME_NODE_INSTALL=cuda12 npm rebuild onnxruntime-node');
    expect(hint).toContain('onnxruntime-node-install=skip');
    expect(hint).toContain('CUDA 12 and cuDNN 9');
    expect(installHint('tensorrt', 'linux/x64')).toContain('TensorRT 10');
  });

  it('says there is no build elsewhere', () => {
    expect(installHint('cuda', 'darwin/arm64')).toBe(
      'onnxruntime-node publishes its cuda execution provider only for linux/x64, and this is darwin/arm64',
    );
  });
});
