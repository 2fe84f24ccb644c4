// issue #10 items 3 and 4: a JS model must not exhaust the host's memory, and a wedged one must
// be stopped by a timeout or a cancel, with its worker replaced so later requests are served.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createJsBackend, type JsBackendOptions } from '../../../backends/js/index.js';
import type { ModelFiles, ModelInstance } from '../../../engine/core/backend.js';
import { SimulatedClock } from '../../../engine/core/clock.js';
import { isEngineError } from '../../../engine/core/errors.js';
import { ModelConfigSchema } from '../../../engine/core/model-config.js';
import type { TensorMap } from '../../../engine/core/tensor.js';
import { createEngine } from '../../../engine/runtime/engine.js';

const REPO = fileURLToPath(new URL('../../fixtures/js-models/', import.meta.url));
const never = new AbortController().signal;
const opened: ModelInstance[] = [];
const cleanups: (() => Promise<unknown>)[] = [];

afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});
afterAll(async () => {
  await Promise.all(opened.map(i => i.dispose()));
});

function files(name: string): ModelFiles {
  const modelDir = path.join(REPO, name);
  const versionDir = path.join(modelDir, '1');
  return {
    modelName: name,
    version: 1,
    modelDir,
    versionDir,
    modelPath: path.join(versionDir, 'model.js'),
  };
}

async function open(
  name: string,
  backendOpts: JsBackendOptions = {},
  parameters: Record<string, string> = {},
): Promise<ModelInstance & { restarts: number }> {
  const params = Object.fromEntries(
    Object.entries(parameters).map(([k, v]) => [k, { string_value: v }]),
  );
  const config = ModelConfigSchema.parse({ name, backend: 'js', parameters: params });
  const inst = await createJsBackend(backendOpts).createInstance(config, files(name), {
    signal: never,
    index: 0,
    instanceCount: 1,
    device: { kind: 'CPU' },
  });
  opened.push(inst);
  return inst as ModelInstance & { restarts: number };
}

const mode = (v: number): TensorMap =>
  new Map([['MODE', { datatype: 'INT32', shape: [1], data: Int32Array.of(v) }]]);
const out = (t: TensorMap) => Array.from(t.get('OUT')!.data as Int32Array);

async function failure(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    if (isEngineError(e)) return { code: e.code, message: e.message };
    throw e;
  }
  throw new Error('expected a failure');
}

/** Waits, turn by turn of the event loop, until `cond` holds; fails if it never does. */
async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (cond()) return;
    await new Promise(r => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}

