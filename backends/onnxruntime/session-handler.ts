/**
 * @module What the worker thread of an ONNX instance does with each request: it holds the
 * instance's ONNX Runtime session and answers each {@link WorkerRequest} with exactly one
 * {@link WorkerReply}. Runs only inside that worker (session-worker.ts).
 */
import { InferenceSession } from 'onnxruntime-node';
import type { ComputeMark } from '../../engine/core/backend.js';
import type { Answer } from '../worker-host/serve.js';
import { fromWire, toWire } from '../worker-host/wire.js';
import { OnnxRuntimeInstance } from './instance.js';
import type { WorkerReply, WorkerRequest, WorkerRunTiming } from './worker-protocol.js';

// The instance never sees an abort: cancellation is decided in the parent, before the run is
// posted or by stopping this thread.
const NEVER = new AbortController().signal;

// Epoch-based so that the parent can compare times taken in different workers.
const now = (): number => performance.timeOrigin + performance.now();

let instance: OnnxRuntimeInstance | undefined;

async function open(req: Extract<WorkerRequest, { type: 'open' }>): Promise<Answer<WorkerReply>> {
  // A failed attempt leaves no session, so the parent may retry with other providers.
  const session = await InferenceSession.create(req.path, req.options);
  instance = new OnnxRuntimeInstance(session, req.model);
  return { reply: { type: 'opened' } };
}

async function run(req: Extract<WorkerRequest, { type: 'run' }>): Promise<Answer<WorkerReply>> {
  const received = now();
  if (!instance) throw new Error('the worker has no session to run');
  const marks: Partial<Record<ComputeMark, number>> = {};
  const mark = (point: ComputeMark): void => {
    marks[point] = now();
  };
  const out = await instance.execute(fromWire(req.inputs), {
    signal: NEVER,
    ...(req.outputs ? { outputs: req.outputs } : {}),
    mark,
  });
  const runEnd = marks.COMPUTE_OUTPUT_START ?? now();
  const timing: WorkerRunTiming = {
    received,
    runStart: marks.COMPUTE_INPUT_END ?? received,
    runEnd,
  };
  // ORT allocated the output arrays for this run alone, so they can be handed over.
  const { tensors, transfer } = toWire(out, { copy: false });
  return { reply: { type: 'result', outputs: tensors, timing }, transfer };
}

async function close(): Promise<Answer<WorkerReply>> {
  await instance?.dispose();
  instance = undefined;
  return { reply: { type: 'closed' } };
}

/**
 * Answers one request: `open` creates the session, `run` runs it, `close` releases it.
 *
 * @example
 * serveRequests(handleSessionRequest);
 */
export function handleSessionRequest(req: WorkerRequest): Promise<Answer<WorkerReply>> {
  if (req.type === 'open') return open(req);
  if (req.type === 'run') return run(req);
  return close();
}
