/**
 * Timers that fire within about a hundred microseconds of their deadline, for the waits that
 * are shorter than Node's timer granularity (a batching delay of 500 µs would otherwise cost a
 * millisecond or more: libuv timers have 1 ms resolution and fire on the next loop turn).
 *
 * One helper thread sleeps in `Atomics.wait` (which takes a fractional timeout and sleeps in
 * the kernel, so nothing spins while idle) until the earliest deadline, then posts a message
 * that wakes the event loop. The main thread keeps the timers; the helper only knows the
 * earliest deadline, written into shared memory with a generation counter that wakes it when
 * the deadline moves.
 *
 * @module
 */
import { Worker } from 'node:worker_threads';

/** Index of the generation counter (Int32) and the deadline (Float64) in the shared buffer. */
const GEN = 0;
const DEADLINE_OFFSET = 8;
const DUE_SLACK_MS = 0.02;

// CommonJS source run with `eval: true`, so it needs no loader (tsx or not) to start.
const SLEEPER = `
const { workerData, parentPort } = require('node:worker_threads');
const gen = new Int32Array(workerData, 0, 1);
const deadline = new Float64Array(workerData, ${DEADLINE_OFFSET}, 1);
const now = () => performance.timeOrigin + performance.now();
for (;;) {
  const g = Atomics.load(gen, ${GEN});
  const at = deadline[0];
  const left = at - now();
  if (left <= 0) {
    parentPort.postMessage(g);
    Atomics.wait(gen, ${GEN}, g);
  } else {
    Atomics.wait(gen, ${GEN}, g, Number.isFinite(left) ? left : undefined);
  }
}
`;

interface Entry {
  readonly at: number;
  readonly fn: () => void;
}

/** Absolute time in ms, comparable across threads (each thread has its own timeOrigin). */
function absoluteNow(): number {
  return performance.timeOrigin + performance.now();
}

/**
 * A set of precise timers served by one sleeping helper thread.
 *
 * @example
 * const timers = new PreciseTimers();
 * const h = timers.set(() => flush(), 0.5); // fires ~500 µs from now
 * timers.clear(h);
 */
export class PreciseTimers {
  #entries = new Set<Entry>();
  #shared = new SharedArrayBuffer(16);
  #gen = new Int32Array(this.#shared, 0, 1);
  #deadline = new Float64Array(this.#shared, DEADLINE_OFFSET, 1);
  #worker: Worker | undefined;
  #online = false;
  #broken = false;
  readonly #now: () => number;

  /** @param now - absolute time in ms comparable across threads; a seam for tests */
  constructor(now: () => number = absoluteNow) {
    this.#now = now;
    this.#deadline[0] = Infinity;
  }

  /** Runs `fn` once `ms` (fractional) have passed. */
  set(fn: () => void, ms: number): object {
    const entry: Entry = { at: this.#now() + Math.max(0, ms), fn };
    this.#entries.add(entry);
    if (entry.at < (this.#deadline[0] ?? Infinity)) this.#arm(entry.at);
    // The helper takes tens of milliseconds to boot (more on a busy machine): until it is up,
    // a Node timer stands in so the first waits are no later than they were without it.
    if (!this.#online) setTimeout(() => this.#fire(), ms).unref();
    return entry;
  }

  /** Cancels a timer; unknown or fired handles are ignored. */
  clear(handle: object): void {
    // The helper may still wake for it: #fire then finds nothing due and re-arms, which is
    // cheaper than re-arming on every clear (timers are mostly cleared by an earlier pump).
    this.#entries.delete(handle as Entry);
  }

  /** Number of timers not yet fired (for tests). */
  get pending(): number {
    return this.#entries.size;
  }

  #arm(at: number): void {
    this.#deadline[0] = at;
    Atomics.add(this.#gen, GEN, 1);
    Atomics.notify(this.#gen, GEN);
    if (!this.#broken) this.#ensureWorker();
  }

  #ensureWorker(): void {
    if (this.#worker) return;
    const worker = new Worker(SLEEPER, { eval: true, workerData: this.#shared });
    worker.on('online', () => (this.#online = true));
    worker.on('message', () => this.#fire());
    worker.on('error', () => {
      // Without the helper, fall back to Node's timers so no timer is lost.
      this.#broken = true;
      this.#worker = undefined;
      this.#online = false;
      for (const e of this.#entries) setTimeout(() => this.#fire(), e.at - this.#now()).unref();
    });
    // After the listeners: adding a 'message' listener refs the worker's port again, and a
    // ref'd helper would keep a process alive that has nothing else left to do.
    worker.unref();
    this.#worker = worker;
  }

  #fire(): void {
    // The helper's clock and ours agree to a few microseconds; the slack keeps a timer that is
    // due by its clock from bouncing back to it.
    const now = this.#now() + DUE_SLACK_MS;
    const due: Entry[] = [];
    let next = Infinity;
    for (const e of this.#entries) {
      if (e.at <= now) due.push(e);
      else if (e.at < next) next = e.at;
    }
    for (const e of due) this.#entries.delete(e);
    this.#arm(next);
    due.sort((a, b) => a.at - b.at);
    for (const e of due) e.fn();
  }
}
