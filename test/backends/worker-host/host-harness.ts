/**
 * A {@link WorkerHost} around probe-worker.ts on a simulated clock, and helpers that wait on
 * events (log lines, armed timers) rather than on time.
 */
import { WorkerHost } from '../../../backends/worker-host/host.js';
import type { WorkerHostOptions } from '../../../backends/worker-host/host.js';
import { expectReply } from '../../../backends/worker-host/protocol.js';
import { fromWire } from '../../../backends/worker-host/wire.js';
import type { ExecuteOptions } from '../../../engine/core/backend.js';
import { SimulatedClock } from '../../../engine/core/clock.js';
import { EngineError, isEngineError } from '../../../engine/core/errors.js';
import type { LogFields, Logger, LogLevel } from '../../../engine/core/logger.js';
import { InMemoryLogger } from '../../../engine/core/logger.js';
import type { TensorMap } from '../../../engine/core/tensor.js';
import type { ProbeAct, ProbeReply, ProbeRequest } from './probe-protocol.js';
import { SLOT } from './probe-protocol.js';

export const PROBE = new URL('./probe-worker.ts', import.meta.url);

/** An in-memory logger that can also wait for a line. */
export class WaitingLogger extends InMemoryLogger {
  readonly #waiters: { readonly msg: string; readonly resolve: () => void }[] = [];

  override log(level: LogLevel, msg: string, fields?: LogFields): void {
    super.log(level, msg, fields);
    for (const w of this.#waiters.filter(x => msg.includes(x.msg))) {
      this.#waiters.splice(this.#waiters.indexOf(w), 1);
      w.resolve();
    }
  }

  override child(): Logger {
    return this;
  }

  /** Resolves at the next line that contains `msg`. */
  next(msg: string): Promise<void> {
    return new Promise(resolve => this.#waiters.push({ msg, resolve }));
  }
}

/** A started probe host and what a test reads and drives it with. */
export interface Probe {
  readonly host: WorkerHost<ProbeRequest, ProbeReply>;
  readonly clock: SimulatedClock;
  readonly logger: WaitingLogger;
  /** Counters the worker keeps (see SLOT); `initMode` and `gate` are set by the test. */
  readonly flags: Int32Array;
  run(act: ProbeAct, opts?: Partial<ExecuteOptions>, inputs?: TensorMap): Promise<TensorMap>;
  openGate(): void;
}

const failed = (e: { code?: EngineError['code']; message: string }) =>
  new EngineError(e.code ?? 'INTERNAL', e.message);

/** One INT32 input `x` = [1, 2, 3]. */
export const probeInputs = (): TensorMap =>
  new Map([['x', { datatype: 'INT32', shape: [3], data: Int32Array.of(1, 2, 3) }]]);

/** Starts a probe host; `initMode` is set before the first start. */
export async function startProbe(
  opts: Partial<WorkerHostOptions<ProbeRequest, ProbeReply>> = {},
  initMode = 0,
): Promise<Probe> {
  const shared = new SharedArrayBuffer(8 * 4);
  const flags = new Int32Array(shared);
  flags[SLOT.initMode] = initMode;
  const clock = new SimulatedClock();
  const logger = new WaitingLogger();
  const host = await WorkerHost.start<ProbeRequest, ProbeReply>({
    model: 'probe',
    script: PROBE,
    threadName: 'probe',
    clock,
    logger,
    callName: 'execute()',
    executeTimeoutMs: 0,
    init: async send => {
      expectReply('probe', await send({ type: 'init', flags: shared }), 'ready', failed);
    },
    finalize: { type: 'finalize' },
    ...opts,
  });
  const never = new AbortController().signal;
  return {
    host,
    clock,
    logger,
    flags,
    async run(act, o = {}, inputs = probeInputs()) {
      const reply = await host.execute(inputs, { signal: never, ...o }, tensors => ({
        type: 'run',
        act,
        inputs: tensors,
      }));
      return fromWire(expectReply('probe', reply, 'result', failed).outputs);
    },
    openGate() {
      Atomics.store(flags, SLOT.gate, 1);
      Atomics.notify(flags, SLOT.gate);
    },
  };
}

/** The EngineError a promise rejects with. */
export async function failure(p: Promise<unknown>): Promise<EngineError> {
  try {
    await p;
  } catch (e) {
    if (isEngineError(e)) return e;
    throw e;
  }
  throw new Error('expected a failure');
}

/** Waits, turn by turn of the event loop, until `cond` holds (for what follows in microtasks, such as an armed timer). */
export async function until(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 10_000; i++) {
    if (cond()) return;
    await new Promise(r => setImmediate(r));
  }
  throw new Error(`never happened: ${what}`);
}

// Node 20 has Atomics.waitAsync; the ES2023 library types do not.
const waitAsync = (
  Atomics as unknown as {
    waitAsync(a: Int32Array, i: number, v: number): { value: Promise<string> | string };
  }
).waitAsync;

/** Waits until another thread has counted `n` in `slot` (it notifies after each count), without polling. */
export async function counted(flags: Int32Array, slot: number, n: number): Promise<void> {
  for (let seen = Atomics.load(flags, slot); seen < n; seen = Atomics.load(flags, slot)) {
    await waitAsync(flags, slot, seen).value;
  }
}
