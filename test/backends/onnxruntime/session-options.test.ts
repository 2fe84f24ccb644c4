import { describe, expect, it } from 'vitest';
import {
  buildSessionOptions,
  graphOptimizationLevel,
  resolveProviders,
  resolveThreads,
} from '../../../backends/onnxruntime/index.js';
import type { ThreadSettings } from '../../../backends/onnxruntime/index.js';
import { EngineError } from '../../../engine/core/errors.js';
import type { ModelConfigInput } from '../../../engine/core/model-config.js';
import { configOf } from './fixtures.js';

const params = (p: Record<string, string>) =>
  Object.fromEntries(Object.entries(p).map(([k, v]) => [k, { string_value: v }]));
const ctx = (cores: number, instanceCount: number) => ({ modelName: 'm', cores, instanceCount });

function thrown(f: () => unknown): EngineError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(EngineError);
    return e as EngineError;
  }
  throw new Error('expected a throw');
}

describe('resolveThreads', () => {
  const onMain = params({ execution_thread: 'main' });

  it('divides the cores between the instances, at least one thread each', () => {
    expect(resolveThreads(onMain, ctx(8, 1))).toEqual({
      intraOpNumThreads: 8,
      executionMode: 'sequential',
    } satisfies ThreadSettings);
    expect(resolveThreads(onMain, ctx(8, 3)).intraOpNumThreads).toBe(2);
    expect(resolveThreads(onMain, ctx(2, 4)).intraOpNumThreads).toBe(1);
    expect(resolveThreads(onMain, ctx(4, 0)).intraOpNumThreads).toBe(4);
  });

  it('keeps one core for the event loop when sessions run in workers on 4 cores or more', () => {
    expect([1, 2, 3, 8].map(n => resolveThreads({}, ctx(8, n)).intraOpNumThreads)).toEqual([
      7, 3, 2, 1,
    ]);
    expect(
      resolveThreads(params({ execution_thread: 'worker' }), ctx(16, 2)).intraOpNumThreads,
    ).toBe(7);
    expect(resolveThreads({}, ctx(4, 1)).intraOpNumThreads).toBe(3);
    // With fewer cores a kept core would cost a third or more of the compute.
    expect(resolveThreads({}, ctx(3, 1)).intraOpNumThreads).toBe(3);
    expect(resolveThreads({}, ctx(2, 1)).intraOpNumThreads).toBe(2);
    expect(resolveThreads({}, ctx(4, 8)).intraOpNumThreads).toBe(1);
  });

  it('rejects an execution_thread it does not know', () => {
    const e = thrown(() => resolveThreads(params({ execution_thread: 'gpu' }), ctx(8, 1)));
    expect(e.code).toBe('INVALID_ARG');
    expect(e.message).toBe(
      "model 'm': parameter 'execution_thread' must be 'worker' or 'main', got 'gpu'",
    );
  });

  it('uses the Triton parameters as given, 0 included', () => {
    const p = params({ intra_op_thread_count: '3', inter_op_thread_count: '0' });
    expect(resolveThreads(p, ctx(16, 4))).toEqual({
      intraOpNumThreads: 3,
      interOpNumThreads: 0,
      executionMode: 'sequential',
    });
  });

  it('gives the inter-op pool the same share in parallel mode only', () => {
    expect(resolveThreads(params({ execution_mode: '1' }), ctx(9, 2))).toEqual({
      intraOpNumThreads: 4,
      interOpNumThreads: 4,
      executionMode: 'parallel',
    });
    expect(resolveThreads(params({ execution_mode: '0' }), ctx(8, 2))).not.toHaveProperty(
      'interOpNumThreads',
    );
  });

  it('rejects counts and modes that are not what Triton accepts, naming the parameter', () => {
    const e = thrown(() => resolveThreads(params({ intra_op_thread_count: 'four' }), ctx(8, 1)));
    expect(e.code).toBe('INVALID_ARG');
    expect(e.message).toBe(
      "model 'm': parameter 'intra_op_thread_count' must be a non-negative integer string, got 'four'",
    );
    expect(
      thrown(() => resolveThreads(params({ inter_op_thread_count: '-1' }), ctx(8, 1))).message,
    ).toContain('inter_op_thread_count');
    expect(
      thrown(() => resolveThreads(params({ execution_mode: 'parallel' }), ctx(8, 1))).message,
    ).toContain("'execution_mode'");
  });
});

describe('graphOptimizationLevel', () => {
  it("follows Triton's ORT backend: -1 basic, 1 extended, 2 disabled, otherwise all", () => {
    expect([-1, 0, 1, 2, 3, -5].map(graphOptimizationLevel)).toEqual([
      'basic',
      'all',
      'extended',
      'disabled',
      'all',
      'all',
    ]);
  });
});