describe('heap limit', () => {
  it('fails a request that exhausts the heap parameter max_heap_mb quickly, and replaces the worker', async () => {
    const inst = await open('hog', {}, { max_heap_mb: '32' });
    const f = await failure(inst.execute(mode(1), { signal: never }));
    expect(f.code).toBe('INTERNAL');
    expect(f.message).toMatch(
      /model 'hog': its worker ran out of memory \(heap limit 32 MB: parameter max_heap_mb or --backend-config js,max-heap-mb\) while executing this request; a new worker is being started/,
    );
    expect(out(await inst.execute(mode(0), { signal: never }))).toEqual([1]);
    expect(inst.restarts).toBe(1);
  });

  it('takes the serve-wide default when the config sets none', async () => {
    const inst = await open('hog', { maxHeapMb: 32 });
    expect((await failure(inst.execute(mode(1), { signal: never }))).message).toMatch(
      /ran out of memory \(heap limit 32 MB/,
    );
  });

  it('refuses a max_heap_mb that is not a positive whole number, naming the parameter', async () => {
    const f = await failure(open('hog', {}, { max_heap_mb: '-5' }));
    expect(f).toEqual({
      code: 'INVALID_ARG',
      message:
        "model 'hog': parameter max_heap_mb must be a positive whole number of megabytes, found '-5'",
    });
  });
});

describe('execute timeout', () => {
  it('stops a looping execute after the default 30 s, fails it UNAVAILABLE and serves the next request', async () => {
    const clock = new SimulatedClock();
    const inst = await open('faulty', { clock });
    await inst.execute(mode(0), { signal: never });
    const run = failure(inst.execute(mode(3), { signal: never }));
    await until(() => clock.pendingTimers > 0, 'the execute timer is armed');
    clock.advance(29_999);
    expect(inst.restarts).toBe(0);
    clock.advance(1);
    const f = await run;
    expect(f.code).toBe('UNAVAILABLE');
    expect(f.message).toMatch(
      /model 'faulty': execute\(\) did not finish within 30000 ms \(parameter execute_timeout_ms\); its worker was stopped and is being replaced/,
    );
    expect(out(await inst.execute(mode(0), { signal: never }))).toEqual([1]);
    expect(inst.restarts).toBe(1);
  });

  it('takes the serve-wide default, and the parameter over it; 0 never stops a call', async () => {
    const clock = new SimulatedClock();
    const serveWide = await open('faulty', { clock, executeTimeoutMs: 50 });
    const run = failure(serveWide.execute(mode(3), { signal: never }));
    await until(() => clock.pendingTimers > 0, 'the execute timer is armed');
    clock.advance(50);
    expect((await run).message).toMatch(/within 50 ms/);
    const off = await open('faulty', { clock, executeTimeoutMs: 50 }, { execute_timeout_ms: '0' });
    expect(out(await off.execute(mode(0), { signal: never }))).toEqual([1]);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('cancellation', () => {
  it('stops a worker stuck in a cancelled request after the grace period and serves the next request', async () => {
    const clock = new SimulatedClock();
    const inst = await open('faulty', { clock, cancelGraceMs: 200 });
    const cancel = new AbortController();
    const run = failure(inst.execute(mode(3), { signal: cancel.signal }));
    await until(() => clock.pendingTimers > 0, 'the execute timer is armed');
    cancel.abort();
    clock.advance(199);
    expect(inst.restarts).toBe(0);
    clock.advance(1);
    const f = await run;
    expect(f.code).toBe('CANCELLED');
    expect(f.message).toMatch(
      /model 'faulty': request cancelled while executing; execute\(\) did not return within 200 ms, so its worker was stopped and is being replaced/,
    );
    expect(out(await inst.execute(mode(0), { signal: never }))).toEqual([1]);
    expect(inst.restarts).toBe(1);
  });

  it('keeps the worker when a cancelled call returns within the grace period', async () => {
    const clock = new SimulatedClock();
    const inst = await open('faulty', { clock, cancelGraceMs: 200 });
    const cancel = new AbortController();
    const run = inst.execute(mode(0), { signal: cancel.signal });
    await until(() => clock.pendingTimers > 0, 'the execute timer is armed');
    cancel.abort();
    expect(out(await run)).toEqual([1]);
    expect(out(await inst.execute(mode(0), { signal: never }))).toEqual([2]);
    expect(inst.restarts).toBe(0);
    expect(clock.pendingTimers).toBe(0);
  });

  it('reaches the worker from a request cancelled through the engine', async () => {
    const clock = new SimulatedClock();
    const backends = [createJsBackend({ clock, cancelGraceMs: 100 })];
    const engine = await createEngine({
      modelRepository: REPO,
      backends,
      clock,
      controlMode: 'explicit',
      loadModels: ['faulty'],
    });
    cleanups.push(() => engine.shutdown());
    const cancel = new AbortController();
    const run = failure(
      engine.infer({ modelName: 'faulty', inputs: mode(3), signal: cancel.signal }),
    );
    await until(() => clock.pendingTimers > 0, 'the execute timer is armed');
    cancel.abort();
    clock.advance(100);
    expect((await run).code).toBe('CANCELLED');
    const next = await engine.infer({ modelName: 'faulty', inputs: mode(0) });
    expect(out(next.outputs)).toEqual([1]);
  });
});
