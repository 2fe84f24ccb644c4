// issue #11 item 3: ONNX worker instances get the worker host's execute timeout. A native run
// cannot be interrupted inside its thread, so the thread is stopped and replaced.
import { describe, expect, it } from 'vitest';
import { createOnnxRuntimeBackend } from '../../../backends/onnxruntime/index.js';
import type { OnnxRuntimeBackendOptions } from '../../../backends/onnxruntime/index.js';
import type { OnnxRuntimeWorkerInstance } from '../../../backends/onnxruntime/worker-instance.js';
import { SimulatedClock } from '../../../engine/core/clock.js';
import { isEngineError } from '../../../engine/core/errors.js';
import type { TensorMap } from '../../../engine/core/tensor.js';
import { configOf, cpuInstance, filesOf, fp32, REPOS } from './fixtures.js';

const PROBE = new URL('./probe-session-worker.ts', import.meta.url);
const simple = filesOf(REPOS.examples, 'simple');
const signal = new AbortController().signal;
const inputs = (): TensorMap =>
  new Map([
    ['INPUT0', fp32([1, 16], i => i)],
    ['INPUT1', fp32([1, 16], () => 1)],
  ]);
// The probe worker never returns from a run with an input named HANG.
const hang = (): TensorMap => new Map([...inputs(), ['HANG', fp32([1])]]);

async function open(
  opts: OnnxRuntimeBackendOptions,
  parameters: Record<string, string> = {},
): Promise<OnnxRuntimeWorkerInstance> {
  const backend = createOnnxRuntimeBackend({
    providers: { cuda: false, tensorrt: false },
    cores: 1,
    script: PROBE,
    ...opts,
  });
  const params = Object.fromEntries(
    Object.entries(parameters).map(([k, v]) => [k, { string_value: v }]),
  );
  return (await backend.createInstance(
    configOf({ name: 'simple', max_batch_size: 8, parameters: params }),
    simple,
    cpuInstance(),
  )) as OnnxRuntimeWorkerInstance;
}

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isEngineError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a failure');
}

async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (cond()) return;
    await new Promise(r => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}

describe('execute_timeout_ms', () => {
  it('stops a run that outlives the parameter, fails it UNAVAILABLE, and serves the next request on a new worker', async () => {
    const clock = new SimulatedClock();
    const inst = await open({ clock }, { execute_timeout_ms: '5000' });
    try {
      const run = failure(inst.execute(hang(), { signal }));
      await until(() => clock.pendingTimers > 0, 'the execute timer is armed');
      clock.advance(4999);
      expect(inst.restarts).toBe(0);
      clock.advance(1);
      expect(await run).toEqual({
        code: 'UNAVAILABLE',
        message:
          "model 'simple': the run did not finish within 5000 ms (parameter execute_timeout_ms); its worker was stopped and is being replaced",
      });
      expect((await inst.execute(inputs(), { signal })).get('OUTPUT0')?.data[1]).toBe(2);
      expect(inst.restarts).toBe(1);
    } finally {
      await inst.dispose();
    }
  });

  it('has no default: a run may take as long as it takes unless the backend or the config sets a limit', async () => {
    const clock = new SimulatedClock();
    const unlimited = await open({ clock });
    const run = failure(unlimited.execute(hang(), { signal }));
    await new Promise(r => setImmediate(r));
    expect(clock.pendingTimers).toBe(0);
    const stop = unlimited.dispose();
    clock.advance(5000); // the dispose grace: the hung worker is stopped
    await stop;
    expect((await run).message).toBe("model 'simple': the instance was disposed");
    const serveWide = await open({ clock, executeTimeoutMs: 250 });
    try {
      const late = failure(serveWide.execute(hang(), { signal }));
      await until(() => clock.pendingTimers > 0, 'the execute timer is armed');
      clock.advance(250);
      expect((await late).message).toMatch(/within 250 ms/);
    } finally {
      await serveWide.dispose();
    }
  });

  it('refuses the parameter on a main-thread instance, whose run cannot be stopped, and a malformed value', async () => {
    const main = failure(open({}, { execute_timeout_ms: '100', execution_thread: 'main' }));
    expect(await main).toEqual({
      code: 'INVALID_ARG',
      message:
        "model 'simple': parameter execute_timeout_ms needs execution_thread 'worker': a run on the main thread cannot be stopped",
    });
    expect((await failure(open({}, { execute_timeout_ms: 'soon' }))).message).toBe(
      "model 'simple': parameter execute_timeout_ms must be a non-negative number of milliseconds, found 'soon'",
    );
  });
});
