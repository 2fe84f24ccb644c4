import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OnnxRuntimeWorkerInstance } from '../../../backends/onnxruntime/worker-instance.js';
import type { WorkerInstanceOptions } from '../../../backends/onnxruntime/worker-instance.js';
import type { ComputeMark } from '../../../engine/core/backend.js';
import { SimulatedClock } from '../../../engine/core/clock.js';
import { EngineError } from '../../../engine/core/errors.js';
import type { TensorMap } from '../../../engine/core/tensor.js';
import { filesOf, fp32, REPOS, rejection } from './fixtures.js';

const signal = new AbortController().signal;
const FAKE = new URL('./fake-session-worker.ts', import.meta.url);
const simple = filesOf(REPOS.examples, 'simple');

/** Waits, turn by turn of the event loop, until `cond` holds. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (cond()) return;
    await new Promise(r => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}

function openSimple(): Promise<OnnxRuntimeWorkerInstance> {
  return OnnxRuntimeWorkerInstance.start({
    model: 'simple',
    open: open => open(simple.modelPath, { intraOpNumThreads: 1 }),
  });
}

function openFake(
  mode: string,
  opts: Partial<WorkerInstanceOptions> = {},
): Promise<OnnxRuntimeWorkerInstance> {
  return OnnxRuntimeWorkerInstance.start({
    model: 'fake',
    script: FAKE,
    open: open => open(mode, {}),
    ...opts,
  });
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
    expect(e1).toMatchObject({
      code: 'INVALID_ARG',
      message: expect.stringContaining("model 'simple' has no input 'INPUT9'"),
    });
    const misshapen = new Map([
      ['INPUT0', fp32([2, 16])],
      ['INPUT1', fp32([2, 8])],
    ]);
    const e2 = await rejection(inst.execute(misshapen, { signal }));
    expect(e2.code).toBe('INVALID_ARG');
    expect(e2.message).toMatch(/^model 'simple': onnxruntime failed to run: .*invalid dimensions/i);
    const wrongType = new Map([
      ['INPUT0', fp32([1, 16])],
      ['INPUT1', { datatype: 'BYTES' as const, shape: [1, 16], data: new Float32Array(16) }],
    ]);
    const e3 = await rejection(inst.execute(wrongType, { signal }));
    expect(e3).toMatchObject({
      code: 'INVALID_ARG',
      message: "input 'INPUT1' of model 'simple': BYTES data cannot be Float32Array",
    });
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
  it('passes ORT load failures as plain errors with ORT text to open, which may retry', async () => {
    const seen: unknown[] = [];
    const inst = await OnnxRuntimeWorkerInstance.start({
      model: 'corrupt',
      open: async open => {
        await open(filesOf(REPOS.fixtures, 'corrupt').modelPath, {}).catch((e: unknown) =>
          seen.push(e),
        );
        await open(simple.modelPath, {});
      },
    });
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(Error);
    expect(seen[0]).not.toBeInstanceOf(EngineError);
    expect((seen[0] as Error).message).toMatch(/protobuf parsing failed/i);
    expect((await inst.execute(batch2(), { signal })).size).toBe(2);
    await inst.dispose();
  });

  it('fails the start with the error open throws', async () => {
    const e: unknown = await OnnxRuntimeWorkerInstance.start({
      model: 'corrupt',
      open: open => open(filesOf(REPOS.fixtures, 'corrupt').modelPath, {}),
    }).catch((err: unknown) => err);
    expect((e as Error).message).toMatch(/protobuf parsing failed/i);
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
    // Had the run been posted, the fake worker would have exited and been replaced.
    expect((await rejection(inst.execute(batch2(), { signal }))).message).toContain(
      'exited with code 3',
    );
    expect(inst.restarts).toBe(1);
    await inst.dispose();
  });
});

describe('OnnxRuntimeWorkerInstance when the worker misbehaves', () => {
  it('fails with INTERNAL naming the model when the thread cannot start or load its script', async () => {
    const start = (script: URL) =>
      OnnxRuntimeWorkerInstance.start({
        model: 'm',
        script,
        open: open => open(simple.modelPath, {}),
      });
    const thrown = await rejection(start(new URL('https://example.com/worker.js')));
    expect(thrown).toMatchObject({
      code: 'INTERNAL',
      message: expect.stringMatching(/^model 'm': cannot start a worker thread: /),
    });
    const e = await rejection(start(new URL('./no-such-worker.js', import.meta.url)));
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toMatch(
      /^model 'm': its worker thread crashed \(uncaught Error: .*no-such-worker/,
    );
  });

  it('fails the call in flight with INTERNAL when the worker exits, and serves the next call on a new worker', async () => {
    const inst = await openFake('exit');
    const first = await rejection(inst.execute(batch2(), { signal }));
    expect(first.code).toBe('INTERNAL');
    expect(first.message).toBe(
      "model 'fake': its worker thread crashed (the thread exited with code 3) while executing this request; a new worker is being started",
    );
    expect(inst.restarts).toBe(1);
    // The new worker opened its session again (in the fake, the same mode: it exits again).
    expect((await rejection(inst.execute(batch2(), { signal }))).message).toContain(
      'exited with code 3',
    );
    expect(inst.restarts).toBe(2);
    await expect(inst.dispose()).resolves.toBeUndefined();
  });

  it('reports an uncaught error in the worker with its message', async () => {
    const inst = await openFake('throw');
    const e = await rejection(inst.execute(batch2(), { signal }));
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toContain('uncaught Error: fake worker fell over');
    await inst.dispose();
  });

  it('classifies ORT errors from the worker like the in-thread instance does', async () => {
    const inst = await openFake('ort-error');
    const e = await rejection(inst.execute(batch2(), { signal }));
    expect(e).toMatchObject({
      code: 'INTERNAL',
      message:
        "model 'fake': onnxruntime failed to run: CUDA failure 700: an illegal memory access",
    });
    await inst.dispose();
  });

  // issue #11 item 3: a run that never returns can be stopped only by stopping its thread.
  it('stops a run that outlives executeTimeoutMs, fails it UNAVAILABLE, and opens the session in a new worker', async () => {
    const clock = new SimulatedClock();
    let opens = 0;
    const inst = await OnnxRuntimeWorkerInstance.start({
      model: 'fake',
      script: FAKE,
      clock,
      executeTimeoutMs: 60_000,
      open: async open => {
        opens++;
        await open('hang', {});
      },
    });
    const run = rejection(inst.execute(batch2(), { signal }));
    await until(() => clock.pendingTimers > 0, 'the execute timer is armed');
    clock.advance(60_000);
    expect(await run).toMatchObject({
      code: 'UNAVAILABLE',
      message:
        "model 'fake': the run did not finish within 60000 ms (parameter execute_timeout_ms); its worker was stopped and is being replaced",
    });
    expect(inst.restarts).toBe(1);
    await until(() => opens === 2, 'the new worker opens its session');
    await inst.dispose();
  });

  it('stops a cancelled run after the grace period, when one is set', async () => {
    const clock = new SimulatedClock();
    const inst = await openFake('hang', { clock, cancelGraceMs: 1000 });
    const cancel = new AbortController();
    const posted = () => cancel.abort();
    const run = rejection(inst.execute(batch2(), { signal: cancel.signal, mark: posted }));
    await until(() => clock.pendingTimers > 0, 'the grace timer is armed');
    clock.advance(1000);
    expect((await run).code).toBe('CANCELLED');
    await inst.dispose();
  });

  it('refuses a reply of the wrong kind', async () => {
    const inst = await openFake('wrong-reply');
    const e = await rejection(inst.execute(batch2(), { signal }));
    expect(e.message).toBe("model 'fake': its worker replied 'closed' where 'result' was expected");
    await inst.dispose();
  });
});
