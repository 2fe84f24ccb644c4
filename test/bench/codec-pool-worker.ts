/**
 * Worker of codec-pool.bench.ts: decodes each JSON infer body it is sent, as a codec pool
 * would, and sends the tensors back with their buffers moved.
 *
 * @module
 */
import { parentPort } from 'node:worker_threads';
import { decodeInferBody } from '../../engine/server/codec/index.js';

const noRaw = (): never => {
  throw new Error('not a raw request');
};

parentPort!.on('message', (msg: { id: number; body: Uint8Array }) => {
  const { inputs } = decodeInferBody(msg.body, undefined, noRaw);
  const tensors = [...inputs].map(([name, t]) => ({ name, ...t }));
  const transfer = tensors.map(t => (t.data as Float32Array).buffer as ArrayBuffer);
  parentPort!.postMessage({ id: msg.id, tensors }, transfer);
});
