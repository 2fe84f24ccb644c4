/**
 * @module The worker side of a link: take each request from the parent, answer it with exactly
 * one reply, and turn whatever the handler throws into the reply `failed`. Imported only by
 * worker entry points.
 */
import { parentPort } from 'node:worker_threads';
import type { FailedReply } from './protocol.js';
import type { WireError } from './wire.js';
import { toWireError } from './wire.js';

/** A reply and the buffers to transfer with it. */
export interface Answer<Reply> {
  readonly reply: Reply;
  readonly transfer?: readonly ArrayBuffer[];
}

/** Posts a message of type `partial` before a request's reply (a decoupled model's response). */
export type Emit = (part: { readonly type: 'partial' }, transfer?: readonly ArrayBuffer[]) => void;

/**
 * Answers the parent's requests with `handle`, one at a time as the parent sends them. A thrown
 * error (or a reply that cannot be posted) becomes `{ type: 'failed', error: failure(e) }`;
 * `failure` defaults to {@link toWireError}, which keeps EngineError codes. `handle` may post
 * partial messages with `emit` before it returns. A message `notice` returns true for (a
 * cancellation) is taken without a reply, even while a request runs.
 *
 * @example
 * serveRequests<WorkerRequest, WorkerReply>(async req => ({ reply: { type: 'closed' } }));
 */
export function serveRequests<Req, Reply>(
  handle: (req: Req, emit: Emit) => Promise<Answer<Reply>>,
  failure: (e: unknown) => WireError = toWireError,
  notice: (req: Req) => boolean = () => false,
): void {
  const port = parentPort;
  if (!port) throw new Error('a worker entry must run in a worker thread');
  const emit: Emit = (part, transfer = []) => port.postMessage(part, transfer as ArrayBuffer[]);
  const answer = async (req: Req): Promise<void> => {
    if (notice(req)) return;
    try {
      const { reply, transfer = [] } = await handle(req, emit);
      port.postMessage(reply, transfer as ArrayBuffer[]);
    } catch (e) {
      port.postMessage({ type: 'failed', error: failure(e) } satisfies FailedReply);
    }
  };
  port.on('message', (req: Req) => void answer(req));
}
