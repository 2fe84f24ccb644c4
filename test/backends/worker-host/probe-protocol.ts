/**
 * Messages of probe-worker.ts, a worker that does on request what host tests need: answer, hang,
 * wait at a gate, die, fail. It counts what reached it in a SharedArrayBuffer (see {@link SLOT}),
 * which the test hands over with `init`, so a test can see what ran without timing anything.
 */
import type { FailedReply } from '../../../backends/worker-host/protocol.js';
import type { WireTensor } from '../../../backends/worker-host/wire.js';

/**
 * What a run does: `echo` returns its inputs; `gate` waits until the test opens the gate, then
 * echoes; `loop` never returns; `exit` ends the thread with code 7; `crash-later` answers, then
 * throws from a timer; `fail` replies failed with code INVALID_ARG.
 */
export type ProbeAct = 'echo' | 'gate' | 'loop' | 'exit' | 'crash-later' | 'fail';

/** Slots of the shared Int32Array. `initMode`: 0 starts, 1 exits with code 9, 2 fails with INVALID_ARG. */
export const SLOT = { inits: 0, runs: 1, finalizes: 2, initMode: 3, gate: 4 } as const;

export type ProbeRequest =
  | { readonly type: 'ping' }
  | { readonly type: 'hog' }
  | { readonly type: 'init'; readonly flags: SharedArrayBuffer }
  | { readonly type: 'run'; readonly act: ProbeAct; readonly inputs: readonly WireTensor[] }
  | { readonly type: 'finalize' };

export type ProbeReply =
  | { readonly type: 'pong' }
  | { readonly type: 'ready' }
  | { readonly type: 'result'; readonly outputs: readonly WireTensor[] }
  | { readonly type: 'finalized' }
  | FailedReply;
