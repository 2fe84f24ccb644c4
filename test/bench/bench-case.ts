/**
 * What the benchmark scripts share: one measured case (load plus the server's own CPU time),
 * the printed table, the JSON result file, and the command-line flags.
 *
 * @module
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { join } from 'node:path';
import type { ChildServer } from './child-server.js';
import { REPO_ROOT, RESULTS_DIR } from './child-server.js';
import { runLoad } from '../../engine/cli/perf/load.js';
import type { LoadResult } from '../../engine/cli/perf/load.js';
import type { PreparedRequest } from '../../engine/cli/perf/request-body.js';
import type { StatsDelta } from '../../engine/cli/perf/server-stats.js';
import { diffStats, readStats } from '../../engine/cli/perf/server-stats.js';

/** Flags every benchmark script accepts. */
export interface BenchFlags {
  /** Measured window per case (`--duration-ms`, default 5000). */
  readonly durationMs: number;
  /** Warm-up per case (`--warmup-ms`, default 1000). */
  readonly warmupMs: number;
  /** `--profile`: write a CPU profile of the braid server and print where its time went. */
  readonly profile: boolean;
  /** `--client http`: use node:http instead of the raw keep-alive client. */
  readonly client: 'raw' | 'http';
  /** `--rounds N` (default 1): measure every case N times, interleaved, and keep the median. */
  readonly rounds: number;
}

/**
 * Parses the shared flags.
 *
 * @example
 * parseBenchFlags(['--duration-ms', '2000', '--profile']);
 */
export function parseBenchFlags(argv: readonly string[]): BenchFlags {
  const value = (name: string): string | undefined => {
    const i = argv.indexOf(name);
    return i >= 0 ? argv[i + 1] : undefined;
  };
  const num = (name: string, dflt: number): number => {
    const raw = value(name);
    const n = raw === undefined ? dflt : Number(raw);
    if (!(n > 0)) throw new Error(`${name} must be a positive number, got '${raw ?? ''}'`);
    return n;
  };
  const client = value('--client') ?? 'raw';
  if (client !== 'raw' && client !== 'http') {
    throw new Error(`--client must be raw or http, got '${client}'`);
  }
  return {
    durationMs: num('--duration-ms', 5000),
    warmupMs: num('--warmup-ms', 1000),
    profile: argv.includes('--profile'),
    client,
    rounds: Math.round(num('--rounds', 1)),
  };
}

/** One measured case: the load result plus CPU time per request on each side. */
export interface CaseResult extends LoadResult {
  readonly name: string;
  readonly concurrency: number;
  readonly ratePerSec?: number;
  /** CPU time of the server process per request, warm-up included (µs). */
  readonly serverCpuUsPerRequest: number;
  /** The part of it spent on the server's main (event-loop) thread (µs). */
  readonly serverMainThreadUsPerRequest: number;
  /** The model's statistics over the run, when {@link CaseOptions.statsModel} was given. */
  readonly serverStats?: StatsDelta;
}

/** Options of {@link measureCase}. */
export interface CaseOptions {
  readonly name: string;
  readonly server: ChildServer;
  readonly path: string;
  readonly request: PreparedRequest;
  readonly concurrency: number;
  readonly flags: BenchFlags;
  readonly ratePerSec?: number;
  /** Read this model's statistics before and after the run (average batch, queue time). */
  readonly statsModel?: string;
}

/**
 * Loads one endpoint of a running server and returns what was measured. Errors do not throw:
 * they are in the result, and the caller decides.
 *
 * @example
 * const path = '/v2/models/simple/infer';
 * const r = await measureCase({ name: 'json', server, path, request, concurrency: 32, flags });
 */
