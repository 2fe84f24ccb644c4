/**
 * `npm run bench:batching`: a 512→2048→512 MLP served by `braid serve` with dynamic batching
 * off (`mlp_nobatch`) and on (`mlp_batch`), loaded by 64 closed-loop clients sending batch-1
 * requests in the binary tensor extension; then the same model run in-process at the batch size
 * the server formed (the ceiling). Flags: --delay-us N (max_queue_delay_microseconds, default
 * 1000), --intra-op N (intra_op_thread_count of both models and the ceiling; default: the
 * backend's share of the cores), --duration-ms N, --warmup-ms N, --rounds N, --client raw|http,
 * --profile.
 *
 * @module
 */
import { join } from 'node:path';
import { InferenceSession } from 'onnxruntime-node';
import type { BenchFlags, CaseOptions, CaseResult } from './bench-case.js';
import {
  assertNoErrors,
  formatTable,
  measureCase,
  medianCase,
  parseBenchFlags,
  requireBuild,
  writeResults,
} from './bench-case.js';
import type { ChildServer } from './child-server.js';
import { RESULTS_DIR, startBraid } from './child-server.js';
import { binaryInferRequest } from '../../engine/cli/perf/request-body.js';
import { sendOnce } from '../../engine/cli/perf/send-once.js';
import { expectClose, readInferResponse, testData } from './infer-bodies.js';
import { MLP_MAX_BATCH, MLP_SHAPE, mlpConfig, writeMlpRepository } from './mlp-repository.js';
import type { CeilingResult } from './ort-ceiling.js';
import { measureInProcess, runOnce, serverSessionOptions } from './ort-ceiling.js';
import { formatProfileDir } from './profile-summary.js';

const CONCURRENCY = MLP_MAX_BATCH;
const TARGETS = { batchingSpeedup: 3, vsCeiling: 0.7, p99Ratio: 2 } as const;
const X = testData(MLP_SHAPE.inputSize, 3);
const REQUEST = binaryInferRequest(
  [{ name: 'x', shape: [1, MLP_SHAPE.inputSize], data: X }],
  ['y'],
);
const inferPath = (model: string) => `/v2/models/${model}/infer`;

/** The batching benchmark's own flags: `--delay-us N` (default 1000) and `--intra-op N`. */
function modelFlags(argv: readonly string[]): { delayUs: number; intraOpThreads?: number } {
  const read = (name: string): number | undefined => {
    const i = argv.indexOf(name);
    if (i < 0) return undefined;
    const n = Number(argv[i + 1]);
    if (!Number.isInteger(n) || n < 0) {
      throw new Error(`${name} must be a non-negative integer, got '${argv[i + 1] ?? ''}'`);
    }
    return n;
  };
  const intraOpThreads = read('--intra-op');
  const delayUs = read('--delay-us') ?? 1000;
  return intraOpThreads === undefined ? { delayUs } : { delayUs, intraOpThreads };
}

/** The output the server must return for {@link X}, computed in-process. */
async function expectedOutput(model: Uint8Array): Promise<Float32Array> {
  const session = await InferenceSession.create(model, { executionProviders: ['cpu'] });
  try {
    return (await runOnce(session, 'x', 'y', X, 1)).slice();
  } finally {
    await session.release();
  }
}

async function checkModel(
  server: ChildServer,
  model: string,
  expected: Float32Array,
): Promise<void> {
  const res = await sendOnce(server.origin + inferPath(model), REQUEST.body, REQUEST.headers);
  if (res.status !== 200) {
    throw new Error(`${model}: HTTP ${res.status}: ${res.body.toString().slice(0, 300)}`);
  }
  const y = readInferResponse(res.body, res.headers).get('y')?.data;
  expectClose(`${model} y`, y, expected, 1e-4);
}

interface ServerCases {
  readonly off: CaseResult;
  readonly on: CaseResult;
  readonly matched: CaseResult;
}