describe('buildSessionOptions', () => {
  it('combines threads, optimisation level and log id', () => {
    const config = configOf({
      optimization: { graph: { level: 1 } },
      parameters: params({ intra_op_thread_count: '2' }),
    });
    expect(buildSessionOptions(config, { ...ctx(8, 1), logId: 'm:1:0' })).toEqual({
      intraOpNumThreads: 2,
      executionMode: 'sequential',
      graphOptimizationLevel: 'extended',
      logId: 'm:1:0',
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
  });

  it('turns pool-thread spinning off unless the config asks for it', () => {
    const spin = (p: Record<string, string>) =>
      buildSessionOptions(configOf({ parameters: params(p) }), { ...ctx(8, 1), logId: 'x' }).extra;
    expect(spin({})).toEqual({ session: { intra_op: { allow_spinning: '0' } } });
    expect(spin({ allow_spinning: '1' })).toEqual({
      session: { intra_op: { allow_spinning: '1' } },
    });
  });
});

describe('resolveProviders', () => {
  const none = { cuda: false, tensorrt: false };
  const cudaOnly = { cuda: true, tensorrt: false };
  const both = { cuda: true, tensorrt: true };
  const withAccelerator = (...names: string[]): ModelConfigInput => ({
    optimization: {
      execution_accelerators: { gpu_execution_accelerator: names.map(name => ({ name })) },
    },
  });
  const gpu = (id: number) => ({ kind: 'GPU' as const, id });
  const auto = (id: number) => ({ kind: 'AUTO' as const, id });

  it('runs KIND_CPU on cpu whatever is installed', () => {
    expect(
      resolveProviders(configOf(withAccelerator('tensorrt')), 'm', { kind: 'CPU' }, both),
    ).toEqual([['cpu']]);
  });

  it('runs KIND_GPU on cuda with the device id, tensorrt first when named', () => {
    expect(resolveProviders(configOf(), 'm', gpu(2), cudaOnly)).toEqual([
      [{ name: 'cuda', deviceId: 2 }, 'cpu'],
    ]);
    expect(resolveProviders(configOf(withAccelerator('tensorrt')), 'm', gpu(0), both)).toEqual([
      [{ name: 'tensorrt', deviceId: 0 }, { name: 'cuda', deviceId: 0 }, 'cpu'],
    ]);
    expect(resolveProviders(configOf(withAccelerator('cuda')), 'm', gpu(0), cudaOnly)).toEqual([
      [{ name: 'cuda', deviceId: 0 }, 'cpu'],
    ]);
  });

  it('fails KIND_GPU with UNAVAILABLE and an install hint when a provider is missing', () => {
    const noCuda = thrown(() => resolveProviders(configOf(), 'simple', gpu(0), none));
    expect(noCuda.code).toBe('UNAVAILABLE');
    expect(noCuda.message).toMatch(
      /^model 'simple' asks for KIND_GPU on GPU 0 with the cuda execution provider, which this onnxruntime-node cannot load: /,
    );
    const noTrt = thrown(() =>
      resolveProviders(configOf(withAccelerator('tensorrt')), 'simple', gpu(0), cudaOnly),
    );
    expect(noTrt.message).toContain('with the tensorrt execution provider');
  });

  it('tries the GPU and then cpu for KIND_AUTO, or cpu alone when no GPU provider loads', () => {
    expect(resolveProviders(configOf(), 'm', auto(1), none)).toEqual([['cpu']]);
    expect(resolveProviders(configOf(), 'm', auto(1), cudaOnly)).toEqual([
      [{ name: 'cuda', deviceId: 1 }, 'cpu'],
      ['cpu'],
    ]);
    expect(resolveProviders(configOf(withAccelerator('tensorrt')), 'm', auto(0), cudaOnly)).toEqual(
      [[{ name: 'cuda', deviceId: 0 }, 'cpu'], ['cpu']],
    );
  });

  it('rejects accelerators it does not know, naming them', () => {
    const e = thrown(() =>
      resolveProviders(
        configOf(withAccelerator('tensorrt', 'warp_drive')),
        'm',
        { kind: 'CPU' },
        both,
      ),
    );
    expect(e.code).toBe('INVALID_ARG');
    expect(e.message).toBe(
      "model 'm': unknown gpu_execution_accelerator 'warp_drive'; the onnxruntime backend knows 'tensorrt' and 'cuda'",
    );
    const cpu = (name: string) =>
      configOf({
        optimization: { execution_accelerators: { cpu_execution_accelerator: [{ name }] } },
      });
    expect(thrown(() => resolveProviders(cpu('openvino'), 'm', { kind: 'CPU' }, none)).code).toBe(
      'UNSUPPORTED',
    );
    expect(
      thrown(() => resolveProviders(cpu('dnnl'), 'm', { kind: 'CPU' }, none)).message,
    ).toContain("'dnnl'");
  });
});
