/**
 * Whether a codec pool would unload the event loop: the main thread's CPU per JSON infer body
 * decoded in place against handed to a worker thread and its tensors taken back (the body
 * copied over, as an HTTP body in Node's shared pool must be; the tensors moved back), for
 * bodies of 32, 512 and 150,000 FP32 values. Run with `npx tsx test/bench/codec-pool.bench.ts`;
 * the figures decide engine/server/frontends/README.md's "codec pool" row.
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { startWorker } from '../../backends/worker-host/bootstrap.js';
import { decodeInferBody } from '../../engine/server/codec/index.js';

const SIZES = [32, 512, 150_000] as const;
const IN_FLIGHT = 16;
const WINDOW_MS = 1500;

const noRaw = (): never => {
  throw new Error('not a raw request');
};

function body(values: number): Uint8Array {
  const data = Array.from({ length: values }, (_, i) => ((i * 7919) % 1000) / 7 - 50);
  const input = { name: 'x', shape: [1, values], datatype: 'FP32', data };
  return new TextEncoder().encode(JSON.stringify({ inputs: [input] }));
}

/** CPU time of the main thread alone, in ms (Linux /proc; 10 ms resolution). */
function mainThreadCpuMs(): number {
  const stat = readFileSync(`/proc/self/task/${process.pid}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** Runs `op` in a closed loop for the window; main-thread CPU µs per op and ops/s. */
async function measure(op: () => Promise<void>): Promise<{ cpuUs: number; perS: number }> {
  const warm = performance.now() + 300;
  while (performance.now() < warm) await op();
  const cpu0 = mainThreadCpuMs();
  const t0 = performance.now();
  let ops = 0;
  const loop = async () => {
    while (performance.now() - t0 < WINDOW_MS) {
      await op();
      ops++;
    }
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, loop));
  const wall = performance.now() - t0;
  return { cpuUs: ((mainThreadCpuMs() - cpu0) * 1000) / ops, perS: (ops * 1000) / wall };
}

const worker = startWorker({
  script: new URL('./codec-pool-worker.ts', import.meta.url),
  name: 'codec pool',
});
const waiting = new Map<number, () => void>();
worker.on('message', (msg: { id: number; tensors: { data: Float32Array }[] }) => {
  if (msg.tensors[0]!.data.length === 0) throw new Error('the worker decoded nothing');
  waiting.get(msg.id)?.();
  waiting.delete(msg.id);
});
let next = 0;

process.stdout.write('values   in place: main µs/body  bodies/s   pool: main µs/body  bodies/s\n');
for (const values of SIZES) {
  const bytes = body(values);
  const local = await measure(async () => {
    const { inputs } = decodeInferBody(bytes, undefined, noRaw);
    if (inputs.get('x')!.data.length !== values) throw new Error('wrong decode');
  });
  const pooled = await measure(
    () =>
      new Promise<void>(resolve => {
        const id = next++;
        waiting.set(id, resolve);
        const copy = bytes.slice();
        worker.postMessage({ id, body: copy }, [copy.buffer]);
      }),
  );
  const row = [
    String(values).padStart(7),
    local.cpuUs.toFixed(1).padStart(24),
    local.perS.toFixed(0).padStart(10),
    pooled.cpuUs.toFixed(1).padStart(24),
    pooled.perS.toFixed(0).padStart(10),
  ];
  process.stdout.write(row.join('') + '\n');
}
await worker.terminate();
