/**
 * The perf engine behind `braid perf` and `braid analyze`: reads the model from the server,
 * builds its requests, checks that one is answered, then measures each level of a concurrency
 * or request-rate sweep. It speaks plain KServe v2 (plus the statistics extension when the
 * server has it), so it measures Triton as well as Braid.
 *
 * @module
 */
import type { Clock } from '../../core/clock.js';
import { cliClock } from './cli-clock.js';
import { buildRequests } from './inputs.js';
import type { InputDataSource } from './inputs.js';
import { measureLevel } from './measure-level.js';
import type { LevelResult, LevelSettings, WindowProgress } from './measure-level.js';
import { perfTarget } from './perf-target.js';
import type { PerfProtocol, PerfTarget } from './perf-target.js';
import type { RequestDistribution } from './pacing.js';
import { rangeValues } from './range.js';
import type { SweepRange } from './range.js';
import type { PreparedRequest } from './request-body.js';
import type { LoadClient } from './senders.js';
import { runSelfTest } from './self-test.js';
import type { SelfTestResult } from './self-test.js';
import type { StatsSnapshot } from './server-stats.js';

/** Options of {@link runPerf}; {@link PERF_DEFAULTS} fills what is left out. */
export interface PerfOptions {
  /** Server origin, e.g. `http://localhost:8000`; `host:port` of the gRPC endpoint for gRPC. */
  readonly url: string;
  /** `http` (default) or `grpc` (ModelInfer on `inference.GRPCInferenceService`). */
  readonly protocol?: PerfProtocol;
  readonly model: string;
  readonly version?: string;
  readonly batchSize?: number;
  readonly shapes?: ReadonlyMap<string, readonly number[]>;
  readonly data?: InputDataSource;
  readonly encoding?: 'binary' | 'json';
  readonly mode?: 'concurrency' | 'rate';
  readonly range?: SweepRange;
  /** Explicit level values, in order; overrides `range`. */
  readonly levels?: readonly number[];
  readonly distribution?: RequestDistribution;
  readonly maxConnections?: number;
  readonly windowMs?: number;
  readonly warmupMs?: number;
  /** Stability tolerance in percent. */
  readonly stabilityPercentage?: number;
  readonly maxTrials?: number;
  /** Report and watch this latency percentile instead of the mean. */
  readonly percentile?: number;
  /** Stop the sweep after the first level whose watched latency exceeds this (ms). */
  readonly latencyThresholdMs?: number;
  readonly client?: LoadClient;
  /**
   * Measure the generator's ceiling after the sweep when a level kept its event loop busy, and
   * warn about levels within 70 % of it. Default true.
   */
  readonly checkCeiling?: boolean;
  readonly clock?: Clock;
  readonly onWindow?: (progress: WindowProgress) => void;
}

/** Defaults of {@link PerfOptions}, perf_analyzer's where it has one. */
export const PERF_DEFAULTS = {
  batchSize: 1,
  data: 'random',
  encoding: 'binary',
  mode: 'concurrency',
  range: { start: 1, end: 1, step: 1 },
  distribution: 'constant',
  maxConnections: 64,
  windowMs: 5000,
  warmupMs: 1000,
  stabilityPercentage: 10,
  maxTrials: 10,
  client: 'raw',
  protocol: 'http',
} as const;

/** A whole run: what was measured, how, and what to be wary of. */
export interface PerfReport {
  readonly model: string;
  readonly version?: string;
  readonly url: string;
  readonly protocol: PerfProtocol;
  readonly batchSize: number;
  /** Over gRPC, inputs always travel as raw bytes (`raw_input_contents`): `binary`. */
  readonly encoding: 'binary' | 'json';
  readonly mode: 'concurrency' | 'rate';
  /** `avg`, or `pNN` when a percentile is watched. */
  readonly stabilityMetric: string;
  readonly levels: readonly LevelResult[];
  /** The generator's ceiling, when a level came close enough to make it worth measuring. */
  readonly generatorCeiling?: SelfTestResult;
  readonly warnings: readonly string[];
}

/** Event-loop utilization of the generator above which it may be what limits the measurement. */
export const GENERATOR_BUSY_WARNING = 0.7;
/**
 * Event-loop utilization above which the ceiling is measured after the sweep: at its ceiling the
 * generator's loop is 60–75 % busy (the trivial server limits the rest), so a level at 70 % of
 * the ceiling shows about 0.45.
 */
export const CEILING_CHECK_UTILIZATION = 0.3;
/** Share of the generator's ceiling from which a measurement is flagged. */
export const CEILING_WARNING_SHARE = 0.7;

export { normalizeUrl } from './perf-target.js';

/** The statistics reader, or why there is none (a server without the extension). */
async function statsReader(
  target: PerfTarget,
): Promise<{ read?: () => Promise<StatsSnapshot>; warning?: string }> {
  const read = () => target.readStats();
  try {
    await read();
    return { read };
  } catch (e) {
    return { warning: `no server-side breakdown: ${(e as Error).message}` };
  }
}

