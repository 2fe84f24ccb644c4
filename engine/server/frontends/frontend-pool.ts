/**
 * @module HTTP on more than one core (`--http-thread-count`): frontend threads that each accept
 * on their own duplicate of one listening socket, parse HTTP and run the infer codec, in front
 * of the one engine on this thread, so batching stays global across all of them.
 */
import { Worker } from 'node:worker_threads';
import { EngineError } from '../../core/errors.js';
import type { LoggingControl } from '../../core/settings-control.js';
import { DEFAULT_CLOSE_GRACE_MS } from '../listen.js';
import type { HttpServerHandle, ListenOptions } from '../listen.js';
import type { Restrictions } from '../restricted-api.js';
import { dupListener } from './dup-listener.js';
import { EngineSide } from './engine-side.js';
import type { EngineSideOptions } from './engine-side.js';
import type { FrontendData, ToEngine, ToFrontend } from './protocol.js';

/** Options of {@link startFrontends}. */
export interface FrontendsOptions
  extends Omit<ListenOptions, 'fd' | 'clock'>, Omit<EngineSideOptions, 'loggingChanged'> {
  /** How many frontend threads; at least 2 (one is the plain `listen`). */
  readonly threads: number;
  readonly maxInputSize: number;
  readonly restrictedApis?: Restrictions;
  readonly logging?: LoggingControl;
  /** Whether a request could be traced now; absent: never. */
  readonly tracingOn?: () => boolean;
}

/** Frontend threads serving one port. */
export interface FrontendsHandle extends HttpServerHandle {
  /** Starts refusing new inference requests on every thread (the drain's first step). */
  drain(): void;
}

/**
 * Binds the port, starts `threads` frontend threads on it and resolves once all accept.
 *
 * @example
 * const http = await startFrontends({ threads: 4, port: 8000, app, engine, logger, maxInputSize });
 */
export async function startFrontends(opts: FrontendsOptions): Promise<FrontendsHandle> {
  const host = opts.host ?? '0.0.0.0';
  const { port, fds } = await dupListener({ port: opts.port, host, count: opts.threads });
  const threads = fds.map(fd => new FrontendThread(fd, host, opts, () => broadcast()));
  const broadcast = (): void => {
    const settings = opts.logging?.get();
    const on = opts.tracingOn?.() ?? false;
    for (const t of threads) {
      if (settings) t.post({ t: 'logging', settings });
      t.post({ t: 'tracing', on });
    }
  };
  await Promise.all(threads.map(t => t.listening));
  let closing: Promise<void> | undefined;
  return {
    port,
    host,
    drain: () => threads.forEach(t => t.post({ t: 'drain' })),
    settled: async () => void (await Promise.all(threads.map(t => t.settled()))),
    close: graceMs => (closing ??= Promise.all(threads.map(t => t.close(graceMs))).then(() => {})),
  };
}

/** One frontend thread and the engine side serving it. */
class FrontendThread {
  readonly listening: Promise<void>;
  readonly #worker: Worker;
  readonly #side: EngineSide;
  readonly #waits = new Map<number, () => void>();
  #seq = 0;
  #closed: (() => void) | undefined;
  readonly #exited: Promise<void>;

  constructor(fd: number, host: string, opts: FrontendsOptions, settingsChanged: () => void) {
    this.#worker = new Worker(new URL('./frontend-thread.js', import.meta.url), {
      workerData: frontendData(fd, host, opts),
    });
    this.#side = new EngineSide(this.#worker, { ...opts, settingsChanged });
    const logger = opts.logger.child({ component: 'http', thread: this.#worker.threadId });
    this.#exited = new Promise(resolve => this.#worker.once('exit', () => resolve()));
    this.listening = new Promise((resolve, reject) => {
      this.#worker.on('message', (msg: ToEngine) => {
        if (msg.t === 'listening') resolve();
        else if (msg.t === 'settled') this.#waits.get(msg.seq)?.();
        else if (msg.t === 'closed') this.#closed?.();
        else this.#side.receive(msg);
      });
      this.#worker.once('error', e => {
        logger.log('error', 'HTTP frontend thread failed', { error: String(e) });
        reject(new EngineError('INTERNAL', `HTTP frontend thread failed: ${String(e)}`));
      });
      this.#worker.once('exit', () => {
        this.#side.abandon();
        reject(new EngineError('INTERNAL', 'HTTP frontend thread exited before listening'));
      });
    });
  }

  post(msg: ToFrontend): void {
    this.#worker.postMessage(msg);
  }

  settled(): Promise<void> {
    const seq = ++this.#seq;
    return new Promise(resolve => {
      this.#waits.set(seq, () => {
        this.#waits.delete(seq);
        resolve();
      });
      this.post({ t: 'settled', seq });
    });
  }

  /** Closes the thread's server within `graceMs`, then ends the thread. */
  async close(graceMs?: number): Promise<void> {
    const closed = new Promise<void>(resolve => (this.#closed = resolve));
    this.post({ t: 'close', graceMs: graceMs ?? DEFAULT_CLOSE_GRACE_MS });
    await Promise.race([closed, this.#exited]);
    await this.#worker.terminate();
  }
}

function frontendData(fd: number, host: string, opts: FrontendsOptions): FrontendData {
  return {
    fd,
    host,
    maxInputSize: opts.maxInputSize,
    metrics: opts.metrics !== undefined,
    tracing: opts.tracer !== undefined && (opts.tracingOn?.() ?? false),
    ...(opts.headersTimeoutMs === undefined ? {} : { headersTimeoutMs: opts.headersTimeoutMs }),
    ...(opts.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: opts.requestTimeoutMs }),
    ...(opts.tls ? { tls: opts.tls } : {}),
    ...(opts.restrictedApis ? { restrictedApis: opts.restrictedApis } : {}),
    ...(opts.logging ? { logging: opts.logging.get() } : {}),
  };
}
