/**
 * @module The engine thread's side of one frontend thread: runs its infer calls (cancelled when
 * it says the client left), serves its forwarded requests on the engine thread's app, and takes
 * its notes: request counts, log lines, and spans, replayed so the tracer here exports them.
 */
import type { Worker } from 'node:worker_threads';
import { CancelSource } from '../../core/cancel.js';
import type { Logger } from '../../core/logger.js';
import type { InferenceMetrics } from '../../core/metrics.js';
import { NOOP_SPAN } from '../../core/tracing.js';
import type { RequestTracer, TraceSpan } from '../../core/tracing.js';
import type { InferenceEngine } from '../../runtime/types.js';
import type { BraidApp } from '../routing.js';
import type {
  Note,
  SpanOpen,
  SpanPart,
  ToEngine,
  ToFrontend,
  WireFetch,
  WireInferRequest,
} from './protocol.js';
import { fromWire, toWire } from './wire.js';

/** What the engine thread serves frontend threads with. */
export interface EngineSideOptions {
  readonly engine: InferenceEngine;
  /** The engine thread's app, which answers forwarded requests. */
  readonly app: BraidApp;
  readonly tracer?: RequestTracer;
  readonly metrics?: InferenceMetrics;
  readonly logger: Logger;
  /** Called after a forwarded request that may have changed the logging or trace settings. */
  readonly settingsChanged?: () => void;
}

/**
 * Epoch milliseconds to the tracer's clock, the system clock's `performance.now()`: both
 * threads share `timeOrigin + now`, while their own `now()` starts at each thread's birth.
 */
const toClock = (epochMs: number): number => epochMs - performance.timeOrigin;

/** The routes that change settings frontend threads keep a copy of. */
const SETTINGS_PATH = /^\/v2\/logging$|\/trace\/setting$/;

/** Serves one frontend thread. */
export class EngineSide {
  readonly #worker: Worker;
  readonly #opts: EngineSideOptions;
  readonly #infers = new Map<number, CancelSource>();
  readonly #fetches = new Map<number, { abort: AbortController; stop?: () => void }>();
  readonly #spans = new Map<number, TraceSpan>();

  constructor(worker: Worker, opts: EngineSideOptions) {
    this.#worker = worker;
    this.#opts = opts;
  }

  /** Handles a message of the frontend thread; the pool handles the rest. */
  receive(msg: ToEngine): void {
    switch (msg.t) {
      case 'infer':
        return void this.#infer(msg.id, msg.request, msg.span);
      case 'cancel':
        this.#infers.get(msg.id)?.abort(fromWire(msg.error));
        return;
      case 'fetch':
        return void this.#fetch(msg.id, msg.fetch);
      case 'fetch-cancel': {
        const f = this.#fetches.get(msg.id);
        f?.abort.abort();
        f?.stop?.();
        return;
      }
      case 'notes':
        for (const note of msg.notes) this.#note(note);
    }
  }

  /** The thread is gone: its requests' clients are gone too. */
  abandon(): void {
    for (const cancel of this.#infers.values()) cancel.abort(new Error('frontend thread exited'));
    for (const f of this.#fetches.values()) f.abort.abort();
    for (const span of this.#spans.values()) span.end();
    this.#spans.clear();
  }

  #post(msg: ToFrontend, transfer: ArrayBuffer[] = []): void {
    this.#worker.postMessage(msg, transfer);
  }

  async #infer(id: number, request: WireInferRequest, part?: SpanPart): Promise<void> {
    const signal = new CancelSource();
    this.#infers.set(id, signal);
    const span = (part && this.#spans.get(part.sid)) ?? NOOP_SPAN;
    if (part) replay(span, part);
    const { engine } = this.#opts;
    try {
      const response = await (span.recording
        ? engine.infer({ ...request, signal }, { trace: span })
        : engine.infer({ ...request, signal }));
      this.#post({ t: 'infer-ok', id, response });
    } catch (e) {
      this.#post({ t: 'infer-err', id, error: toWire(e) });
    } finally {
      this.#infers.delete(id);
    }
  }

  async #fetch(id: number, f: WireFetch): Promise<void> {
    const abort = new AbortController();
    const entry: { abort: AbortController; stop?: () => void } = { abort };
    this.#fetches.set(id, entry);
    try {
      const body = f.method === 'GET' || f.method === 'HEAD' ? undefined : f.body;
      const res = await this.#opts.app.fetch(
        new Request(f.url, {
          method: f.method,
          headers: f.headers.map(([k, v]) => [k, v]),
          signal: abort.signal,
          ...(body ? { body } : {}),
        }),
      );
      // New settings reach every frontend before this answer, so the client's next request,
      // whichever thread gets it, sees them.
      if (f.method === 'POST' && SETTINGS_PATH.test(new URL(f.url).pathname))
        this.#opts.settingsChanged?.();
      const head = { t: 'fetch-head', id, status: res.status, headers: [...res.headers] } as const;
      // No body is not an empty body: the answer keeps no Content-Type as on one loop.
      if (!res.body) return this.#post({ ...head, streamed: false });
      if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
        const bytes = new Uint8Array(await res.arrayBuffer());
        return this.#post({ ...head, body: bytes, streamed: false }, [bytes.buffer]);
      }
      this.#post({ ...head, streamed: true });
      await this.#pump(id, res.body, entry);
    } catch (e) {
      // Before the head the frontend answers the error; after it, the stream ends with it.
      this.#post({ t: 'fetch-end', id, error: toWire(e) });
    } finally {
      this.#fetches.delete(id);
    }
  }

  async #pump(
    id: number,
    body: ReadableStream<Uint8Array>,
    entry: { stop?: () => void },
  ): Promise<void> {
    const reader = body.getReader();
    entry.stop = () => void reader.cancel().catch(() => undefined);
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      this.#post({ t: 'fetch-chunk', id, chunk: value });
    }
    this.#post({ t: 'fetch-end', id });
  }

  #note(note: Note): void {
    if (note.k === 'http') this.#opts.metrics?.httpRequest(note.sample);
    else if (note.k === 'log') this.#opts.logger.log(note.level, note.msg, note.fields);
    else if (note.k === 'span-open') this.#open(note.open);
    else {
      const span = this.#spans.get(note.part.sid);
      this.#spans.delete(note.part.sid);
      if (span) replay(span, note.part).end(toClock(note.part.endAt ?? 0));
    }
  }

  /** Opens the real root span of a frontend's span now, sampled by the tracer here. */
  #open(open: SpanOpen): void {
    const span = this.#opts.tracer?.startRequest(open.name, {
      model: open.model,
      header: h => open.headers[h],
      startAt: toClock(open.startAt),
    });
    if (span?.recording) this.#spans.set(open.sid, span);
  }
}

function replay(span: TraceSpan, part: SpanPart): TraceSpan {
  if (!span.recording) return span;
  span.setAttributes(part.attributes);
  for (const [name, at, attributes] of part.events) span.event(name, toClock(at), attributes);
  if (part.failure) span.fail(fromWire(part.failure));
  return span;
}
