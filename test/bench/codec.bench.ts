/**
 * Micro-benchmark of the HTTP infer codecs on a 2×16 FP32 request and response, in JSON and
 * in the binary tensor extension. Run with `npx tsx test/bench/codec.bench.ts`.
 *
 * @module
 */
import { decodeInferBody, encodeInferResponse } from '../../engine/server/codec/index.js';
import type { EncodeOptions, InferResponse } from '../../engine/server/codec/index.js';

const ROWS = 2;
const COLS = 16;
const f32 = Float32Array.from({ length: ROWS * COLS }, (_, i) => i * 0.37 - 3.1);
const utf8 = new TextEncoder();
const noRaw = (): never => {
  throw new Error('not a raw request');
};

function jsonRequest(): Uint8Array {
  const input = { name: 'INPUT0', shape: [ROWS, COLS], datatype: 'FP32', data: Array.from(f32) };
  const outputs = [{ name: 'OUTPUT0' }];
  return utf8.encode(JSON.stringify({ id: 'bench', inputs: [input], outputs }));
}

function binaryRequest(): { body: Uint8Array; headerLength: number } {
  const input = {
    name: 'INPUT0',
    shape: [ROWS, COLS],
    datatype: 'FP32',
    parameters: { binary_data_size: f32.byteLength },
  };
  const output = { name: 'OUTPUT0', parameters: { binary_data: true } };
  const header = utf8.encode(JSON.stringify({ id: 'bench', inputs: [input], outputs: [output] }));
  const body = new Uint8Array(header.byteLength + f32.byteLength);
  body.set(header);
  body.set(new Uint8Array(f32.buffer), header.byteLength);
  return { body, headerLength: header.byteLength };
}

function response(data: Float32Array): InferResponse {
  return {
    id: 'bench',
    modelName: 'simple',
    modelVersion: '1',
    outputs: new Map([['OUTPUT0', { datatype: 'FP32', shape: [ROWS, COLS], data }]]),
  };
}

function measure(label: string, fn: () => void): void {
  for (let i = 0; i < 20_000; i++) fn();
  const budgetNs = 1_000_000_000n;
  const start = process.hrtime.bigint();
  let ops = 0;
  let elapsed = 0n;
  while (elapsed < budgetNs) {
    for (let i = 0; i < 1000; i++) fn();
    ops += 1000;
    elapsed = process.hrtime.bigint() - start;
  }
  const perSec = Math.round((ops * 1e9) / Number(elapsed)).toLocaleString('en-US');
  process.stdout.write(`${label.padEnd(24)} ${perSec.padStart(10)} ops/s\n`);
}

const json = jsonRequest();
const bin = binaryRequest();
const asJson: EncodeOptions = {
  requested: [{ name: 'OUTPUT0' }],
  binaryDefault: false,
  allBinary: false,
};
const asBinary: EncodeOptions = {
  ...asJson,
  requested: [{ name: 'OUTPUT0', parameters: { binary_data: true } }],
};
let sink = 0;

function roundTrip(body: Uint8Array, headerLength: number | undefined): void {
  const d = decodeInferBody(body, headerLength, noRaw);
  const data = d.inputs.get('INPUT0')!.data as Float32Array;
  const opts = { requested: d.outputs, binaryDefault: false, allBinary: false };
  sink += encodeInferResponse(response(data), opts).body.byteLength;
}

measure('json   decode', () => {
  sink += decodeInferBody(json, undefined, noRaw).inputs.size;
});
measure('json   encode', () => {
  sink += encodeInferResponse(response(f32), asJson).body.byteLength;
});
measure('json   decode+encode', () => roundTrip(json, undefined));
measure('binary decode', () => {
  sink += decodeInferBody(bin.body, bin.headerLength, noRaw).inputs.size;
});
measure('binary encode', () => {
  sink += encodeInferResponse(response(f32), asBinary).body.byteLength;
});
measure('binary decode+encode', () => roundTrip(bin.body, bin.headerLength));
if (sink === 0) process.stdout.write('no work was measured\n');
