/**
 * How late short waits fire: Node's `setTimeout` against the engine's clock (which sends waits
 * under {@link PRECISE_BELOW_MS} to a helper thread sleeping in `Atomics.wait`). Batching
 * delays are such waits: a configured `max_queue_delay_microseconds: 500` should cost 500 µs,
 * not Node's 1 ms granularity plus a loop turn. Run with `npm run bench:timers`
 * (`-- --samples N`, default 400 per delay).
 *
 * @module
 */
import { parseArgs } from 'node:util';
import { PRECISE_BELOW_MS, systemClock } from '../../engine/core/clock.js';

type Arm = (fn: () => void, ms: number) => void;

const DELAYS_MS = [0.1, 0.25, 0.5, 0.75, 1, 2];

/** Lateness in µs of `samples` sequential waits of `ms`, sorted. */
async function lateness(arm: Arm, ms: number, samples: number): Promise<number[]> {
  const late: number[] = [];
  for (let i = 0; i < samples; i++) {
    const start = performance.now();
    await new Promise<void>(resolve => arm(resolve, ms));
    late.push((performance.now() - start - ms) * 1000);
  }
  return late.sort((a, b) => a - b);
}

const pick = (sorted: number[], q: number): number =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { samples: { type: 'string', default: '400' } } });
  const samples = Number(values.samples);
  const keepAlive = setInterval(() => {}, 1_000);
  const node: Arm = (fn, ms) => setTimeout(fn, ms);
  const engine: Arm = (fn, ms) => systemClock.setTimeout(fn, ms);
  await lateness(engine, 0, 10); // starts the helper thread outside the measurement
  console.log(
    `lateness of a wait, µs (${samples} sequential waits each; precise below ${PRECISE_BELOW_MS} ms)`,
  );
  console.log('configured   node p50   node p99   engine p50   engine p99   p50 ratio');
  for (const ms of DELAYS_MS) {
    // Interleaved halves, so a burst of load on the machine hits both sides alike.
    const n1 = await lateness(node, ms, samples / 2);
    const e1 = await lateness(engine, ms, samples / 2);
    const n2 = await lateness(node, ms, samples / 2);
    const e2 = await lateness(engine, ms, samples / 2);
    const n = [...n1, ...n2].sort((a, b) => a - b);
    const e = [...e1, ...e2].sort((a, b) => a - b);
    const row = [`${ms * 1000} µs`, pick(n, 0.5), pick(n, 0.99), pick(e, 0.5), pick(e, 0.99)];
    const ratio = pick(e, 0.5) / pick(n, 0.5);
    console.log(
      row
        .map((v, i) => (i === 0 ? String(v).padEnd(10) : (v as number).toFixed(0).padStart(10)))
        .join(' '),
      ratio.toFixed(2).padStart(10),
    );
  }
  clearInterval(keepAlive);
}

await main();
