/**
 * @module The messages between a frontend thread (HTTP and the codec) and the engine thread.
 * Tensors travel as typed arrays, moved rather than copied where the sender owns them.
 */
import type { ErrorCode, FailureReason } from '../../core/errors.js';
import type { InferRequest, InferResponse } from '../../core/request.js';
import type { LogFields, LogLevel } from '../../core/logger.js';
import type { HttpRequestSample } from '../../core/metrics.js';
import type { LogSettings } from '../../core/settings-control.js';
import type { TraceAttributes } from '../../core/tracing.js';
import type { Restrictions } from '../restricted-api.js';
import type { ServerTls } from '../tls.js';

/** What a frontend thread starts with. */
export interface FrontendData {
  /** This thread's own duplicate of the listening socket's file descriptor. */
  readonly fd: number;
  readonly host: string;
  readonly maxInputSize: number;
  readonly headersTimeoutMs?: number;
  readonly requestTimeoutMs?: number;
  readonly tls?: ServerTls;
  readonly restrictedApis?: Restrictions;
  /** Present when the engine thread counts HTTP requests. */
  readonly metrics: boolean;
  /** The logging settings now, when `/v2/logging` is served. */
  readonly logging?: LogSettings;
  /** Whether a request could be traced now (some trace level is not OFF). */
  readonly tracing: boolean;
}

/** An error as it crosses threads; `code` is absent for errors that are not EngineErrors. */
export interface WireError {
  readonly code?: ErrorCode;
  readonly reason?: FailureReason;
  readonly message: string;
}

/** An event of a span recorded on a frontend thread; times are epoch milliseconds. */
export type SpanEvent = readonly [name: string, at: number, attributes?: TraceAttributes];

/**
 * The opening of a root span on a frontend thread, sent at once so that the engine thread's
 * tracer samples it when the request arrives: a request's spans stay one trace.
 */
export interface SpanOpen {
  /** The span's id on its frontend thread. */
  readonly sid: number;
  readonly name: string;
  readonly model: string;
  /** The W3C trace context headers the client sent. */
  readonly headers: Readonly<Record<string, string>>;
  readonly startAt: number;
}

/** What a frontend recorded on a span since it last sent any; times are epoch milliseconds. */
export interface SpanPart {
  readonly sid: number;
  readonly attributes: TraceAttributes;
  readonly events: readonly SpanEvent[];
  readonly failure?: WireError;
  /** Set on the last part: the span ends. */
  readonly endAt?: number;
}

/** An infer request without its signal, which becomes a `cancel` message. */
export type WireInferRequest = Omit<InferRequest, 'signal' | 'movableInputs'>;

/** A request forwarded whole to the engine thread's app (every route but JSON/binary infer). */
export interface WireFetch {
  readonly method: string;
  readonly url: string;
  readonly headers: readonly (readonly [string, string])[];
  readonly body?: ArrayBuffer;
}

/** Work a frontend thread reports after the fact, sent in batches. */
export type Note =
  | { readonly k: 'http'; readonly sample: HttpRequestSample }
  | {
      readonly k: 'log';
      readonly level: LogLevel;
      readonly msg: string;
      readonly fields?: LogFields;
    }
  | { readonly k: 'span-open'; readonly open: SpanOpen }
  | { readonly k: 'span'; readonly part: SpanPart };

/** Frontend thread to engine thread. */
export type ToEngine =
  | { readonly t: 'listening'; readonly port: number }
  | {
      readonly t: 'infer';
      readonly id: number;
      readonly request: WireInferRequest;
      readonly span?: SpanPart;
    }
  | { readonly t: 'cancel'; readonly id: number; readonly error: WireError }
  | { readonly t: 'fetch'; readonly id: number; readonly fetch: WireFetch }
  | { readonly t: 'fetch-cancel'; readonly id: number }
  | { readonly t: 'notes'; readonly notes: readonly Note[] }
  | { readonly t: 'settled'; readonly seq: number }
  | { readonly t: 'closed' };

/** Engine thread to frontend thread. */
export type ToFrontend =
  | { readonly t: 'infer-ok'; readonly id: number; readonly response: InferResponse }
  | { readonly t: 'infer-err'; readonly id: number; readonly error: WireError }
  | {
      readonly t: 'fetch-head';
      readonly id: number;
      readonly status: number;
      readonly headers: readonly (readonly [string, string])[];
      /** The whole body of an answer that is not streamed; a streamed one follows in chunks. */
      readonly body?: Uint8Array;
      readonly streamed: boolean;
    }
  | { readonly t: 'fetch-chunk'; readonly id: number; readonly chunk: Uint8Array }
  | { readonly t: 'fetch-end'; readonly id: number; readonly error?: WireError }
  | { readonly t: 'drain' }
  | { readonly t: 'logging'; readonly settings: LogSettings }
  | { readonly t: 'tracing'; readonly on: boolean }
  | { readonly t: 'settled'; readonly seq: number }
  | { readonly t: 'close'; readonly graceMs: number };
