/**
 * `npm run bench:cache`: the response cache on repeated requests. `braid serve
 * --cache-config local,size=65536` serves the 512→2048→512 MLP of bench:batching twice,
 * `mlp_nobatch` (cache off) and `mlp_cached` (the same model with `response_cache { enable:
 * true }`); 8 closed-loop clients send batch-1 binary requests cycling through a list where a
 * fraction are one repeated input (hits once cached) and the rest distinct inputs (misses: the
 * list cycles through more of them than the small cache holds, so each is evicted before it
 * comes back). Cases: cache off, 50 % and 90 % hits. Prints req/s, latency, the hit rate the
 * server's statistics measured, and each case's throughput over cache off. Flags: --duration-ms
 * N, --warmup-ms N, --rounds N, --client raw|http.
 *
 * @module
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { cliClock } from '../../engine/cli/perf/cli-clock.js';
import { startLoad } from '../../engine/cli/perf/load-session.js';
import { concatSamples, summarize } from '../../engine/cli/perf/percentiles.js';
import { binaryInferRequest, type PreparedRequest } from '../../engine/cli/perf/request-body.js';
import {
  medianCase,
  parseBenchFlags,
  requireBuild,
  writeResults,
  type BenchFlags,
} from './bench-case.js';
import { startChild, type ChildServer } from './child-server.js';
import { testData } from './infer-bodies.js';
import { MLP_SHAPE, MODELS_DIR, mlpConfig, writeMlpRepository } from './mlp-repository.js';

const CONCURRENCY = 8;
/** Holds ~28 MLP responses (2 KiB each): far fewer than the distinct inputs in one cycle. */
const CACHE_BYTES = 65_536;
const LIST_LENGTH = 2000;

interface CacheCase {
  readonly name: string;
  readonly model: string;
  readonly hitRate: number;
}

interface CacheResult {
  readonly name: string;
  readonly targetHitRate: number;
  /** cache_hit / (cache_hit + cache_miss) over the case, warm-up included; NaN for cache off. */
  readonly measuredHitRate: number;
  readonly throughput: number;
  readonly p50: number;
  readonly p99: number;
  readonly errors: number;
}

const CASES: readonly CacheCase[] = [
  { name: 'cache off', model: 'mlp_nobatch', hitRate: 0.9 },
  { name: 'cache, 50 % hits', model: 'mlp_cached', hitRate: 0.5 },
  { name: 'cache, 90 % hits', model: 'mlp_cached', hitRate: 0.9 },
];

const request = (seed: number): PreparedRequest =>
  binaryInferRequest(
    [{ name: 'x', shape: [1, MLP_SHAPE.inputSize], data: testData(MLP_SHAPE.inputSize, seed) }],
    ['y'],
  );

/** The list clients cycle through: `hitRate` of it one repeated input, the rest distinct ones. */
function requestList(hitRate: number, firstSeed: number): PreparedRequest[] {
  const hot = request(1);
  const hotPer10 = Math.round(hitRate * 10);
  let seed = firstSeed;
  return Array.from({ length: LIST_LENGTH }, (_, i) => (i % 10 < hotPer10 ? hot : request(seed++)));
}

function writeRepository(): string {
  const dir = join(MODELS_DIR, 'cache');
  const { model } = writeMlpRepository({ dir, queueDelayUs: 1000 });
  mkdirSync(join(dir, 'mlp_cached', '1'), { recursive: true });
  writeFileSync(join(dir, 'mlp_cached', '1', 'model.onnx'), model);
  writeFileSync(
    join(dir, 'mlp_cached', 'config.yaml'),
    stringify({ ...mlpConfig('mlp_cached', undefined), response_cache: { enable: true } }),
  );
  return dir;
}

async function cacheCounts(origin: string, model: string): Promise<{ hit: number; miss: number }> {
  const res = await fetch(`${origin}/v2/models/${model}/stats`);
  const s = (
    (await res.json()) as { model_stats: { inference_stats: Record<string, { count: number }> }[] }
  ).model_stats[0]!;
  return {
    hit: s.inference_stats['cache_hit']!.count,
    miss: s.inference_stats['cache_miss']!.count,
  };
}

/**
 * One closed-loop session per client, each cycling through its own list: the load generator's
 * raw clients each rotate through the list from its start, so clients sharing one list would
 * send each other's distinct inputs again and turn misses into hits.
 */
