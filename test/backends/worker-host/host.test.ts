import { afterEach, describe, expect, it } from 'vitest';
import { WorkerHost } from '../../../backends/worker-host/host.js';
import type { ComputeMark } from '../../../engine/core/backend.js';
import { SimulatedClock } from '../../../engine/core/clock.js';
import { noopLogger } from '../../../engine/core/logger.js';
import type { TensorMap } from '../../../engine/core/tensor.js';
import type { Probe } from './host-harness.js';
import { counted, failure, probeInputs, startProbe, until } from './host-harness.js';
import { SLOT } from './probe-protocol.js';

const started: Probe[] = [];
afterEach(async () => {
  await Promise.all(started.splice(0).map(p => p.host.dispose()));
});

async function probe(...args: Parameters<typeof startProbe>): Promise<Probe> {
  const p = await startProbe(...args);
  started.push(p);
  return p;
}

describe('calls', () => {
  it('answers, leaving the caller its inputs, and marks input end and output start in order', async () => {
    const p = await probe();
    const body = Int32Array.of(9, 1, 2, 3, 9);
    const inputs: TensorMap = new Map([
      ['x', { datatype: 'INT32', shape: [3], data: body.subarray(1, 4) }],
    ]);
    const marks: ComputeMark[] = [];
    const out = await p.run('echo', { mark: m => marks.push(m) }, inputs);
    expect(Array.from(out.get('x')!.data as Int32Array)).toEqual([1, 2, 3]);
    expect(Array.from(body)).toEqual([9, 1, 2, 3, 9]);
    expect(marks).toEqual(['COMPUTE_INPUT_END', 'COMPUTE_OUTPUT_START']);
  });

  // issue #17: a tensor the caller gave up is moved, not copied; one it kept is never touched
  it('moves the inputs named in movable into the worker and copies the rest', async () => {
    const p = await probe();
    const given = Int32Array.of(1, 2, 3);
    const kept = Int32Array.of(4, 5, 6);
    const inputs: TensorMap = new Map([
      ['x', { datatype: 'INT32', shape: [3], data: given }],
      ['y', { datatype: 'INT32', shape: [3], data: kept }],
    ]);
    const out = await p.run('echo', { movable: new Set(['x']) }, inputs);
    expect(Array.from(out.get('x')!.data as Int32Array)).toEqual([1, 2, 3]);
    expect(Array.from(out.get('y')!.data as Int32Array)).toEqual([4, 5, 6]);
    expect([given.length, Array.from(kept)]).toEqual([0, [4, 5, 6]]);
  });

  it('refuses a second call while one is in flight; the first completes', async () => {
    const p = await probe();
    const first = p.run('gate');
    const second = await failure(p.run('echo'));
    expect(second).toMatchObject({
      code: 'INTERNAL',
      message: "model 'probe': the instance was called during another call; it runs one at a time",
    });
    p.openGate();
    expect((await first).size).toBe(1);
    expect(p.flags[SLOT.runs]).toBe(1);
  });

  it('fails CANCELLED before anything runs when the signal is already aborted', async () => {
    const p = await probe();
    const e = await failure(p.run('echo', { signal: AbortSignal.abort() }));
    expect(e).toMatchObject({
      code: 'CANCELLED',
      message: "model 'probe': request cancelled before execution",
    });
    await p.run('echo');
    expect(p.flags[SLOT.runs]).toBe(1);
  });

  it('passes a failed reply to the caller and keeps the worker', async () => {
    const p = await probe();
    expect(await failure(p.run('fail'))).toMatchObject({
      code: 'INVALID_ARG',
      message: 'the probe refuses these inputs',
    });
    await p.run('echo');
    expect([p.flags[SLOT.inits], p.host.restarts]).toEqual([1, 0]);
  });
});

