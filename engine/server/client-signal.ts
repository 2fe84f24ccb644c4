/**
 * @module The cancellation signal of an HTTP request: it aborts when the client goes away
 * before its response is complete. Under @hono/node-server it listens to the Node response
 * itself; asking for `c.req.raw.signal` instead makes an AbortController per request, which on
 * Node 20 costs some 2 µs to make and as much again in garbage collection, a tenth of a small
 * request's whole cost.
 */
import { CancelSource } from '../core/cancel.js';
import type { CancelSignal } from '../core/cancel.js';
import { EngineError } from '../core/errors.js';
import type { ServerContext } from './routing.js';

/**
 * The signal to hand the engine for this request. Without Node bindings (`app.request()` in
 * tests, other runtimes) it is the Fetch request's own signal.
 *
 * @example
 * engine.infer({ ...request, signal: clientSignal(c) });
 */
export function clientSignal(c: ServerContext): CancelSignal {
  const outgoing = c.env?.outgoing;
  if (!outgoing) return c.req.raw.signal;
  const cancel = new CancelSource();
  if (outgoing.destroyed && !outgoing.writableFinished) cancel.abort(gone());
  // 'close' comes after the response is sent too; only a close before then is the client leaving.
  else outgoing.once('close', () => outgoing.writableFinished || cancel.abort(gone()));
  return cancel;
}

function gone(): EngineError {
  return new EngineError(
    'CANCELLED',
    'the client closed the connection before the response was sent',
  );
}

/**
 * The signal of a streamed response (server-sent events), which also aborts when the client
 * half-closes its connection. The server answers half-closed requests (see listen.ts), so a FIN
 * alone cancels nothing, and a gone client is seen only when a write fails; a stream may not
 * write again for minutes. Clients of an event stream read it to its end and do not half-close.
 *
 * @example
 * engine.stream({ ...request, signal: streamClientSignal(c) }, send);
 */
export function streamClientSignal(c: ServerContext): CancelSignal {
  const signal = clientSignal(c);
  const socket = c.env?.incoming?.socket;
  if (!socket || !(signal instanceof CancelSource)) return signal;
  const left = () => signal.abort(gone());
  if (socket.readableEnded) left();
  else socket.once('end', left);
  return signal;
}