function levelWarnings(r: LevelResult): string[] {
  const at =
    r.level.kind === 'concurrency' ? `concurrency ${r.level.value}` : `rate ${r.level.value}/s`;
  const out: string[] = [];
  if (r.generator.eventLoopUtilization >= GENERATOR_BUSY_WARNING) {
    out.push(
      `${at}: the load generator's event loop was ${(r.generator.eventLoopUtilization * 100).toFixed(0)} % busy; ` +
        'it is near its own ceiling and may be what limits this measurement (braid perf --self-test shows it)',
    );
  }
  if (!r.stable)
    out.push(
      `${at}: not stable within the tolerance after ${r.windows} windows; figures are of the last 3`,
    );
  if (r.errors.count > 0)
    out.push(`${at}: ${r.errors.count} failed requests, first: ${r.errors.messages[0] ?? ''}`);
  if (r.level.kind === 'rate' && r.sendRate < 0.9 * r.level.value) {
    out.push(
      `${at}: sent only ${r.sendRate.toFixed(1)}/s; the server kept every connection busy (raise --max-connections)`,
    );
  }
  return out;
}

/** Measures the ceiling at the busiest level's load when any level came near it; warns per level. */
async function ceilingCheck(
  levels: readonly LevelResult[],
  o: { client: LoadClient; maxConnections: number },
): Promise<{ ceiling?: SelfTestResult; warnings: string[] }> {
  const busy = levels.filter(l => l.generator.eventLoopUtilization >= CEILING_CHECK_UTILIZATION);
  if (busy.length === 0) return { warnings: [] };
  const top = busy.reduce((a, b) => (b.requestsPerSec > a.requestsPerSec ? b : a));
  const concurrency = top.level.kind === 'concurrency' ? top.level.value : o.maxConnections;
  const ceiling = await runSelfTest({
    concurrency,
    client: o.client,
    windowMs: 2000,
    warmupMs: 300,
  });
  const limit = CEILING_WARNING_SHARE * ceiling.requestsPerSec;
  const warnings = levels
    .filter(l => l.requestsPerSec >= limit)
    .map(
      l =>
        `${l.level.kind} ${l.level.value}: ${l.requestsPerSec.toFixed(0)} requests/s is within 70 % of the load ` +
        `generator's ceiling (${ceiling.requestsPerSec.toFixed(0)} requests/s at concurrency ${concurrency}); ` +
        'the generator may limit it',
    );
  return { ceiling, warnings };
}

function watched(r: LevelResult, p: number | undefined): number {
  if (p === undefined) return r.latencyMs.mean;
  const l = r.latencyMs;
  const named: Record<number, number> = { 50: l.p50, 90: l.p90, 95: l.p95, 99: l.p99 };
  return named[p] ?? r.latencyMs.p99;
}

function resolveOptions(opts: PerfOptions) {
  return { ...PERF_DEFAULTS, ...opts };
}

type Resolved = ReturnType<typeof resolveOptions>;

function levelSettings(
  o: Resolved,
  url: string,
  requests: readonly PreparedRequest[],
  read: (() => Promise<StatsSnapshot>) | undefined,
): LevelSettings {
  return {
    url,
    requests,
    batchSize: o.batchSize,
    windowMs: o.windowMs,
    warmupMs: o.warmupMs,
    tolerance: o.stabilityPercentage / 100,
    maxTrials: o.maxTrials,
    distribution: o.distribution,
    maxConnections: o.maxConnections,
    client: o.client,
    clock: o.clock ?? cliClock,
    ...(o.percentile === undefined ? {} : { percentile: o.percentile }),
    ...(read ? { readStats: read } : {}),
    ...(o.onWindow ? { onWindow: o.onWindow } : {}),
  };
}

/**
 * Measures `opts.model` at every level of the sweep and returns the report.
 *
 * @example
 * const range = { start: 1, end: 4, step: 1 };
 * const report = await runPerf({ url: 'http://localhost:8000', model: 'simple', range });
 * report.levels.map(l => l.throughput);
 */
export async function runPerf(opts: PerfOptions): Promise<PerfReport> {
  const o = resolveOptions(opts);
  const target = perfTarget(o.protocol, o.url, o.model, o.version);
  try {
    return await measureTarget(o, target);
  } finally {
    target.close();
  }
}

async function measureTarget(o: Resolved, target: PerfTarget): Promise<PerfReport> {
  const info = await target.readModelInfo();
  const requests = buildRequests(info, {
    batchSize: o.batchSize,
    shapes: o.shapes ?? new Map<string, readonly number[]>(),
    data: o.data,
    encoding: o.encoding,
    ...(target.encode ? { encode: target.encode } : {}),
  });
  await target.checkFirstRequest(requests[0]!);
  const stats = await statsReader(target);
  const warnings: string[] = stats.warning ? [stats.warning] : [];
  const settings = levelSettings(o, target.loadUrl, requests, stats.read);
  const levels: LevelResult[] = [];
  for (const value of o.levels ?? rangeValues(o.range)) {
    const r = await measureLevel({ kind: o.mode, value }, settings);
    levels.push(r);
    warnings.push(...levelWarnings(r));
    if (o.latencyThresholdMs !== undefined && watched(r, o.percentile) > o.latencyThresholdMs)
      break;
  }
  // The ceiling is the HTTP generator's; a gRPC run is limited by grpc-js instead.
  const check = o.checkCeiling !== false && o.protocol === 'http';
  const checked = check ? await ceilingCheck(levels, o) : { warnings: [] };
  warnings.push(...checked.warnings);
  const base = {
    model: o.model,
    ...(o.version ? { version: o.version } : {}),
    url: target.origin,
    protocol: o.protocol,
    batchSize: o.batchSize,
    encoding: o.protocol === 'grpc' ? ('binary' as const) : o.encoding,
  };
  const stabilityMetric = o.percentile === undefined ? 'avg' : `p${o.percentile}`;
  const ceiling = checked.ceiling ? { generatorCeiling: checked.ceiling } : {};
  return { ...base, mode: o.mode, stabilityMetric, levels, ...ceiling, warnings };
}