describe('start and dispose', () => {
  it('fails the start with the error init reports, or INTERNAL when the worker dies first, and restarts nothing', async () => {
    await expect(startProbe({}, 2)).rejects.toMatchObject({
      code: 'INVALID_ARG',
      message: 'the probe refuses to start',
    });
    const p = startProbe({}, 1);
    const e = await failure(p);
    expect(e).toMatchObject({
      code: 'INTERNAL',
      message: "model 'probe': its worker thread crashed (the thread exited with code 9)",
    });
  });

  it('fails with INTERNAL naming the model when the thread cannot start', async () => {
    const e = await failure(startProbe({ script: new URL('https://example.com/worker.js') }));
    expect(e.code).toBe('INTERNAL');
    expect(e.message).toMatch(/^model 'probe': cannot start a worker thread: /);
  });

  it('finalizes once on dispose, which is idempotent, and is UNAVAILABLE afterwards', async () => {
    const p = await probe();
    await Promise.all([p.host.dispose(), p.host.dispose()]);
    await p.host.dispose();
    expect(p.flags[SLOT.finalizes]).toBe(1);
    expect(await failure(p.run('echo'))).toMatchObject({
      code: 'UNAVAILABLE',
      message: "model 'probe': the instance is unloaded",
    });
  });

  it('lets a call in flight finish before finalizing', async () => {
    const p = await probe();
    const running = p.run('gate');
    await counted(p.flags, SLOT.runs, 1);
    const disposed = p.host.dispose();
    p.openGate();
    expect((await running).size).toBe(1);
    await disposed;
    expect(p.flags[SLOT.finalizes]).toBe(1);
  });

  it('stops a worker whose call in flight outlives the dispose grace', async () => {
    const p = await probe({ disposeGraceMs: 100 });
    const running = failure(p.run('loop'));
    await counted(p.flags, SLOT.runs, 1);
    const disposed = p.host.dispose();
    expect(p.clock.pendingTimers).toBe(1);
    p.clock.advance(100);
    await disposed;
    expect(await running).toMatchObject({
      code: 'INTERNAL',
      message: "model 'probe': the instance was disposed",
    });
    expect(p.flags[SLOT.finalizes]).toBe(0);
  });
});

describe('execute timeout and cancellation', () => {
  it('stops a call that outlives the timeout: UNAVAILABLE naming the setting; the next call runs on a new worker', async () => {
    const p = await probe({
      executeTimeoutMs: 500,
      timeoutSetting: 'parameter execute_timeout_ms',
    });
    const run = failure(p.run('loop'));
    await until(() => p.clock.pendingTimers > 0, 'the execute timer is armed');
    p.clock.advance(499);
    expect(p.host.restarts).toBe(0);
    p.clock.advance(1);
    expect(await run).toMatchObject({
      code: 'UNAVAILABLE',
      message:
        "model 'probe': execute() did not finish within 500 ms (parameter execute_timeout_ms); its worker was stopped and is being replaced",
    });
    expect((await p.run('echo')).size).toBe(1);
    expect([p.flags[SLOT.inits], p.host.restarts]).toEqual([2, 1]);
    expect(p.logger.lines.map(l => l.msg)).toEqual(['model worker stopped; starting a new one']);
  });

  it('arms no timer when there is neither a timeout nor a cancel grace', async () => {
    const p = await probe();
    const run = p.run('gate');
    await counted(p.flags, SLOT.runs, 1);
    expect(p.clock.pendingTimers).toBe(0);
    p.openGate();
    await run;
  });

  it('stops a cancelled call that outlives the grace period: CANCELLED, and the worker is replaced', async () => {
    const p = await probe({ cancelGraceMs: 200 });
    const cancel = new AbortController();
    const run = failure(p.run('loop', { signal: cancel.signal }));
    await counted(p.flags, SLOT.runs, 1);
    cancel.abort();
    p.clock.advance(199);
    expect(p.host.restarts).toBe(0);
    p.clock.advance(1);
    expect(await run).toMatchObject({
      code: 'CANCELLED',
      message:
        "model 'probe': request cancelled while executing; execute() did not return within 200 ms, so its worker was stopped and is being replaced",
    });
    expect((await p.run('echo')).size).toBe(1);
    expect(p.host.restarts).toBe(1);
  });

  it('keeps the worker and the result of a cancelled call that returns within the grace period', async () => {
    const p = await probe({ cancelGraceMs: 200 });
    const cancel = new AbortController();
    const run = p.run('gate', { signal: cancel.signal });
    await counted(p.flags, SLOT.runs, 1);
    cancel.abort();
    p.openGate();
    expect((await run).size).toBe(1);
    expect([p.host.restarts, p.clock.pendingTimers]).toEqual([0, 0]);
  });

  it('lets a cancelled call run to its end when no grace period is set', async () => {
    const p = await probe({ executeTimeoutMs: 0 });
    const cancel = new AbortController();
    const run = p.run('gate', { signal: cancel.signal });
    await counted(p.flags, SLOT.runs, 1);
    cancel.abort();
    expect(p.clock.pendingTimers).toBe(0);
    p.openGate();
    expect((await run).size).toBe(1);
  });
});

