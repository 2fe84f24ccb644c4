import {
  existsSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { runAnalyze } from '../../../../engine/cli/analyze/run-analyze.js';
import type { AnalyzeOptions } from '../../../../engine/cli/analyze/run-analyze.js';
import type { LaunchServer } from '../../../../engine/cli/analyze/serve-candidate.js';
import { SimulatedClock } from '../../../../engine/core/clock.js';
import { startFakeKserve } from '../fake-kserve.js';

const ORIGINAL = `# tuned by hand
backend: onnxruntime
max_batch_size: 64
input: [{ name: x, data_type: TYPE_FP32, dims: [4] }]
output: [{ name: y, data_type: TYPE_FP32, dims: [4] }]
instance_group: [{ count: 1, kind: KIND_CPU }]
dynamic_batching: { max_queue_delay_microseconds: 1000 }
`;

let repo = '';
beforeAll(() => {
  repo = mkdtempSync(path.join(tmpdir(), 'analyze-test-'));
  mkdirSync(path.join(repo, 'fake', '1'), { recursive: true });
  writeFileSync(path.join(repo, 'fake', 'config.yaml'), ORIGINAL);
  writeFileSync(path.join(repo, 'fake', '1', 'model.onnx'), 'not really a model');
  mkdirSync(path.join(repo, 'other', '1'), { recursive: true });
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));
beforeEach(() => {
  clock = new SimulatedClock();
});

interface Served {
  readonly max_batch_size: number;
  readonly dynamic_batching?: { readonly max_queue_delay_microseconds: number };
  readonly instance_group: readonly { readonly count: number }[];
}

/**
 * Serves each candidate from a fake server whose latency follows its config: 3 units at best
 * (batch 16, no dynamic batching, 2 instances), more for every other choice, so the optimum is
 * known and every step of the climb has a clear winner.
 */
function fakeLauncher(
  seen: string[],
  failWhen: (c: Served) => boolean = () => false,
): LaunchServer {
  return async (dir, model) => {
    seen.push(dir);
    expect(lstatSync(path.join(dir, 'other')).isSymbolicLink()).toBe(true);
    const config = parse(readFileSync(path.join(dir, model, 'config.yaml'), 'utf8')) as Served;
    if (failWhen(config)) throw new Error(`model '${model}' did not become ready`);
    const delay = config.dynamic_batching
      ? 2 + Math.round(config.dynamic_batching.max_queue_delay_microseconds / 250)
      : 0;
    const units =
      3 +
      (config.instance_group[0]!.count === 2 ? 0 : 8) +
      delay +
      (config.max_batch_size === 16 ? 0 : 4);
    const latencyMs = LATENCY_SCALE * units;
    const fake = await startFakeKserve({
      model,
      latencyMs,
      clock,
      config: { backend: 'onnxruntime', ...config, parameters: {} },
    });
    return {
      port: fake.port,
      pid: process.pid,
      origin: fake.origin,
      output: () => '',
      stop: () => fake.close(),
    };
  };
}

/**
 * The fake servers' latencies and the measurements share one simulated clock that moves 0.1 ms
 * at each turn of the event loop, so a busy machine slows the analysis down without blurring
 * the differences between candidates. Each unit is 4 ms; the windows hold dozens of requests.
 */
const LATENCY_SCALE = 4;
let clock = new SimulatedClock();

function options(o: Partial<AnalyzeOptions>): AnalyzeOptions {
  const measure = {
    concurrency: [2],
    windowMs: 240,
    warmupMs: 40,
    maxTrials: 3,
    checkCeiling: false,
    clock,
  } as const;
  return {
    repository: repo,
    model: 'fake',
    objective: 'throughput',
    constraints: {},
    search: 'quick',
    measure,
    cores: 2,
    ...o,
  };
}

/** Runs the analysis with the clock moving at every turn of the event loop. */
async function analyze(o: AnalyzeOptions): ReturnType<typeof runAnalyze> {
  let driving = true;
  const drive = () => {
    clock.advance(0.1);
    if (driving) setImmediate(drive);
  };
  setImmediate(drive);
  try {
    return await runAnalyze(o);
  } finally {
    driving = false;
  }
}

describe('runAnalyze', () => {
  it('climbs from the current config to the best candidate, each on its own repository copy', async () => {
    const seen: string[] = [];
    const space = { maxBatchSize: [16], intraOpThreads: ['default' as const] };
    const r = await analyze(options({ space, launch: fakeLauncher(seen) }));
    expect(r.runs[0]!.isDefault).toBe(true);
    expect(r.defaultRun.label).toBe('batch 64, delay 1000 µs, 1 instance, threads default');
    expect(r.best.candidate).toMatchObject({ maxBatchSize: 16, queueDelayUs: 'off', instances: 2 });
    const best = parse(r.best.configText) as Served;
    expect(best.max_batch_size).toBe(16);
    expect(best.dynamic_batching).toBeUndefined();
    expect(best.instance_group[0]!.count).toBe(2);
    expect(r.best.configText.startsWith('# tuned by hand')).toBe(true);
    expect(r.best.score.point!.throughput).toBeGreaterThan(
      2 * r.defaultRun.score.point!.throughput,
    );
    expect(new Set(r.runs.map(x => x.configText)).size).toBe(r.runs.length);
    expect(r.runs.length).toBeLessThan(2 * 3 * 2);
    expect(seen).toHaveLength(r.runs.length);
    expect(seen.some(existsSync)).toBe(false);
    expect(readFileSync(path.join(repo, 'fake', 'config.yaml'), 'utf8')).toBe(ORIGINAL);
  });

  it('records candidates that fail to serve and recommends among the others (brute force)', async () => {
    const seen: string[] = [];
    const space = {
      maxBatchSize: [64],
      queueDelayUs: ['off' as const],
      instances: [1, 2],
      intraOpThreads: ['default' as const],
    };
    const launch = fakeLauncher(seen, c => c.instance_group[0]!.count === 2);
    const r = await analyze(
      options({ space, search: 'brute', launch, constraints: { latencyBudgetMs: 1000 } }),
    );
    expect(r.runs).toHaveLength(4);
    const failed = r.runs.filter(x => x.error !== undefined);
    expect(failed.map(x => x.candidate.instances)).toEqual([2, 2]);
    expect(failed[0]!.error).toContain('did not become ready');
    expect(r.best.candidate).toMatchObject({ queueDelayUs: 'off', instances: 1 });
    expect(r.best.score.feasible).toBe(true);
  });
});
