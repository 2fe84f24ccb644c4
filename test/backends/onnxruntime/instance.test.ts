import { Tensor as OrtTensor } from 'onnxruntime-node';
import type { InferenceSession } from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import type { OrtSession } from '../../../backends/onnxruntime/instance.js';
import { OnnxRuntimeInstance } from '../../../backends/onnxruntime/instance.js';
import { EngineError } from '../../../engine/core/errors.js';

type Run = (
  feeds: Record<string, unknown>,
  fetches: string[],
) => Promise<InferenceSession.ReturnType>;

class FakeSession implements OrtSession {
  readonly inputNames = ['a'];
  readonly outputNames = ['y', 'z'];
  released = 0;
  calls: string[][] = [];
  constructor(private readonly impl: Run) {}
  run(feeds: InferenceSession.FeedsType, fetches?: unknown): Promise<InferenceSession.ReturnType> {
    this.calls.push(fetches as string[]);
    return this.impl(feeds, fetches as string[]);
  }
  async release(): Promise<void> {
    this.released++;
  }
}

const signal = new AbortController().signal;
const inputs = new Map([
  ['a', { datatype: 'FP32' as const, shape: [1], data: Float32Array.of(1) }],
]);
const outputsOf = (fetches: string[]) =>
  Object.fromEntries(fetches.map(n => [n, new OrtTensor('float32', Float32Array.of(2), [1])]));

describe('OnnxRuntimeInstance', () => {
  it('fetches every output when none or an empty list is requested', async () => {
    const session = new FakeSession(async (_, f) => outputsOf(f));
    const inst = new OnnxRuntimeInstance(session, 'm');
    await inst.execute(inputs, { signal });
    await inst.execute(inputs, { signal, outputs: [] });
    await inst.execute(inputs, { signal, outputs: ['z', 'z'] });
    expect(session.calls).toEqual([['y', 'z'], ['y', 'z'], ['z']]);
  });

  it('releases the session once, after the run in progress', async () => {
    let finish!: () => void;
    const session = new FakeSession(
      (_, f) => new Promise(res => (finish = () => res(outputsOf(f)))),
    );
    const inst = new OnnxRuntimeInstance(session, 'm');
    const running = inst.execute(inputs, { signal });
    const disposed = Promise.all([inst.dispose(), inst.dispose()]);
    await Promise.resolve();
    expect(session.released).toBe(0);
    finish();
    await running;
    await disposed;
    expect(session.released).toBe(1);
  });

  it('classifies ORT failures: rejected inputs are INVALID_ARG, the rest INTERNAL', async () => {
    const fail = (msg: string) =>
      new OnnxRuntimeInstance(new FakeSession(() => Promise.reject(new Error(msg))), 'm');
    const bad = await fail(
      'Unexpected input data type. Actual: (tensor(int32)) , expected: (tensor(float))',
    )
      .execute(inputs, { signal })
      .catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(EngineError);
    expect(bad).toMatchObject({
      code: 'INVALID_ARG',
      message: expect.stringMatching(/^model 'm': onnxruntime failed to run: Unexpected input/),
    });
    const crash = await fail('CUDA failure 700')
      .execute(inputs, { signal })
      .catch((e: unknown) => e);
    expect(crash).toMatchObject({
      code: 'INTERNAL',
      message: "model 'm': onnxruntime failed to run: CUDA failure 700",
    });
  });

  it('reports an output ORT did not return as INTERNAL', async () => {
    const inst = new OnnxRuntimeInstance(new FakeSession(async () => outputsOf(['y'])), 'm');
    await expect(inst.execute(inputs, { signal })).rejects.toMatchObject({
      code: 'INTERNAL',
      message: "model 'm': onnxruntime returned no output 'z'",
    });
  });
});