describe('restarts', () => {
  it('fails the call in flight when its worker dies, and serves the next call on a new one', async () => {
    const p = await probe();
    const e = await failure(p.run('exit'));
    expect(e).toMatchObject({
      code: 'INTERNAL',
      message:
        "model 'probe': its worker thread crashed (the thread exited with code 7) while executing this request; a new worker is being started",
    });
    expect((await p.run('echo')).size).toBe(1);
    expect([p.flags[SLOT.inits], p.host.restarts]).toEqual([2, 1]);
  });

  it('replaces a worker that dies between calls at once', async () => {
    const p = await probe();
    const died = p.logger.next('model worker died');
    await p.run('crash-later');
    await died;
    expect(p.logger.lines[0]?.fields).toMatchObject({
      model: 'probe',
      reason: 'its worker thread crashed (uncaught Error: late failure)',
      restarts: 1,
    });
    await counted(p.flags, SLOT.inits, 2);
    expect((await p.run('echo')).size).toBe(1);
  });

  it('tries a replacement that failed to start once per call, and recovers when it starts again', async () => {
    const p = await probe();
    Atomics.store(p.flags, SLOT.initMode, 1);
    await failure(p.run('exit'));
    const down = await failure(p.run('echo'));
    expect(down.code).toBe('UNAVAILABLE');
    expect(down.message).toBe(
      "model 'probe': its worker thread crashed (the thread exited with code 9); its worker could not be restarted, and is tried again at the next request",
    );
    const before = p.host.restarts;
    expect((await failure(p.run('echo'))).code).toBe('UNAVAILABLE');
    expect(p.host.restarts).toBe(before + 1);
    Atomics.store(p.flags, SLOT.initMode, 0);
    expect((await p.run('echo')).size).toBe(1);
    expect(p.host.restarts).toBe(before + 2);
  });
});

describe('heap limit', () => {
  it('names the limit and where it is set when a worker runs out of it', async () => {
    const host = await WorkerHost.start({
      model: 'hog',
      script: new URL('./probe-worker.ts', import.meta.url),
      threadName: 'hog',
      clock: new SimulatedClock(),
      logger: noopLogger,
      callName: 'execute()',
      executeTimeoutMs: 0,
      maxHeapMb: 16,
      heapSetting: 'parameter max_heap_mb',
      init: async () => undefined,
    });
    try {
      const e = await failure(
        host.execute(probeInputs(), { signal: new AbortController().signal }, () => ({
          type: 'hog',
        })),
      );
      expect(e.message).toBe(
        "model 'hog': its worker ran out of memory (heap limit 16 MB: parameter max_heap_mb) while executing this request; a new worker is being started",
      );
    } finally {
      await host.dispose();
    }
  });
});
