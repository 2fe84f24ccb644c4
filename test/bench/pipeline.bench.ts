/**
 * `npm run bench:pipeline`: the pipeline `chain4` (four elementwise FP32 [1,16] models in a
 * chain, test/bench/pipeline-repository.ts) against a client calling the same four models one
 * after another over HTTP (test/bench/client-chain.ts), at concurrency 1 and 32, on one
 * `braid serve`. Prints the per-step orchestration overhead at concurrency 1 from the server's
 * statistics, the pipeline / client-chain throughput ratio, and OCR images/s at concurrency 8
 * when examples/model_repository/ocr serves. Flags: --delay-us N (max_queue_delay_microseconds
 * of the step models, default 0), --duration-ms N, --warmup-ms N, --rounds N, --client raw|http
 * (the pipeline's load generator; the chain has its own raw client), --profile.
 *
 * @module
 */
import { join } from 'node:path';
import type { BenchFlags, CaseResult } from './bench-case.js';
import {
  assertNoErrors,
  measureCase,
  medianCase,
  parseBenchFlags,
  requireBuild,
  writeResults,
} from './bench-case.js';
import type { ChildServer } from './child-server.js';
import { RESULTS_DIR, startBraid } from './child-server.js';
import type { ChainHop } from './client-chain.js';
import { runChainLoad } from './client-chain.js';
import { binaryInferRequest } from '../../engine/cli/perf/request-body.js';
import { sendOnce } from '../../engine/cli/perf/send-once.js';
import { diffStats, readStats } from '../../engine/cli/perf/server-stats.js';
import { expectClose, readInferResponse, testData } from './infer-bodies.js';
import { measureOcr } from './ocr-load.js';
import type { Level, Measured } from './pipeline-report.js';
import {
  formatPipelineReport,
  LEVELS,
  PIPELINE_TARGETS,
  summarizeLevels,
} from './pipeline-report.js';
import {
  CHAIN_FEATURES,
  CHAIN_STEPS,
  expectedChain,
  PIPELINE,
  STEP_IO,
  writePipelineRepository,
} from './pipeline-repository.js';
import { formatProfileDir } from './profile-summary.js';

const OCR_CONCURRENCY = 8;
const STEPS = CHAIN_STEPS.length;
const SHAPE = [1, CHAIN_FEATURES];
const X = testData(CHAIN_FEATURES, 5);
const EXPECTED = expectedChain(X);
const REQUEST = binaryInferRequest(
  [{ name: PIPELINE.input, shape: SHAPE, data: X }],
  [PIPELINE.output],
);
const HOPS: readonly ChainHop[] = CHAIN_STEPS.map(s => ({ model: s.model, ...STEP_IO }));
const inferPath = (model: string) => `/v2/models/${model}/infer`;

/** `--delay-us N`: max_queue_delay_microseconds of every step model (default 0). */
function delayFlag(argv: readonly string[]): number {
  const i = argv.indexOf('--delay-us');
  if (i < 0) return 0;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 0) {
    throw new Error(`--delay-us must be a non-negative integer, got '${argv[i + 1] ?? ''}'`);
  }
  return n;
}

async function inferOnce(
  server: ChildServer,
  model: string,
  io: { readonly input: string; readonly output: string },
  data: Float32Array,
): Promise<Float32Array> {
  const req = binaryInferRequest([{ name: io.input, shape: SHAPE, data }], [io.output]);
  const res = await sendOnce(server.origin + inferPath(model), req.body, req.headers);
  if (res.status !== 200) {
    throw new Error(`${model}: HTTP ${res.status}: ${res.body.toString().slice(0, 300)}`);
  }
  const out = readInferResponse(res.body, res.headers).get(io.output);
  const shape = out?.shape.join(',') ?? '';
  if (out === undefined || shape !== SHAPE.join(',')) {
    throw new Error(`${model}: output '${io.output}' shape [${shape}], expected [${SHAPE}]`);
  }
  return out.data;
}

/**
 * Checks the pipeline and the four models called in turn against the chain's known function;
 * returns the last model's answer, which the client chain must then return on every request.
 */
async function checkOutputs(server: ChildServer): Promise<Float32Array> {
  const y = await inferOnce(server, PIPELINE.name, PIPELINE, X);
  expectClose(`${PIPELINE.name} ${PIPELINE.output}`, y, EXPECTED[STEPS - 1]!, 1e-6);
  let value = X;
  for (const [i, step] of CHAIN_STEPS.entries()) {
    value = await inferOnce(server, step.model, STEP_IO, value);
    expectClose(`client chain step ${step.model}`, value, EXPECTED[i]!, 1e-6);
  }
  return value;
}

