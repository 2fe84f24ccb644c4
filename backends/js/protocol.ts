/**
 * @module Messages between a JS model instance and its worker thread. The instance sends one
 * request at a time and the worker answers each with exactly one reply; a decoupled execute
 * also gets its responses as `partial` messages before its reply, and `cancel` gets none.
 */
import type { DataType } from '../../engine/core/datatype.js';
import type { FailedReply } from '../worker-host/protocol.js';
import type { WireTensor } from '../worker-host/wire.js';
import type { JsModelContextData } from './module-api.js';

/** A tensor a module declares in its `inputs` / `outputs` exports. */
export interface DeclaredTensor {
  readonly name: string;
  readonly datatype: DataType;
  readonly shape: readonly number[];
  readonly optional?: boolean;
}

/** Main thread → worker. */
export type JsWorkerRequest =
  | { readonly type: 'describe'; readonly model: string; readonly path: string }
  | { readonly type: 'init'; readonly path: string; readonly context: JsModelContextData }
  | {
      readonly type: 'execute';
      readonly inputs: readonly WireTensor[];
      readonly outputs?: readonly string[];
      readonly decoupled?: true;
    }
  /** No reply: ends the decoupled execute in flight early (the client cancelled). */
  | { readonly type: 'cancel' }
  | { readonly type: 'finalize' };

/** Worker → main thread. */
export type JsWorkerReply =
  | {
      readonly type: 'described';
      readonly inputs: readonly DeclaredTensor[];
      readonly outputs: readonly DeclaredTensor[];
    }
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly outputs: readonly WireTensor[] }
  /** One response of a decoupled execute, sent before its reply `done`. */
  | { readonly type: 'partial'; readonly outputs: readonly WireTensor[] }
  | { readonly type: 'done' }
  | FailedReply
  | { readonly type: 'finalized' };