async function measure(
  server: ChildServer,
  c: CacheCase,
  flags: BenchFlags,
  firstSeed: number,
): Promise<CacheResult> {
  const before = await cacheCounts(server.origin, c.model);
  const url = `${server.origin}/v2/models/${c.model}/infer`;
  const sessions = Array.from({ length: CONCURRENCY }, (_, i) =>
    startLoad({
      url,
      requests: requestList(c.hitRate, firstSeed + i * LIST_LENGTH),
      concurrency: 1,
      client: flags.client,
      clock: cliClock,
    }),
  );
  try {
    await Promise.all(sessions.map(s => s.idle(flags.warmupMs)));
    const windows = await Promise.all(sessions.map(s => s.window(flags.durationMs)));
    await Promise.all(sessions.map(s => s.stop()));
    const after = await cacheCounts(server.origin, c.model);
    const [hit, miss] = [after.hit - before.hit, after.miss - before.miss];
    const { p50, p99 } = summarize(concatSamples(windows.map(w => w.latencies)));
    const throughput = windows.reduce((sum, w) => sum + w.throughput, 0);
    const errors = windows.reduce((sum, w) => sum + w.errors.count, 0);
    return {
      name: c.name,
      targetHitRate: c.hitRate,
      measuredHitRate: hit / (hit + miss),
      throughput,
      p50,
      p99,
      errors,
    };
  } finally {
    await Promise.all(sessions.map(s => s.stop()));
  }
}

function table(results: readonly CacheResult[]): string {
  const off = results[0]!.throughput;
  const rows = results.map(r => [
    r.name,
    Number.isNaN(r.measuredHitRate) ? '-' : `${(r.measuredHitRate * 100).toFixed(1)} %`,
    r.throughput.toFixed(0),
    r.p50.toFixed(3),
    r.p99.toFixed(3),
    String(r.errors),
    `${(r.throughput / off).toFixed(2)} ×`,
  ]);
  const head = ['case', 'hits (server)', 'req/s', 'p50 ms', 'p99 ms', 'errors', 'vs cache off'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map(r => r[i]!.length)));
  const line = (r: readonly string[]) =>
    r.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join('  ');
  return [line(head), line(widths.map(w => '-'.repeat(w))), ...rows.map(line), ''].join('\n');
}

async function main(): Promise<void> {
  requireBuild();
  const flags = parseBenchFlags(process.argv.slice(2));
  const dir = writeRepository();
  const server = await startChild({
    name: 'braid',
    nodeArgs: [
      'dist/engine/cli/main.js',
      'serve',
      '--model-repository',
      dir,
      '--http-port',
      '0',
      '--grpc-port',
      '0',
      '--allow-metrics',
      'false',
      '--log-format',
      'json',
      '--cache-config',
      `local,size=${CACHE_BYTES}`,
    ],
  });
  try {
    const rounds: CacheResult[][] = CASES.map(() => []);
    let seed = 1000;
    for (let round = 0; round < flags.rounds; round++) {
      for (const [i, c] of CASES.entries()) {
        // Fresh distinct inputs each case, so no earlier case left them cached.
        rounds[i]!.push(await measure(server, c, flags, seed));
        seed += LIST_LENGTH * CONCURRENCY;
      }
    }
    const results = rounds.map(r => medianCase(r));
    for (const r of results)
      if (r.errors > 0) throw new Error(`case ${r.name}: ${r.errors} errors`);
    process.stdout.write(
      `\nResponse cache, ${CONCURRENCY} clients, MLP ${MLP_SHAPE.inputSize}→${MLP_SHAPE.hidden}→${MLP_SHAPE.outputSize}, cache ${CACHE_BYTES} bytes\n\n${table(results)}`,
    );
    const off = results[0]!.throughput;
    const ratios = {
      hit50VsOff: results[1]!.throughput / off,
      hit90VsOff: results[2]!.throughput / off,
    };
    process.stdout.write(
      `throughput ratio: 50 % hits ${ratios.hit50VsOff.toFixed(2)} × cache off, 90 % hits ${ratios.hit90VsOff.toFixed(2)} × cache off\n`,
    );
    process.stdout.write(
      `results: ${writeResults('cache', { cases: results, ratios, concurrency: CONCURRENCY, cacheBytes: CACHE_BYTES })}\n`,
    );
  } finally {
    await server.stop();
  }
}

await main();