async function run(opts: CaseOptions, round: number, rounds: number): Promise<CaseResult> {
  process.stdout.write(`round ${round}/${rounds}: measuring ${opts.name}...\n`);
  const r = await measureCase(opts);
  assertNoErrors(r);
  return r;
}

/**
 * Batching off, on, and on at the rate the off case reached, `rounds` times, interleaved; each
 * case keeps its median round.
 */
async function measureServer(
  flags: BenchFlags,
  dir: string,
  expected: Float32Array,
  profileDir?: string,
): Promise<ServerCases> {
  const server = await startBraid(dir, profileDir);
  try {
    await checkModel(server, 'mlp_nobatch', expected);
    await checkModel(server, 'mlp_batch', expected);
    const base = { server, request: REQUEST, concurrency: CONCURRENCY, flags };
    const model = (name: string, statsModel: string) => ({
      ...base,
      name,
      path: inferPath(statsModel),
      statsModel,
    });
    const off = model('batching off', 'mlp_nobatch');
    const on = model('batching on', 'mlp_batch');
    const results: Record<keyof ServerCases, CaseResult[]> = { off: [], on: [], matched: [] };
    for (let round = 1; round <= flags.rounds; round++) {
      const offResult = await run(off, round, flags.rounds);
      results.off.push(offResult);
      results.on.push(await run(on, round, flags.rounds));
      const matched = { ...on, name: 'batching on, rate = off', ratePerSec: offResult.throughput };
      results.matched.push(await run(matched, round, flags.rounds));
    }
    return {
      off: medianCase(results.off),
      on: medianCase(results.on),
      matched: medianCase(results.matched),
    };
  } finally {
    await server.stop();
  }
}

async function measureCeiling(
  flags: BenchFlags,
  model: Uint8Array,
  batch: number,
  intraOpThreads?: number,
): Promise<CeilingResult> {
  const config = mlpConfig('mlp_batch', 0, intraOpThreads);
  const sessionOptions = serverSessionOptions(config, 'mlp_batch');
  const session = await InferenceSession.create(model, sessionOptions);
  try {
    process.stdout.write(`measuring in-process ceiling at batch ${batch}...\n`);
    const common = { session, sessionOptions, input: 'x', features: MLP_SHAPE.inputSize };
    const { durationMs, warmupMs } = flags;
    return await measureInProcess({ ...common, batch, durationMs, warmupMs });
  } finally {
    await session.release();
  }
}

function statsLine(c: CaseResult): string {
  const s = c.serverStats;
  if (!s) return `  ${c.name}: no statistics`;
  return (
    `  ${c.name.padEnd(24)} avg batch ${s.averageBatch.toFixed(2).padStart(6)}  ` +
    `queue ${s.queueUsPerRequest.toFixed(0).padStart(6)} µs/req  ` +
    `compute_infer ${s.computeInferUsPerExecution.toFixed(0).padStart(6)} µs/exec  ` +
    `executions ${s.executionCount}`
  );
}

function verdict(ok: boolean): string {
  return ok ? 'MET' : 'MISSED';
}

interface Ceilings {
  readonly formed: CeilingResult;
  readonly batch1: CeilingResult;
}

function computeRatios({ off, on, matched }: ServerCases, ceilings: Ceilings) {
  return {
    batchingSpeedup: on.throughput / off.throughput,
    vsCeiling: on.throughput / ceilings.formed.itemsPerS,
    offVsBatch1Ceiling: off.throughput / ceilings.batch1.itemsPerS,
    p99AtSameThroughput: matched.p99 / off.p99,
    p99AtOwnLoad: on.p99 / off.p99,
  };
}

