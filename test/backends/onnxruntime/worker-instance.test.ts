import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxRuntimeWorkerInstance } from '../../../backends/onnxruntime/worker-instance.js';
import type { ComputeMark } from '../../../engine/core/backend.js';
import { EngineError } from '../../../engine/core/errors.js';
import type { TensorMap } from '../../../engine/core/tensor.js';
import { filesOf, fp32, REPOS } from './fixtures.js';

const signal = new AbortController().signal;
const FAKE = new URL('./fake-session-worker.ts', import.meta.url);
const simple = filesOf(REPOS.examples, 'simple');

async function rejection(p: Promise<unknown>): Promise<EngineError> {
  const e: unknown = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EngineError);
  return e as EngineError;
}

async function openSimple(): Promise<OnnxRuntimeWorkerInstance> {
  const inst = OnnxRuntimeWorkerInstance.start({ model: 'simple' });
  await inst.open(simple.modelPath, { intraOpNumThreads: 1 });
  return inst;
}

async function openFake(mode: string): Promise<OnnxRuntimeWorkerInstance> {
  const inst = OnnxRuntimeWorkerInstance.start({ model: 'fake', script: FAKE });
  await inst.open(mode, {});
  return inst;
}

const batch2 = (): TensorMap =>
  new Map([
    ['INPUT0', fp32([2, 16], i => i)],
    ['INPUT1', fp32([2, 16], () => 2)],
  ]);

describe('OnnxRuntimeWorkerInstance with a session', () => {
  let inst: OnnxRuntimeWorkerInstance;
  beforeAll(async () => {
    inst = await openSimple();
  });
  afterAll(() => inst.dispose());

  it('computes in the worker and leaves the caller its inputs, even views into a larger buffer', async () => {
    // Single requests arrive as views into the HTTP body; they must survive the call intact.
    const body = new Float32Array(2 + 64).map((_, i) => i - 2);
    const inputs: TensorMap = new Map([
      ['INPUT0', { datatype: 'FP32', shape: [2, 16], data: body.subarray(2, 34) }],
      ['INPUT1', { datatype: 'FP32', shape: [2, 16], data: body.subarray(34, 66) }],
    ]);
    const out = await inst.execute(inputs, { signal });
    expect(out.get('OUTPUT0')).toEqual(fp32([2, 16], i => 2 * i + 32));
    expect(out.get('OUTPUT1')).toEqual(fp32([2, 16], () => -32));
    expect(body.buffer.byteLength).toBe(66 * 4);
    expect(Array.from(body.subarray(0, 4))).toEqual([-2, -1, 0, 1]);
  });

  it('marks input end after posting and output start after the reply, with worker times in order', async () => {
    const marks: ComputeMark[] = [];
    const before = performance.timeOrigin + performance.now();
    await inst.execute(batch2(), { signal, mark: m => marks.push(m) });
    const after = performance.timeOrigin + performance.now();
    expect(marks).toEqual(['COMPUTE_INPUT_END', 'COMPUTE_OUTPUT_START']);
    const t = inst.lastRun!;
    expect(before).toBeLessThanOrEqual(t.received);
    expect(t.received).toBeLessThanOrEqual(t.runStart);
    expect(t.runStart).toBeLessThanOrEqual(t.runEnd);
    expect(t.runEnd).toBeLessThanOrEqual(after);
  });

  it('reports bad inputs as INVALID_ARG naming the model and tensor', async () => {
    const unknown = new Map([...batch2(), ['INPUT9', fp32([2, 16])]]);
    const e1 = await rejection(inst.execute(unknown, { signal }));
    expect(e1).toMatchObject({ code: 'INVALID_ARG', message: expect.stringContaining("model 'simple' has no input 'INPUT9'") });
    const misshapen = new Map([['INPUT0', fp32([2, 16])], ['INPUT1', fp32([2, 8])]]);
    const e2 = await rejection(inst.execute(misshapen, { signal }));
    expect(e2.code).toBe('INVALID_ARG');
    expect(e2.message).toMatch(/^model 'simple': onnxruntime failed to run: .*invalid dimensions/i);
    const wrongType = new Map([['INPUT0', fp32([1, 16])], ['INPUT1', { datatype: 'BYTES' as const, shape: [1, 16], data: new Float32Array(16) }]]);
    const e3 = await rejection(inst.execute(wrongType, { signal }));
    expect(e3).toMatchObject({ code: 'INVALID_ARG', message: "input 'INPUT1' of model 'simple': BYTES data cannot be Float32Array" });
    // The instance keeps serving after refusing a request.
    expect((await inst.execute(batch2(), { signal })).get('OUTPUT1')?.data[0]).toBe(-2);
  });

  it('refuses a second call while one is in flight', async () => {
    const first = inst.execute(batch2(), { signal });
    const e = await rejection(inst.execute(batch2(), { signal }));
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toContain('runs one at a time');
    await expect(first).resolves.toBeInstanceOf(Map);
  });
});