export async function measureCase(opts: CaseOptions): Promise<CaseResult> {
  const { statsModel } = opts;
  const origin = opts.server.origin;
  const stats0 = statsModel === undefined ? undefined : await readStats(origin, statsModel);
  const cpu0 = opts.server.cpuMs();
  const main0 = opts.server.mainThreadCpuMs();
  const load = await runLoad({
    url: opts.server.origin + opts.path,
    body: opts.request.body,
    headers: opts.request.headers,
    concurrency: opts.concurrency,
    durationMs: opts.flags.durationMs,
    warmupMs: opts.flags.warmupMs,
    client: opts.flags.client,
    ...(opts.ratePerSec === undefined ? {} : { ratePerSec: opts.ratePerSec }),
  });
  const perRequest = (ms: number) => (ms * 1000) / Math.max(1, load.sent);
  const serverCpuUsPerRequest = perRequest(opts.server.cpuMs() - cpu0);
  const serverMainThreadUsPerRequest = perRequest(opts.server.mainThreadCpuMs() - main0);
  const serverStats =
    stats0 === undefined || statsModel === undefined
      ? undefined
      : diffStats(stats0, await readStats(origin, statsModel));
  return {
    name: opts.name,
    concurrency: opts.concurrency,
    ...(opts.ratePerSec === undefined ? {} : { ratePerSec: opts.ratePerSec }),
    ...load,
    serverCpuUsPerRequest,
    serverMainThreadUsPerRequest,
    ...(serverStats === undefined ? {} : { serverStats }),
  };
}

/**
 * The round with the median throughput (the lower middle one for an even count), so one
 * disturbed round on a shared machine does not decide the result.
 *
 * @example
 * const json = medianCase(jsonRounds);
 */
export function medianCase<T extends { readonly throughput: number }>(rounds: readonly T[]): T {
  const sorted = [...rounds].sort((a, b) => a.throughput - b.throughput);
  const mid = sorted[Math.floor((sorted.length - 1) / 2)];
  if (mid === undefined) throw new Error('medianCase: no rounds');
  return mid;
}

function fixed(n: number, digits: number): string {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}

/**
 * Formats cases as a text table: req/s, latency percentiles, errors, CPU per request.
 *
 * @example
 * process.stdout.write(formatTable(results));
 */
export function formatTable(cases: readonly CaseResult[]): string {
  const head = ['case', 'conc', 'req/s', 'p50 ms', 'p90 ms', 'p99 ms', 'errors'];
  head.push('srv cpu µs/req', 'srv main µs/req', 'gen cpu µs/req', 'avg batch');
  const body = cases.map(c => [
    c.name,
    String(c.concurrency) + (c.ratePerSec === undefined ? '' : ` @${Math.round(c.ratePerSec)}/s`),
    fixed(c.throughput, 0),
    fixed(c.p50, 3),
    fixed(c.p90, 3),
    fixed(c.p99, 3),
    String(c.errors.count),
    fixed(c.serverCpuUsPerRequest, 1),
    fixed(c.serverMainThreadUsPerRequest, 1),
    fixed(c.clientCpuUsPerRequest, 1),
    c.serverStats === undefined ? '-' : fixed(c.serverStats.averageBatch, 2),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map(r => r[i]!.length)));
  const cell = (v: string, i: number) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!));
  const line = (r: readonly string[]) => r.map(cell).join('  ');
  return [line(head), line(widths.map(w => '-'.repeat(w))), ...body.map(line), ''].join('\n');
}

/** The machine a result was measured on, stored with it. */
export function machineInfo(): Record<string, unknown> {
  return {
    node: process.version,
    cores: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    loadavg1: loadavg()[0],
  };
}

/**
 * Writes `result` to test/bench/.results/<bench>-<timestamp>.json and <bench>-latest.json;
 * returns the first path.
 *
 * @example
 * writeResults('http', { cases, ratios });
 */
export function writeResults(bench: string, result: Record<string, unknown>): string {
  mkdirSync(RESULTS_DIR, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const record = { bench, time: new Date().toISOString(), machine: machineInfo(), ...result };
  const text = JSON.stringify(record, null, 2);
  const file = join(RESULTS_DIR, `${bench}-${stamp}.json`);
  writeFileSync(file, text + '\n');
  writeFileSync(join(RESULTS_DIR, `${bench}-latest.json`), text + '\n');
  return file;
}

/** Throws with a hint when `braid` has not been built. */
export function requireBuild(): void {
  if (!existsSync(join(REPO_ROOT, 'dist/engine/cli/main.js'))) {
    throw new Error(
      'dist/engine/cli/main.js is missing: run `npm run build` first (npm run bench:* does)',
    );
  }
}

/**
 * Throws when a case saw errors, so no benchmark reports a rate of failures.
 *
 * @example
 * assertNoErrors(result);
 */
export function assertNoErrors(c: CaseResult): void {
  if (c.errors.count > 0) {
    const first = c.errors.messages.join(' | ');
    throw new Error(`case ${c.name}: ${c.errors.count} errors, first: ${first}`);
  }
  if (c.requests === 0) throw new Error(`case ${c.name}: no request completed in the window`);
}