async function withStepStats(
  server: ChildServer,
  run: () => Promise<CaseResult>,
): Promise<Measured> {
  const read = () => Promise.all(CHAIN_STEPS.map(s => readStats(server.origin, s.model)));
  const before = await read();
  const result = await run();
  assertNoErrors(result);
  const after = await read();
  const steps = before.map((b, i) => diffStats(b, after[i]!));
  return { throughput: result.throughput, result, steps };
}

async function measureChain(
  server: ChildServer,
  flags: BenchFlags,
  concurrency: number,
  expected: Float32Array,
): Promise<CaseResult> {
  const cpu0 = server.cpuMs();
  const main0 = server.mainThreadCpuMs();
  const { durationMs, warmupMs } = flags;
  const load = await runChainLoad({
    ...{ origin: server.origin, hops: HOPS, shape: SHAPE, input: X, expected },
    ...{ concurrency, durationMs, warmupMs },
  });
  const perRequest = (ms: number) => (ms * 1000) / Math.max(1, load.sent);
  return {
    name: `client chain (${STEPS} HTTP calls)`,
    concurrency,
    ...load,
    serverCpuUsPerRequest: perRequest(server.cpuMs() - cpu0),
    serverMainThreadUsPerRequest: perRequest(server.mainThreadCpuMs() - main0),
  };
}

async function measureLevels(
  server: ChildServer,
  flags: BenchFlags,
  expected: Float32Array,
): Promise<Level[]> {
  const rounds = LEVELS.map(() => ({ pipeline: [] as Measured[], chain: [] as Measured[] }));
  for (let round = 1; round <= flags.rounds; round++) {
    for (const [i, concurrency] of LEVELS.entries()) {
      const at = `round ${round}/${flags.rounds}`;
      const say = (what: string) =>
        process.stdout.write(`${at}: ${what} at concurrency ${concurrency}...\n`);
      const name = `pipeline ${PIPELINE.name}`;
      const path = inferPath(PIPELINE.name);
      const statsModel = PIPELINE.name;
      const c = { name, server, path, request: REQUEST, concurrency, flags, statsModel };
      say(name);
      rounds[i]!.pipeline.push(await withStepStats(server, () => measureCase(c)));
      say('client chain');
      const chain = () => measureChain(server, flags, concurrency, expected);
      rounds[i]!.chain.push(await withStepStats(server, chain));
    }
  }
  return rounds.map(r => ({ pipeline: medianCase(r.pipeline), chain: medianCase(r.chain) }));
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const flags = parseBenchFlags(argv);
  const delayUs = delayFlag(argv);
  requireBuild();
  const dir = writePipelineRepository({ queueDelayUs: delayUs });
  const profileDir = flags.profile
    ? join(RESULTS_DIR, 'profiles', `pipeline-${Date.now()}`)
    : undefined;
  const server = await startBraid(dir, profileDir);
  let levels: Level[];
  try {
    levels = await measureLevels(server, flags, await checkOutputs(server));
  } finally {
    await server.stop();
  }
  process.stdout.write(`measuring OCR at concurrency ${OCR_CONCURRENCY}...\n`);
  const { durationMs, warmupMs, client } = flags;
  const ocr = await measureOcr({ concurrency: OCR_CONCURRENCY, durationMs, warmupMs, client });
  process.stdout.write(formatPipelineReport(levels, ocr, delayUs));
  const profile = profileDir === undefined ? undefined : formatProfileDir(profileDir);
  if (profile) {
    process.stdout.write('CPU profiles of the braid server (overhead in the figures above)\n');
    process.stdout.write(profile.text);
  }
  const { overhead, ratios } = summarizeLevels(levels);
  const cases = levels.map((l, i) => ({ concurrency: LEVELS[i], ...l }));
  const profiles = profile?.files ?? [];
  const targets = PIPELINE_TARGETS;
  const result = { flags, delayUs, targets, overhead, ratios, cases, ocr, profiles };
  const file = writeResults('pipeline', result);
  process.stdout.write(`results: ${file}\n`);
}

main().catch((e: unknown) => {
  const why = e instanceof Error ? (e.stack ?? e.message) : String(e);
  process.stderr.write(`bench:pipeline failed: ${why}\n`);
  process.exit(1);
});