function report(cases: ServerCases, ceilings: Ceilings, delayUs: number): string {
  const r = computeRatios(cases, ceilings);
  const { off, on, matched } = cases;
  const { formed, batch1 } = ceilings;
  return [
    '',
    `MLP ${MLP_SHAPE.inputSize}→${MLP_SHAPE.hidden}→${MLP_SHAPE.outputSize}, ` +
      `${CONCURRENCY} clients, ` +
      `batch-1 binary requests, max_queue_delay_microseconds ${delayUs}`,
    formatTable([off, on, matched]),
    'server statistics over each run (warm-up included):',
    ...[off, on, matched].map(statsLine),
    `in-process ceiling: batch ${formed.batch}: ${formed.itemsPerS.toFixed(0)} items/s ` +
      `(${formed.msPerCall.toFixed(3)} ms/call); ` +
      `batch 1: ${batch1.itemsPerS.toFixed(0)} items/s; ` +
      `session options ${JSON.stringify(formed.sessionOptions)}`,
    '',
    `average batch formed: ${(on.serverStats?.averageBatch ?? NaN).toFixed(2)}`,
    `throughput on / off: ${r.batchingSpeedup.toFixed(2)}x  ` +
      `(target >= ${TARGETS.batchingSpeedup}x: ` +
      `${verdict(r.batchingSpeedup >= TARGETS.batchingSpeedup)})`,
    `server with batching / in-process ceiling at batch ${formed.batch}: ` +
      `${r.vsCeiling.toFixed(2)}  ` +
      `(target >= ${TARGETS.vsCeiling}: ${verdict(r.vsCeiling >= TARGETS.vsCeiling)})`,
    `server without batching / in-process ceiling at batch 1: ${r.offVsBatch1Ceiling.toFixed(2)}`,
    `p99 on / off at the same throughput (${off.throughput.toFixed(0)} req/s): ` +
      `${r.p99AtSameThroughput.toFixed(2)}  ` +
      `(target <= ${TARGETS.p99Ratio}: ${verdict(r.p99AtSameThroughput <= TARGETS.p99Ratio)})`,
    `p99 on / off, each at its own load (${CONCURRENCY} clients): ${r.p99AtOwnLoad.toFixed(2)}`,
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const flags = parseBenchFlags(argv);
  const { delayUs, intraOpThreads } = modelFlags(argv);
  requireBuild();
  const threads = intraOpThreads === undefined ? {} : { intraOpThreads };
  const { dir, model } = writeMlpRepository({ queueDelayUs: delayUs, ...threads });
  const profileDir = flags.profile
    ? join(RESULTS_DIR, 'profiles', `batching-${Date.now()}`)
    : undefined;
  const cases = await measureServer(flags, dir, await expectedOutput(model), profileDir);
  const averageBatch = cases.on.serverStats?.averageBatch ?? 1;
  const batch = Math.min(MLP_MAX_BATCH, Math.max(1, Math.round(averageBatch)));
  const formed = await measureCeiling(flags, model, batch, intraOpThreads);
  const batch1 = batch === 1 ? formed : await measureCeiling(flags, model, 1, intraOpThreads);
  const ceilings = { formed, batch1 };
  process.stdout.write(report(cases, ceilings, delayUs));
  const profile = profileDir === undefined ? undefined : formatProfileDir(profileDir);
  if (profile) {
    process.stdout.write(`CPU profiles of the braid server (overhead in the figures above)\n`);
    process.stdout.write(profile.text);
  }
  const file = writeResults('batching', {
    flags,
    delayUs,
    intraOpThreads: intraOpThreads ?? 'default',
    concurrency: CONCURRENCY,
    model: MLP_SHAPE,
    targets: TARGETS,
    ratios: computeRatios(cases, ceilings),
    averageBatch,
    cases: [cases.off, cases.on, cases.matched],
    ceiling: ceilings,
    profiles: profile?.files ?? [],
  });
  process.stdout.write(`results: ${file}\n`);
}

main().catch((e: unknown) => {
  const why = e instanceof Error ? (e.stack ?? e.message) : String(e);
  process.stderr.write(`bench:batching failed: ${why}\n`);
  process.exit(1);
});
