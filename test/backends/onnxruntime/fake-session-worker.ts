/**
 * A stand-in for session-worker.ts that misbehaves on purpose. The `path` of the open request
 * picks how it answers runs: `exit` ends the thread, `throw` throws an uncaught error,
 * `ort-error` replies with an error that carries ORT's text but no engine code, `wrong-reply`
 * answers a run with 'closed', `hang` never answers a run (a native run that does not return).
 */
import { parentPort } from 'node:worker_threads';
import type { WorkerReply, WorkerRequest } from '../../../backends/onnxruntime/worker-protocol.js';

let mode = '';
const post = (reply: WorkerReply): void => parentPort!.postMessage(reply);

parentPort!.on('message', (req: WorkerRequest) => {
  if (req.type === 'open') {
    mode = req.path;
    post({ type: 'opened' });
  } else if (req.type === 'close') {
    post({ type: 'closed' });
  } else if (mode === 'exit') {
    process.exit(3);
  } else if (mode === 'throw') {
    throw new Error('fake worker fell over');
  } else if (mode === 'hang') {
    for (;;);
  } else if (mode === 'ort-error') {
    post({ type: 'failed', error: { message: 'CUDA failure 700: an illegal memory access' } });
  } else {
    post({ type: 'closed' });
  }
});
