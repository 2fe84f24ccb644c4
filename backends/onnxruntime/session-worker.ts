/**
 * Entry point of the worker thread that holds one instance's ONNX Runtime session. It answers
 * each {@link WorkerRequest} from its parent with exactly one {@link WorkerReply}; the parent
 * sends one request at a time. Loaded only through `new Worker(...)`, never imported.
 *
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { InferenceSession } from 'onnxruntime-node';
import type { ComputeMark } from '../../engine/core/backend.js';
import { OnnxRuntimeInstance } from './instance.js';
import type { WorkerReply, WorkerRequest, WorkerRunTiming } from './worker-protocol.js';
import { fromWire, toWire, toWireError } from './worker-protocol.js';

// The instance never sees an abort: cancellation is decided before the run is posted.
const NEVER = new AbortController().signal;

// Epoch-based so that the parent can compare times taken in different workers.
const now = (): number => performance.timeOrigin + performance.now();

let instance: OnnxRuntimeInstance | undefined;

function post(reply: WorkerReply, transfer: ArrayBuffer[] = []): void {
  parentPort!.postMessage(reply, transfer);
}

async function open(req: Extract<WorkerRequest, { type: 'open' }>): Promise<void> {
  // A failed attempt leaves no session, so the parent may retry with other providers.
  const session = await InferenceSession.create(req.path, req.options);
  instance = new OnnxRuntimeInstance(session, req.model);
  post({ type: 'opened' });
}

async function run(req: Extract<WorkerRequest, { type: 'run' }>): Promise<void> {
  const received = now();
  if (!instance) throw new Error('the worker has no session to run');
  const marks: Partial<Record<ComputeMark, number>> = {};
  const mark = (point: ComputeMark): void => {
    marks[point] = now();
  };
  const out = await instance.execute(fromWire(req.inputs), { signal: NEVER, outputs: req.outputs, mark });
  const runEnd = marks.COMPUTE_OUTPUT_START ?? now();
  const timing: WorkerRunTiming = { received, runStart: marks.COMPUTE_INPUT_END ?? received, runEnd };
  // ORT allocated the output arrays for this run alone, so they can be handed over.
  const { tensors, transfer } = toWire(out, { copy: false });
  post({ type: 'result', outputs: tensors, timing }, transfer);
}

async function close(): Promise<void> {
  await instance?.dispose();
  instance = undefined;
  post({ type: 'closed' });
}

async function handle(req: WorkerRequest): Promise<void> {
  try {
    if (req.type === 'open') await open(req);
    else if (req.type === 'run') await run(req);
    else await close();
  } catch (e) {
    post({ type: 'failed', error: toWireError(e) });
  }
}

if (!parentPort) throw new Error('session-worker must run in a worker thread');
parentPort.on('message', (req: WorkerRequest) => void handle(req));
