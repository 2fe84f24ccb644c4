/**
 * The numeric fast path of JSON infer requests against JSON.parse, on FP32 tensors of 16, 64,
 * 128, 512 and 150,000 elements, with short decimals and with float32 values printed as doubles (17
 * significant digits, what Python clients send). Both sides decode the whole request into the
 * typed array the model gets. Run with `npm run bench:json`; prints ops/s and the ratio.
 *
 * @module
 */
import type { DataType } from '../../engine/core/datatype.js';
import { readJsonData } from '../../engine/server/codec/json-data.js';
import { parseInferJson } from '../../engine/server/codec/json-data-scan.js';
import { readJsonNumberData } from '../../engine/server/codec/json-data.js';
import { parseRequestJson } from '../../engine/server/codec/json-text.js';

type Input = { name: string; datatype: DataType; shape: number[]; data: unknown };

function body(count: number, style: 'short' | 'float32'): Uint8Array {
  const data = Array.from({ length: count }, (_, i) =>
    style === 'short' ? Math.round(Math.sin(i) * 1e4) / 1e4 : Math.fround(Math.sin(i)),
  );
  const input = { name: 'INPUT0', shape: [count], datatype: 'FP32', data };
  return new TextEncoder().encode(JSON.stringify({ id: 'bench', inputs: [input] }));
}

function viaJsonParse(bytes: Uint8Array): number {
  const json = parseRequestJson(bytes) as { inputs: Input[] };
  const h = json.inputs[0]!;
  return (readJsonData(h.name, h.datatype, h.shape, h.data) as Float32Array).length;
}

function viaFastPath(bytes: Uint8Array): number {
  const { json, numbers } = parseInferJson(bytes, 0);
  const h = (json as { inputs: Input[] }).inputs[0]!;
  const read = numbers?.get(0);
  if (read === undefined) throw new Error('the fast path did not take the data');
  return (readJsonNumberData(h.name, h.datatype, h.shape, read) as Float32Array).length;
}

/** Operations per second of `fn` over about `budgetMs`, after a warm-up. */
function opsPerSec(fn: () => number, budgetMs: number): number {
  const warmEnd = performance.now() + budgetMs / 4;
  while (performance.now() < warmEnd) fn();
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < budgetMs) {
    fn();
    ops++;
    elapsed = performance.now() - start;
  }
  return (ops * 1000) / elapsed;
}

console.log('elements  values    body KiB   JSON.parse ops/s   fast path ops/s   ratio');
// 64 and 128 bracket the break-even around NUMERIC_SCAN_MIN_BYTES (1 KiB), below which the scan's
// setup costs more than JSON.parse saves.
for (const count of [16, 64, 128, 512, 150_000]) {
  for (const style of ['short', 'float32'] as const) {
    const bytes = body(count, style);
    if (viaJsonParse(bytes) !== viaFastPath(bytes)) throw new Error('the two paths disagree');
    // Interleaved halves, so a burst of load on the machine hits both sides alike.
    const a1 = opsPerSec(() => viaJsonParse(bytes), 500);
    const b1 = opsPerSec(() => viaFastPath(bytes), 500);
    const a2 = opsPerSec(() => viaJsonParse(bytes), 500);
    const b2 = opsPerSec(() => viaFastPath(bytes), 500);
    const [a, b] = [(a1 + a2) / 2, (b1 + b2) / 2];
    console.log(
      [String(count).padEnd(9), style.padEnd(9), (bytes.length / 1024).toFixed(1).padStart(8)].join(
        ' ',
      ),
      a.toFixed(0).padStart(18),
      b.toFixed(0).padStart(17),
      (b / a).toFixed(2).padStart(7),
    );
  }
}
