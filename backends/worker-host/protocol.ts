/**
 * @module What every worker protocol shares: each request is answered by exactly one reply, a
 * reply has a `type`, and a failure is the reply `failed` carrying a {@link WireError}.
 */
import { EngineError } from '../../engine/core/errors.js';
import type { WireError } from './wire.js';

/** The reply a worker sends when a request failed. */
export interface FailedReply {
  readonly type: 'failed';
  readonly error: WireError;
}

/** Any reply: its `type` says which. */
export interface AnyReply {
  readonly type: string;
}

/**
 * The reply as the type the caller expects. A `failed` reply throws `onFailed(error)`; a reply
 * of another type throws INTERNAL naming the model and both types.
 *
 * @example
 * const { outputs } = expectReply('post', reply, 'result', e => new EngineError(e.code ?? 'INTERNAL', e.message));
 */
export function expectReply<Reply extends AnyReply, T extends Reply['type']>(
  model: string,
  reply: Reply,
  type: T,
  onFailed: (error: WireError) => Error,
): Extract<Reply, { type: T }> {
  if (reply.type === type) return reply as Extract<Reply, { type: T }>;
  if (reply.type === 'failed') throw onFailed((reply as unknown as FailedReply).error);
  throw new EngineError(
    'INTERNAL',
    `model '${model}': its worker replied '${reply.type}' where '${type}' was expected`,
  );
}
