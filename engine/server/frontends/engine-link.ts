/**
 * @module A frontend thread's side of the link to the engine thread: infer calls with their
 * cancellation, forwarded requests with their (possibly streamed) answers, and notes (request
 * counts, log lines, spans) sent in batches once per event-loop turn.
 */
import type { MessagePort } from 'node:worker_threads';
import type { CancelSignal } from '../../core/cancel.js';
import type { InferRequest, InferResponse } from '../../core/request.js';
import type { Note, SpanPart, ToEngine, ToFrontend, WireFetch } from './protocol.js';
import { fromWire, movableBuffers, toWire } from './wire.js';

interface PendingInfer {
  resolve(res: InferResponse): void;
  reject(e: Error): void;
}

/** The head of a forwarded request's answer; `body` is fed by later messages. */
export interface ForwardedAnswer {
  readonly status: number;
  readonly headers: readonly (readonly [string, string])[];
  readonly body: ReadableStream<Uint8Array> | Uint8Array | null;
}

interface PendingFetch {
  resolve(answer: ForwardedAnswer): void;
  reject(e: Error): void;
  stream?: ReadableStreamDefaultController<Uint8Array>;
}

/** Messages from the engine thread this link does not answer itself (drain, close, ...). */
export type ControlMessage = Extract<
  ToFrontend,
  { t: 'drain' } | { t: 'logging' } | { t: 'tracing' } | { t: 'settled' } | { t: 'close' }
>;

/** The frontend thread's end of the link to the engine thread. */
export class EngineLink {
  readonly #port: MessagePort;
  #next = 1;
  readonly #infers = new Map<number, PendingInfer>();
  readonly #fetches = new Map<number, PendingFetch>();
  #notes: Note[] = [];

  constructor(port: MessagePort, onControl: (msg: ControlMessage) => void) {
    this.#port = port;
    port.on('message', (msg: ToFrontend) => this.#receive(msg, onControl));
  }

  send(msg: ToEngine): void {
    this.#port.postMessage(msg);
  }

  /** Runs `request` on the engine thread; its signal's abort is sent along as a cancel. */
  infer(request: InferRequest, span?: () => SpanPart): Promise<InferResponse> {
    const id = this.#next++;
    const { signal, movableInputs: _moved, ...wire } = request;
    return new Promise<InferResponse>((resolve, reject) => {
      const onAbort = (): void =>
        this.send({ t: 'cancel', id, error: toWire(signal?.reason ?? 'cancelled') });
      this.#infers.set(id, {
        resolve: res => {
          signal?.removeEventListener('abort', onAbort);
          resolve(res);
        },
        reject: e => {
          signal?.removeEventListener('abort', onAbort);
          reject(e);
        },
      });
      // The span's opening, queued as a note, must reach the engine thread before this call.
      if (span) this.#flush();
      const record = span?.();
      this.#port.postMessage(
        { t: 'infer', id, request: wire, ...(record ? { span: record } : {}) },
        movableBuffers(request.inputs),
      );
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Hands a whole request to the engine thread's app and resolves with its answer's head. */
  fetch(request: WireFetch, signal: CancelSignal | undefined): Promise<ForwardedAnswer> {
    const id = this.#next++;
    return new Promise<ForwardedAnswer>((resolve, reject) => {
      this.#fetches.set(id, { resolve, reject });
      this.#port.postMessage(
        { t: 'fetch', id, fetch: request },
        request.body ? [request.body] : [],
      );
      signal?.addEventListener('abort', () => this.#cancelFetch(id), { once: true });
    });
  }

  /**
   * Queues a note; the notes made in one run of microtasks go in one message. The message leaves
   * before the answer that follows them is written (node-server writes it in a later microtask),
   * so a client that saw its answer finds the request counted and its span open on the engine
   * thread, whichever thread serves its next request.
   */
  note(note: Note): void {
    if (this.#notes.length === 0) queueMicrotask(() => this.#flush());
    this.#notes.push(note);
  }

  #flush(): void {
    const notes = this.#notes;
    this.#notes = [];
    if (notes.length > 0) this.send({ t: 'notes', notes });
  }

  #cancelFetch(id: number): void {
    const pending = this.#fetches.get(id);
    if (!pending) return;
    this.#fetches.delete(id);
    this.send({ t: 'fetch-cancel', id });
    pending.stream?.error(new Error('the client went away'));
  }

  #receive(msg: ToFrontend, onControl: (msg: ControlMessage) => void): void {
    switch (msg.t) {
      case 'infer-ok':
      case 'infer-err': {
        const pending = this.#infers.get(msg.id);
        this.#infers.delete(msg.id);
        if (msg.t === 'infer-ok') pending?.resolve(msg.response);
        else pending?.reject(fromWire(msg.error));
        return;
      }
      case 'fetch-head':
        return this.#head(msg);
      case 'fetch-chunk':
        this.#fetches.get(msg.id)?.stream?.enqueue(msg.chunk);
        return;
      case 'fetch-end':
        return this.#end(msg.id, msg.error === undefined ? undefined : fromWire(msg.error));
      default:
        onControl(msg);
    }
  }

  #head(msg: Extract<ToFrontend, { t: 'fetch-head' }>): void {
    const pending = this.#fetches.get(msg.id);
    if (!pending) return;
    let body: ForwardedAnswer['body'] = msg.body ?? null;
    if (msg.streamed) {
      body = new ReadableStream<Uint8Array>({
        start: controller => {
          pending.stream = controller;
        },
        // The client went away mid-stream: the engine thread stops producing.
        cancel: () => this.#cancelFetch(msg.id),
      });
    } else this.#fetches.delete(msg.id);
    pending.resolve({ status: msg.status, headers: msg.headers, body });
  }

  #end(id: number, error: Error | undefined): void {
    const pending = this.#fetches.get(id);
    if (!pending) return;
    this.#fetches.delete(id);
    if (!error) pending.stream?.close();
    else if (pending.stream) pending.stream.error(error);
    else pending.reject(error);
  }
}
