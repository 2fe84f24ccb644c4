/**
 * The real session worker with two hooks for tests. A barrier before each run, so a test proves
 * by the order of events, not by timing, that runs overlap: a run waits until `parties` runs (or
 * other threads) have arrived. The barrier is a SharedArrayBuffer passed as `options.barrier` of
 * the open request: Int32 slot 0 counts arrivals, slot 1 holds `parties`; a run that waits 20 s
 * for the others fails, saying so. A run with an input named EXIT_THREAD ends the thread (code
 * 3), as a crash in native code would; one with an input named HANG never returns, as a stuck
 * native run would not.
 */
import type { InferenceSession } from 'onnxruntime-node';
import { handleSessionRequest } from '../../../backends/onnxruntime/session-handler.js';
import type { WorkerReply, WorkerRequest } from '../../../backends/onnxruntime/worker-protocol.js';
import { serveRequests } from '../../../backends/worker-host/serve.js';

/** Session options carrying the barrier. */
export type BarrierOptions = InferenceSession.SessionOptions & {
  readonly barrier?: SharedArrayBuffer;
};

let barrier: Int32Array | undefined;

function arriveAndWait(b: Int32Array): void {
  Atomics.add(b, 0, 1);
  Atomics.notify(b, 0);
  const parties = Atomics.load(b, 1);
  for (let seen = Atomics.load(b, 0); seen < parties; seen = Atomics.load(b, 0)) {
    if (Atomics.wait(b, 0, seen, 20_000) === 'timed-out')
      throw new Error(`only ${seen} of ${parties} parties reached the barrier`);
  }
}

serveRequests<WorkerRequest, WorkerReply>(async req => {
  if (req.type === 'open') {
    const { barrier: shared, ...options } = req.options as BarrierOptions;
    barrier = shared ? new Int32Array(shared) : undefined;
    return handleSessionRequest({ ...req, options });
  }
  if (req.type === 'run' && req.inputs.some(t => t.name === 'EXIT_THREAD')) process.exit(3);
  if (req.type === 'run' && req.inputs.some(t => t.name === 'HANG')) for (;;);
  if (req.type === 'run' && barrier) arriveAndWait(barrier);
  return handleSessionRequest(req);
});
