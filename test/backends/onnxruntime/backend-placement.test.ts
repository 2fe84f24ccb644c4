import { describe, expect, it } from 'vitest';
import { createOnnxRuntimeBackend } from '../../../backends/onnxruntime/index.js';
import { OnnxRuntimeWorkerInstance } from '../../../backends/onnxruntime/worker-instance.js';
import { InMemoryLogger } from '../../../engine/core/logger.js';
import { configOf, cpuInstance, filesOf, fp32, REPOS, rejection } from './fixtures.js';

// Where an ONNX instance runs: its thread, its device, the providers' fallback.

const noGpu = { cuda: false, tensorrt: false };
const backend = createOnnxRuntimeBackend({ providers: noGpu, cores: 2 });
const signal = new AbortController().signal;

describe('execution_thread', () => {
  const files = filesOf(REPOS.examples, 'simple');

  it('defaults to a worker thread', async () => {
    const inst = await backend.createInstance(configOf({ name: 'simple' }), files, cpuInstance());
    expect(inst).toBeInstanceOf(OnnxRuntimeWorkerInstance);
    await inst.dispose();
  });

  it('rejects other values as INVALID_ARG naming the model and the value', async () => {
    const config = configOf({
      name: 'simple',
      parameters: { execution_thread: { string_value: 'gpu' } },
    });
    const e = await rejection(backend.createInstance(config, files, cpuInstance()));
    expect(e.code).toBe('INVALID_ARG');
    expect(e.message).toBe(
      "model 'simple': parameter 'execution_thread' must be 'worker' or 'main', got 'gpu'",
    );
  });
});

describe('createInstance placement', () => {
  const config = configOf({ name: 'simple' });
  const files = filesOf(REPOS.examples, 'simple');

  it('fails KIND_GPU without the CUDA provider, saying what to install', async () => {
    const e = await rejection(
      backend.createInstance(config, files, cpuInstance({ device: { kind: 'GPU', id: 1 } })),
    );
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.message).toContain(
      "model 'simple' asks for KIND_GPU on GPU 1 with the cuda execution provider",
    );
    expect(e.message).toMatch(/onnxruntime-node/);
  });

  it('falls back to cpu for KIND_AUTO when no GPU provider is loadable', async () => {
    const inst = await backend.createInstance(
      config,
      files,
      cpuInstance({ device: { kind: 'AUTO', id: 0 } }),
    );
    const out = await inst.execute(
      new Map([
        ['INPUT0', fp32([1, 16], i => i)],
        ['INPUT1', fp32([1, 16], () => 1)],
      ]),
      { signal },
    );
    expect(out.get('OUTPUT0')?.data[3]).toBe(4);
    await inst.dispose();
  });

  it('logs and falls back to cpu for KIND_AUTO when the CUDA session cannot be created', async () => {
    const logger = new InMemoryLogger();
    // Claims CUDA is loadable on a machine where it is not, so the first session attempt fails.
    const lying = createOnnxRuntimeBackend({
      providers: { cuda: true, tensorrt: false },
      cores: 2,
      logger,
    });
    const inst = await lying.createInstance(
      config,
      files,
      cpuInstance({ device: { kind: 'AUTO', id: 0 } }),
    );
    expect(logger.lines.map(l => [l.level, l.fields['providers']])).toEqual([
      ['warn', ['cuda', 'cpu']],
    ]);
    await inst.dispose();
  });

  it('does not create a session when the load is already cancelled', async () => {
    const e = await rejection(
      backend.createInstance(config, files, cpuInstance({ signal: AbortSignal.abort() })),
    );
    expect(e.code).toBe('CANCELLED');
  });

  it('fails to create an instance of a corrupt model with INVALID_ARG', async () => {
    const e = await rejection(
      backend.createInstance(config, filesOf(REPOS.fixtures, 'corrupt'), cpuInstance()),
    );
    expect(e.code).toBe('INVALID_ARG');
    expect(e.message).toContain('corrupt/1/model.onnx');
  });
});
