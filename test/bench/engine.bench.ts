/**
 * `npx tsx test/bench/engine.bench.ts`: the engine alone, no HTTP and no worker threads. One
 * engine serves four in-memory step models (`y = x + 1`, FP32 [B,16], dynamic batching, answered
 * on the main thread with no compute to speak of) and the pipeline `chain4` over them; requests
 * go straight to `Engine.infer`. Prints µs per request, wall and CPU time (CPU moves less with
 * what else runs), for a model and for the pipeline at concurrency 1 and 32, and the pipeline's
 * CPU per step beyond its four model requests: what the request path and the executor cost,
 * without the HTTP and ONNX noise
 * of `npm run bench:pipeline`. Flags: --requests N (per case, default 20000), --rounds N
 * (default 5; each case's median round is kept).
 *
 * @module
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Backend, ModelInstance } from '../../engine/core/backend.js';
import { noopLogger } from '../../engine/core/logger.js';
import type { InferRequest } from '../../engine/core/request.js';
import type { TensorMap } from '../../engine/core/tensor.js';
import { createEngine, type Engine } from '../../engine/runtime/engine.js';
import { createPipelineBackend } from '../../pipelines/index.js';

const FEATURES = 16;
const STEPS = ['s_a', 's_b', 's_c', 's_d'];

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
}

/** A backend whose instances add 1 to `x`, answering on the main thread. */
function addOneBackend(): Backend {
  const instance: ModelInstance = {
    execute: async (inputs: TensorMap) => {
      const x = inputs.get('x')!;
      const data = new Float32Array(x.data as Float32Array);
      for (let i = 0; i < data.length; i++) data[i]! += 1;
      return new Map([['y', { datatype: 'FP32', shape: x.shape, data }]]);
    },
    dispose: async () => {},
  };
  const sig = { datatype: 'FP32' as const, shape: [-1, FEATURES] };
  return {
    name: 'addone',
    platforms: [],
    defaultModelFilename: 'model.addone',
    describe: async () => ({ inputs: [{ name: 'x', ...sig }], outputs: [{ name: 'y', ...sig }] }),
    createInstance: async () => instance,
  };
}

async function writeRepository(dir: string): Promise<void> {
  const tensor = (name: string) => ({ name, data_type: 'TYPE_FP32', dims: [FEATURES] });
  for (const name of STEPS) {
    await mkdir(join(dir, name, '1'), { recursive: true });
    await writeFile(join(dir, name, '1', 'model.addone'), '');
    const config = {
      backend: 'addone',
      max_batch_size: 64,
      input: [tensor('x')],
      output: [tensor('y')],
      dynamic_batching: {},
    };
    await writeFile(join(dir, name, 'config.json'), JSON.stringify(config));
  }
  await mkdir(join(dir, 'chain4', '1'), { recursive: true });
  const after = (i: number) => (i === STEPS.length - 1 ? 'Y' : `t${i + 1}`);
  const steps = STEPS.map(
    (m, i) =>
      `  - { name: step${i + 1}, model: ${m}, inputs: { x: ${i === 0 ? 'X' : after(i - 1)} }, outputs: { y: ${after(i)} } }`,
  );
  const yaml = [
    'inputs:',
    `  X: { datatype: FP32, shape: [B, ${FEATURES}] }`,
    'outputs:',
    `  Y: { datatype: FP32, shape: [B, ${FEATURES}] }`,
    'steps:',
    ...steps,
    '',
  ];
  await writeFile(join(dir, 'chain4', '1', 'pipeline.yaml'), yaml.join('\n'));
}

/** µs per request, of wall time and of this process's CPU time (steadier on a shared machine). */
interface PerRequest {
  readonly wall: number;
  readonly cpu: number;
}

/** Sends `total` requests with `concurrency` in flight. */
async function measure(
  engine: Engine,
  req: InferRequest,
  total: number,
  concurrency: number,
): Promise<PerRequest> {
  let sent = 0;
  const worker = async () => {
    while (sent < total) {
      sent++;
      await engine.infer(req);
    }
  };
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await Promise.all(Array.from({ length: concurrency }, worker));
  const wall = Number(process.hrtime.bigint() - t0) / 1000 / total;
  const cpu = process.cpuUsage(cpu0);
  return { wall, cpu: (cpu.user + cpu.system) / total };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function main(): Promise<void> {
  const total = flag('--requests', 20_000);
  const rounds = flag('--rounds', 5);
  const dir = await mkdtemp(join(tmpdir(), 'braid-engine-bench-'));
  await writeRepository(dir);
  const engine = await createEngine({
    modelRepository: dir,
    logger: noopLogger,
    backends: catalog => [addOneBackend(), createPipelineBackend({ catalog })],
  });
  const x = { datatype: 'FP32' as const, shape: [1, FEATURES], data: new Float32Array(FEATURES) };
  const model: InferRequest = { modelName: 's_a', inputs: new Map([['x', x]]) };
  const pipeline: InferRequest = { modelName: 'chain4', inputs: new Map([['X', x]]) };
  const y = (await engine.infer(pipeline)).outputs.get('Y')!.data[0];
  if (y !== 4) throw new Error(`chain4 answered ${String(y)}, expected 4`);
  const cases = [
    { name: 'model s_a', req: model, c: 1 },
    { name: 'pipeline chain4', req: pipeline, c: 1 },
    { name: 'model s_a', req: model, c: 32 },
    { name: 'pipeline chain4', req: pipeline, c: 32 },
  ];
  const results = cases.map(() => [] as PerRequest[]);
  for (const c of cases) await measure(engine, c.req, total / 4, c.c);
  for (let r = 0; r < rounds; r++)
    for (const [i, c] of cases.entries())
      results[i]!.push(await measure(engine, c.req, total, c.c));
  await engine.shutdown(1000);
  await rm(dir, { recursive: true, force: true });
  const wall = results.map(rs => median(rs.map(x => x.wall)));
  const cpu = results.map(rs => median(rs.map(x => x.cpu)));
  console.log(
    `engine in-process, ${total} requests per case, median of ${rounds} rounds (µs per request)`,
  );
  console.log(`${'case'.padEnd(22)} ${'wall'.padStart(8)} ${'cpu'.padStart(8)}`);
  for (const [i, c] of cases.entries())
    console.log(
      `${`${c.name} c=${c.c}`.padEnd(22)} ${wall[i]!.toFixed(2).padStart(8)} ${cpu[i]!.toFixed(2).padStart(8)}`,
    );
  const perStep = (xs: number[], p: number, m: number) =>
    ((xs[p]! - STEPS.length * xs[m]!) / STEPS.length).toFixed(2);
  console.log(
    `pipeline per step beyond its model requests, cpu: ${perStep(cpu, 1, 0)} µs at c=1, ${perStep(cpu, 3, 2)} µs at c=32`,
  );
}

await main();