describe('OnnxRuntimeWorkerInstance lifecycle', () => {
  it('passes ORT load failures as plain errors with ORT text, and can retry', async () => {
    const inst = OnnxRuntimeWorkerInstance.start({ model: 'corrupt' });
    const e: unknown = await inst.open(filesOf(REPOS.fixtures, 'corrupt').modelPath, {}).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(Error);
    expect(e).not.toBeInstanceOf(EngineError);
    expect((e as Error).message).toMatch(/protobuf parsing failed/i);
    await inst.open(simple.modelPath, {});
    expect((await inst.execute(batch2(), { signal })).size).toBe(2);
    await inst.dispose();
  });

  it('disposes once, after the run in flight, and refuses to run afterwards', async () => {
    const inst = await openSimple();
    const running = inst.execute(batch2(), { signal });
    const disposed = Promise.all([inst.dispose(), inst.dispose()]);
    expect((await running).get('OUTPUT0')?.data[1]).toBe(3);
    await disposed;
    expect((await rejection(inst.execute(batch2(), { signal }))).code).toBe('UNAVAILABLE');
  });

  it('throws CANCELLED without posting when the signal is already aborted', async () => {
    const inst = await openFake('exit');
    const e = await rejection(inst.execute(batch2(), { signal: AbortSignal.abort() }));
    expect(e.code).toBe('CANCELLED');
    // Had the run been posted, the fake worker would have exited and the next call would say so.
    expect((await rejection(inst.execute(batch2(), { signal }))).message).toContain('exit code 3');
    await inst.dispose();
  });
});

describe('OnnxRuntimeWorkerInstance when the worker misbehaves', () => {
  it('fails with INTERNAL naming the model when the thread cannot start or load its script', async () => {
    let thrown: unknown;
    try {
      OnnxRuntimeWorkerInstance.start({ model: 'm', script: new URL('https://example.com/worker.js') });
    } catch (e) {
      thrown = e;
    }
    expect(thrown).toBeInstanceOf(EngineError);
    expect(thrown).toMatchObject({ code: 'INTERNAL', message: expect.stringMatching(/^model 'm': cannot start an onnxruntime worker thread: /) });
    const missing = OnnxRuntimeWorkerInstance.start({ model: 'm', script: new URL('./no-such-worker.js', import.meta.url) });
    const e = await rejection(missing.open(simple.modelPath, {}));
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toMatch(/^model 'm': the onnxruntime worker thread of this instance stopped \(uncaught error: .*no-such-worker/);
    await missing.dispose();
  });


  it('fails the call in flight and every later call with INTERNAL when the worker exits', async () => {
    const inst = await openFake('exit');
    const first = await rejection(inst.execute(batch2(), { signal }));
    expect(first.code).toBe('INTERNAL');
    expect(first.message).toBe(
      "model 'fake': the onnxruntime worker thread of this instance stopped (exit code 3); it is restarted for the next request",
    );
    expect(inst.dead).toBe(true);
    const later = await rejection(inst.execute(batch2(), { signal }));
    expect(later).toMatchObject({ code: 'INTERNAL', message: first.message });
    await expect(inst.dispose()).resolves.toBeUndefined();
  });

  it('reports an uncaught error in the worker with its message', async () => {
    const inst = await openFake('throw');
    const e = await rejection(inst.execute(batch2(), { signal }));
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toContain('uncaught error: fake worker fell over');
    await inst.dispose();
  });

  it('classifies ORT errors from the worker like the in-thread instance does', async () => {
    const inst = await openFake('ort-error');
    const e = await rejection(inst.execute(batch2(), { signal }));
    expect(e).toMatchObject({
      code: 'INTERNAL',
      message: "model 'fake': onnxruntime failed to run: CUDA failure 700: an illegal memory access",
    });
    await inst.dispose();
  });

  it('refuses a reply of the wrong kind', async () => {
    const inst = await openFake('wrong-reply');
    const e = await rejection(inst.execute(batch2(), { signal }));
    expect(e.message).toBe("model 'fake': its onnxruntime worker thread replied 'closed' where 'result' was expected");
    await inst.dispose();
  });
});
