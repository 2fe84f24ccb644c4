/**
 * The Scheduler contract (engine/core/scheduler.ts) as one suite, run against every
 * implementation as hono runs `runTest({ newRouter })` against every router: the queue
 * scheduler (test/engine/scheduling/queue-scheduler.contract.test.ts) and the pipeline
 * scheduler (test/pipelines/scheduler.contract.test.ts). No timing: executions wait on a
 * {@link Gate} the test opens.
 */
import { describe, expect, it } from 'vitest';
import type { InferResponse } from '../../../engine/core/request.js';
import type { ScheduledRequest, Scheduler } from '../../../engine/core/scheduler.js';
import type { TensorMap } from '../../../engine/core/tensor.js';

/** Holds executions until opened; open, it lets every execution through at once. */
export class Gate {
  #open = true;
  #waiting: (() => void)[] = [];

  /** Resolves when the gate is (or next becomes) open. */
  pass(): Promise<void> {
    if (this.#open) return Promise.resolve();
    return new Promise(resolve => this.#waiting.push(resolve));
  }

  hold(): void {
    this.#open = false;
  }

  open(): void {
    this.#open = true;
    for (const release of this.#waiting.splice(0)) release();
  }

  /** Executions waiting now. */
  get waiting(): number {
    return this.#waiting.length;
  }
}

/** One scheduler made for one test, with what the suite needs to drive it. */
export interface SchedulerUnderTest {
  readonly scheduler: Scheduler;
  /** Every execution of the scheduler's passes through it. */
  readonly gate: Gate;
  /** The version the scheduler answers for. */
  readonly model: { readonly name: string; readonly version: string };
  /** A request it accepts (a new object on every call), with `extra` merged in. */
  request(extra?: Partial<ScheduledRequest>): ScheduledRequest;
  /** What {@link request} is answered with. */
  readonly expected: TensorMap;
  /** What the scheduler recorded in the ExecutionStats it was made with. */
  recorded(): { readonly executions: number; readonly inferences: number };
}

/** Options of {@link runSchedulerContract}. */
export interface SchedulerContractOptions {
  readonly newScheduler: () => Promise<SchedulerUnderTest>;
}

/** Lets queued callbacks run (a scheduler decides in a microtask; executions hop through promises). */
async function turns(n = 5): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise<void>(resolve => setImmediate(resolve));
}

function observe<T>(p: Promise<T>): { settled: boolean; value?: T; error?: unknown } {
  const state: { settled: boolean; value?: T; error?: unknown } = { settled: false };
  p.then(
    value => Object.assign(state, { settled: true, value }),
    (error: unknown) => Object.assign(state, { settled: true, error }),
  );
  return state;
}

/**
 * Declares the contract's tests for the schedulers `newScheduler` makes.
 *
 * @example
 * runSchedulerContract({ newScheduler: async () => ({ scheduler, gate, model, request, expected, recorded }) });
 */
export function runSchedulerContract({ newScheduler }: SchedulerContractOptions): void {
  describe('the Scheduler contract', () => {
    it('run resolves with the outputs, the version that answered and the request id', async () => {
      const s = await newScheduler();
      const res: InferResponse = await s.scheduler.run(s.request({ id: 'r-1' }));
      expect(res).toMatchObject({
        id: 'r-1',
        modelName: s.model.name,
        modelVersion: s.model.version,
      });
      expect(res.outputs).toEqual(s.expected);
      expect(await s.scheduler.run(s.request())).not.toHaveProperty('id');
      await s.scheduler.stop();
    });

    it('rejects with CANCELLED a request whose signal is already aborted, and runs nothing', async () => {
      const s = await newScheduler();
      const client = new AbortController();
      client.abort();
      await expect(s.scheduler.run(s.request({ signal: client.signal }))).rejects.toMatchObject({
        code: 'CANCELLED',
      });
      expect(s.recorded().executions).toBe(0);
      expect(s.scheduler.stats().inflight).toBe(0);
      await s.scheduler.stop();
    });

    it('lets accepted requests finish once stopped, and rejects later ones with UNAVAILABLE', async () => {
      const s = await newScheduler();
      s.gate.hold();
      const accepted = observe(s.scheduler.run(s.request()));
      await turns();
      const stopped = observe(s.scheduler.stop());
      await expect(s.scheduler.run(s.request())).rejects.toMatchObject({ code: 'UNAVAILABLE' });
      await turns();
      expect(accepted.settled).toBe(false);
      expect(stopped.settled).toBe(false);
      s.gate.open();
      await s.scheduler.stop();
      expect(accepted.error).toBeUndefined();
      expect((accepted.value as InferResponse).outputs).toEqual(s.expected);
    });

    it('stop is idempotent: every call returns the same promise', async () => {
      const s = await newScheduler();
      const first = s.scheduler.stop();
      expect(s.scheduler.stop()).toBe(first);
      await first;
      expect(s.scheduler.stop()).toBe(first);
    });

    it('stats count the requests in flight, and each execution is recorded', async () => {
      const s = await newScheduler();
      expect(s.scheduler.stats()).toMatchObject({ pending: 0, inflight: 0 });
      s.gate.hold();
      const running = s.scheduler.run(s.request());
      expect(s.scheduler.stats().inflight).toBe(1);
      await turns();
      expect(s.gate.waiting).toBe(1);
      expect(s.recorded().executions).toBe(0);
      s.gate.open();
      await running;
      expect(s.scheduler.stats()).toMatchObject({ pending: 0, inflight: 0 });
      expect(s.recorded()).toEqual({ executions: 1, inferences: 1 });
      await s.scheduler.run(s.request());
      expect(s.recorded()).toEqual({ executions: 2, inferences: 2 });
      await s.scheduler.stop();
    });
  });
}
