/**
 * @module Forwarding on a frontend thread: every request but a JSON or binary infer is handed
 * whole to the engine thread's app, so statistics, metrics, repository, console and streaming
 * routes are served there exactly as with one event loop.
 */
import type { IncomingMessage } from 'node:http';
import { Hono } from 'hono';
import { EngineError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import { readBody } from '../body.js';
import { clientSignal, streamClientSignal } from '../client-signal.js';
import { errorResponse } from '../errors.js';
import type { BraidApp } from '../routing.js';
import type { EngineLink } from './engine-link.js';
import { ownBuffer } from './wire.js';

/** `POST /v2/models/{m}[/versions/{v}]/infer`, matched on the raw request target. */
const INFER_PATH = /^\/v2\/models\/[^/?]+(?:\/versions\/[^/?]+)?\/infer(?:\?|$)/;

/** Routes answering with an event stream, whose client may leave by half-closing. */
const STREAM_PATH = /\/generate_stream$|^\/console\/api\/events$/;

/**
 * Whether a frontend thread answers this request itself: a JSON or binary-extension infer. A raw
 * binary infer (`Inference-Header-Content-Length: 0`) needs the model's metadata to decode, so
 * it goes to the engine thread like everything else.
 */
export function servedHere(incoming: IncomingMessage): boolean {
  if (incoming.method !== 'POST' || !INFER_PATH.test(incoming.url ?? '')) return false;
  const headerLength = incoming.headers['inference-header-content-length'];
  return typeof headerLength !== 'string' || headerLength.trim() !== '0';
}

/**
 * The app that forwards each request to the engine thread: the body is read here under
 * `maxInputSize` and moved across; the answer comes back whole, or in chunks for an event
 * stream, which stops on the engine thread when the client goes away.
 *
 * @example
 * const app = forwardingApp(link, 1 << 26, logger);
 */
export function forwardingApp(link: EngineLink, maxInputSize: number, logger: Logger): BraidApp {
  const app: BraidApp = new Hono();
  app.all('*', async c => {
    const { method } = c.req;
    let headers: [string, string][] = [...c.req.raw.headers];
    let bytes: Uint8Array | undefined;
    if (method !== 'GET' && method !== 'HEAD') {
      try {
        bytes = await readBody(c, maxInputSize);
      } catch (e) {
        if (!(e instanceof EngineError && e.code === 'PAYLOAD_TOO_LARGE')) throw e;
        // The engine thread's app answers the 413, so the route's restrictions, the request
        // metrics and the request log see it as on one loop: no body, a length over the limit.
        headers = headers.filter(([k]) => k !== 'content-length' && k !== 'transfer-encoding');
        headers.push(['content-length', String(maxInputSize + 1)]);
      }
    }
    const answer = await link.fetch(
      {
        method,
        url: c.req.url,
        headers,
        ...(bytes ? { body: ownBuffer(bytes) } : {}),
      },
      STREAM_PATH.test(c.req.path) ? streamClientSignal(c) : clientSignal(c),
    );
    const answerHeaders = answer.headers.map(([k, v]) => [k, v]);
    return new Response(answer.body, { status: answer.status, headers: answerHeaders });
  });
  app.onError(err => errorResponse(err, logger));
  return app;
}
