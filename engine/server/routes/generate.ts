/**
 * @module Triton's generate extension (docs/protocol/extension_generate.md, src/http_server.cc
 * `HandleGenerate`): `POST /v2/models/{m}[/versions/{v}]/generate` answers exactly one response
 * as JSON; `.../generate_stream` answers each response as a server-sent event (`data: {...}`)
 * as the model sends it, decoupled models included. A request that fails before its first
 * response gets the usual JSON error and status; a failure after it is one more event,
 * `data: {"error": "..."}`, and ends the stream (the status, already sent, stays 200).
 */
import { quote } from '../../core/client-value.js';
import { CancelSource } from '../../core/cancel.js';
import { EngineError, toEngineError } from '../../core/errors.js';
import type { InferRequest, InferResponse } from '../../core/request.js';
import { NOOP_SPAN, noopTracer } from '../../core/telemetry.js';
import type { RequestTracer, TraceSpan } from '../../core/telemetry.js';
import type { InferenceEngine } from '../../runtime/types.js';
import { readBody } from '../body.js';
import { clientSignal, streamClientSignal } from '../client-signal.js';
import { generateResponseJson, readGenerateRequest } from '../codec/generate-json.js';
import { parseRequestJson } from '../codec/json-text.js';
import { clientMessage } from '../errors.js';
import { modelPaths, modelTarget, route } from '../routing.js';
import type { BraidApp, ServerContext } from '../routing.js';

const encoder = new TextEncoder();

/**
 * Registers `/generate` and `/generate_stream` for every model.
 *
 * @example
 * registerGenerateRoutes(app, engine, 1 << 26);
 */
export function registerGenerateRoutes(
  app: BraidApp,
  engine: InferenceEngine,
  maxInputSize: number,
  tracer: RequestTracer = noopTracer,
): void {
  route(app, modelPaths('/generate'), { POST: c => generate(c, engine, maxInputSize) });
  route(app, modelPaths('/generate_stream'), {
    POST: c => generateStream(c, engine, maxInputSize, tracer),
  });
}

/** The request the body maps to, with the connection's cancel signal. */
async function readRequest(
  c: ServerContext,
  engine: InferenceEngine,
  maxInputSize: number,
  streaming = false,
): Promise<InferRequest> {
  const { name, version } = modelTarget(c);
  const encoding = c.req.header('content-encoding');
  if (encoding !== undefined && encoding !== 'identity') {
    throw new EngineError(
      'INVALID_ARG',
      `Unsupported content-encoding ${quote(encoding)}, only 'identity' is supported for the generate request of model ${quote(name)}`,
    );
  }
  const specs = engine.modelMetadata(name, version).inputs;
  const body = parseRequestJson(await readBody(c, maxInputSize));
  const mapped = readGenerateRequest(body, specs);
  return {
    ...mapped,
    modelName: name,
    modelVersion: version,
    signal: streaming ? streamClientSignal(c) : clientSignal(c),
  };
}

async function generate(
  c: ServerContext,
  engine: InferenceEngine,
  maxInputSize: number,
): Promise<Response> {
  const request = await readRequest(c, engine, maxInputSize);
  const responses: InferResponse[] = [];
  await engine.stream(request, res => responses.push(res));
  if (responses.length !== 1) {
    throw new EngineError(
      'INTERNAL',
      `generate expects model to produce exactly 1 response, use generate stream for model that generates various number of responses (model ${quote(request.modelName)} sent ${responses.length})`,
    );
  }
  return new Response(generateResponseJson(responses[0]!), {
    status: 200,
    headers: { 'Content-Type': 'application/json' },
  });
}

type StreamEvent =
  | { readonly kind: 'response'; readonly res: InferResponse }
  | { readonly kind: 'end' }
  | { readonly kind: 'error'; readonly error: EngineError };

/**
 * Starts the request, waits for its first event (so a request that fails at once gets its
 * status), then streams the rest. A client that goes away cancels the request.
 */
async function generateStream(
  c: ServerContext,
  engine: InferenceEngine,
  maxInputSize: number,
  tracer: RequestTracer,
): Promise<Response> {
  const request = await readRequest(c, engine, maxInputSize, true);
  const cancel = new CancelSource();
  const clientGone = request.signal!;
  clientGone.addEventListener('abort', () => cancel.abort(clientGone.reason), { once: true });
  const events = new EventQueue();
  const span = streamSpan(c, tracer, request.modelName);
  engine
    .stream({ ...request, signal: cancel }, res => events.push({ kind: 'response', res }), {
      trace: span,
    })
    .then(
      () => events.push({ kind: 'end' }),
      (e: unknown) => (span.fail(e), events.push({ kind: 'error', error: toEngineError(e) })),
    )
    .finally(() => span.end());
  const first = await events.next();
  if (first.kind === 'error') throw first.error;
  let pending: StreamEvent | undefined = first;
  // Pulled one event at a time: once the client has gone (cancel) nothing is pulled any more.
  const body = new ReadableStream<Uint8Array>({
    pull: async controller => {
      const ev: StreamEvent = pending ?? (await events.next());
      pending = undefined;
      if (ev.kind === 'end') return controller.close();
      const text =
        ev.kind === 'response'
          ? safeJson(ev.res)
          : JSON.stringify({ error: clientMessage(ev.error.message) });
      controller.enqueue(encoder.encode(`data: ${text}\n\n`));
      if (ev.kind === 'error') controller.close();
    },
    cancel: () =>
      cancel.abort(new EngineError('CANCELLED', 'the client closed the generate stream')),
  });
  return new Response(body, {
    status: 200,
    headers: { 'Content-Type': 'text/event-stream; charset=utf-8', 'Cache-Control': 'no-cache' },
  });
}

/** Triton's root span `InferRequest` of a sampled stream, ended when its last response is sent. */
function streamSpan(c: ServerContext, tracer: RequestTracer, model: string): TraceSpan {
  if (tracer === noopTracer) return NOOP_SPAN;
  const span = tracer.startRequest('InferRequest', { model, header: h => c.req.header(h) });
  if (span.recording)
    span.setAttributes({ 'http.request.method': c.req.method, 'http.route': c.req.routePath });
  return span;
}

/** A response's event text, or the error event of a response that cannot be sent as JSON. */
function safeJson(res: InferResponse): string {
  try {
    return generateResponseJson(res);
  } catch (e) {
    return JSON.stringify({ error: clientMessage(toEngineError(e).message) });
  }
}

/** Events in arrival order, taken one at a time as they come. */
class EventQueue {
  readonly #events: StreamEvent[] = [];
  #waiting: ((ev: StreamEvent) => void) | undefined;

  push(ev: StreamEvent): void {
    const w = this.#waiting;
    if (w) {
      this.#waiting = undefined;
      w(ev);
    } else {
      this.#events.push(ev);
    }
  }

  next(): Promise<StreamEvent> {
    const ev = this.#events.shift();
    if (ev) return Promise.resolve(ev);
    return new Promise(resolve => (this.#waiting = resolve));
  }
}
