/** The worker of probe-protocol.ts. */
import { EngineError } from '../../../engine/core/errors.js';
import { serveRequests } from '../../../backends/worker-host/serve.js';
import { fromWire, toWire } from '../../../backends/worker-host/wire.js';
import type { ProbeReply, ProbeRequest } from './probe-protocol.js';
import { SLOT } from './probe-protocol.js';

let flags: Int32Array<ArrayBufferLike> = new Int32Array(8);
const hoard: unknown[] = [];

function count(slot: number): void {
  Atomics.add(flags, slot, 1);
  Atomics.notify(flags, slot);
}

function waitForGate(): void {
  // Short waits, so that terminate() can stop the thread between them.
  while (Atomics.load(flags, SLOT.gate) === 0) Atomics.wait(flags, SLOT.gate, 0, 20);
}

serveRequests<ProbeRequest, ProbeReply>(async req => {
  if (req.type === 'ping') return { reply: { type: 'pong' } };
  if (req.type === 'hog') for (;;) hoard.push(new Array(10_000).fill({ more: hoard.length }));
  if (req.type === 'init') {
    flags = new Int32Array(req.flags);
    count(SLOT.inits);
    const mode = Atomics.load(flags, SLOT.initMode);
    if (mode === 1) process.exit(9);
    if (mode === 2) throw new EngineError('INVALID_ARG', 'the probe refuses to start');
    return { reply: { type: 'ready' } };
  }
  if (req.type === 'finalize') {
    count(SLOT.finalizes);
    return { reply: { type: 'finalized' } };
  }
  count(SLOT.runs);
  if (req.act === 'loop') for (;;);
  if (req.act === 'exit') process.exit(7);
  if (req.act === 'fail') throw new EngineError('INVALID_ARG', 'the probe refuses these inputs');
  if (req.act === 'crash-later')
    setTimeout(() => {
      throw new Error('late failure');
    }, 0);
  if (req.act === 'gate') waitForGate();
  const { tensors, transfer } = toWire(fromWire(req.inputs), { copy: false });
  return { reply: { type: 'result', outputs: tensors }, transfer };
});
