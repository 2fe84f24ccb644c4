import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../../engine/core/clock.js';
import { formatCsv, formatJson, formatTable } from '../../../../engine/cli/perf/format.js';
import { normalizeUrl, runPerf } from '../../../../engine/cli/perf/run-perf.js';
import type { PerfOptions } from '../../../../engine/cli/perf/run-perf.js';
import { PHASES_US, startFakeKserve } from '../fake-kserve.js';
import type { FakeKserve } from '../fake-kserve.js';

let fake: FakeKserve | undefined;
afterEach(async () => {
  await fake?.close();
  fake = undefined;
});

const quick = {
  model: 'fake',
  windowMs: 80,
  warmupMs: 20,
  maxTrials: 4,
  checkCeiling: false,
} as const;

/*
 * The fake server's latency, the windows and the pacing all run on one simulated clock that
 * moves 0.1 ms at each turn of the event loop: time passes with the work done, so a busy
 * machine slows a run down without changing what it measures.
 */
const TURN_MS = 0.1;

async function perf(
  opts: Partial<PerfOptions>,
  server: Parameters<typeof startFakeKserve>[0] = { latencyMs: 2 },
) {
  const clock = new SimulatedClock();
  fake = await startFakeKserve({ ...server, clock });
  let driving = true;
  const drive = () => {
    clock.advance(TURN_MS);
    if (driving) setImmediate(drive);
  };
  setImmediate(drive);
  try {
    return await runPerf({ ...quick, url: fake.origin, clock, ...opts });
  } finally {
    driving = false;
  }
}

interface BinaryHeader {
  readonly inputs: readonly {
    readonly name: string;
    readonly shape: readonly number[];
    readonly datatype: string;
  }[];
  readonly outputs?: unknown;
}

describe('runPerf against a KServe v2 server', () => {
  it('measures each concurrency level: throughput, ordered percentiles, the server breakdown per request', async () => {
    const r = await perf({ range: { start: 1, end: 3, step: 2 } });
    expect(r.levels.map(l => l.level)).toEqual([
      { kind: 'concurrency', value: 1 },
      { kind: 'concurrency', value: 3 },
    ]);
    for (const l of r.levels) {
      expect(l.throughput).toBeGreaterThan(0);
      expect(l.errors.count).toBe(0);
      expect(l.windows).toBeGreaterThanOrEqual(3);
      const { mean, p50, p90, p95, p99 } = l.latencyMs;
      expect(p50).toBeGreaterThanOrEqual(2);
      expect([p50 <= p90, p90 <= p95, p95 <= p99, mean <= p99]).toEqual([true, true, true, true]);
      const s = l.server!;
      expect(s.requestUs).toBeCloseTo(PHASES_US.total, 6);
      expect(s.queueUs).toBeCloseTo(PHASES_US.queue, 6);
      expect(s.computeInferUs).toBeCloseTo(PHASES_US.infer, 6);
      expect(s.overheadUs).toBeCloseTo(
        PHASES_US.total - PHASES_US.queue - PHASES_US.input - PHASES_US.infer - PHASES_US.output,
        6,
      );
      expect(s.averageBatch).toBe(1);
    }
    // Three requests in flight on a server that answers each after 2 ms, in parallel.
    expect(r.levels[1]!.throughput).toBeGreaterThan(2.5 * r.levels[0]!.throughput);
    // The clock's driver keeps this process's event loop busy by design: each level says so.
    const busy = r.warnings.filter(w => w.includes("the load generator's event loop was"));
    expect(busy.map(w => w.split(':')[0])).toEqual(['concurrency 1', 'concurrency 3']);
    expect(r.warnings.filter(w => !w.includes('not stable') && !busy.includes(w))).toEqual([]);
  });

  it('builds binary requests from the metadata, batch dimension first, every output asked for as binary', async () => {
    await perf({ batchSize: 3, range: { start: 1, end: 1, step: 1 }, maxTrials: 3 });
    const body = fake!.bodies[0]!;
    const headerLength = body.length - 3 * 4 * 4;
    const h = JSON.parse(body.subarray(0, headerLength).toString()) as BinaryHeader;
    expect(h.inputs).toEqual([
      { name: 'x', shape: [3, 4], datatype: 'FP32', parameters: { binary_data_size: 48 } },
    ]);
    expect(h.outputs).toEqual([{ name: 'y', parameters: { binary_data: true } }]);
  });

  it('counts inferences, not requests, as throughput', async () => {
    const r = await perf({ batchSize: 4, encoding: 'json', maxTrials: 3 });
    const l = r.levels[0]!;
    expect(l.throughput).toBeCloseTo(4 * l.requestsPerSec, 6);
    const sent = JSON.parse(fake!.bodies[0]!.toString()) as {
      inputs: { shape: number[]; data: number[] }[];
    };
    expect(sent.inputs[0]!.shape).toEqual([4, 4]);
    expect(sent.inputs[0]!.data).toHaveLength(16);
  });

  it('paces a request-rate level to its rate', async () => {
    const r = await perf({
      mode: 'rate',
      range: { start: 200, end: 200, step: 1 },
      windowMs: 200,
      maxTrials: 3,
    });
    const l = r.levels[0]!;
    expect(l.level).toEqual({ kind: 'rate', value: 200 });
    // 200/s over three windows of 200 ms: 120 sends, give or take the one due as a window closes.
    expect(l.sendRate).toBeGreaterThanOrEqual(119 / 0.6);
    expect(l.sendRate).toBeLessThanOrEqual(121 / 0.6);
  });

  it('runs without the breakdown, with a warning, on a server without statistics', async () => {
    const r = await perf({ maxTrials: 3 }, { latencyMs: 1, noStats: true });
    expect(r.levels[0]!.server).toBeUndefined();
    expect(r.warnings[0]).toMatch(
      /^no server-side breakdown: statistics of model 'fake': HTTP 404/,
    );
  });

  it('stops the sweep after the first level above the latency threshold', async () => {
    const r = await perf({
      range: { start: 1, end: 5, step: 2 },
      latencyThresholdMs: 0.5,
      maxTrials: 3,
    });
    expect(r.levels).toHaveLength(1);
  });

  it('fails before measuring when the model refuses the generated request or does not exist', async () => {
    await expect(perf({}, { failWith: 400 })).rejects.toThrow(
      "model 'fake' refused the generated request (HTTP 400)",
    );
    await fake?.close();
    await expect(perf({ model: 'nope' })).rejects.toThrow(
      /model 'nope' at http:\/\/127\.0\.0\.1:\d+: Request for unknown model/,
    );
  });
});

describe('report formats', () => {
  it('renders the same levels as a table, CSV with perf_analyzer column names, and JSON', async () => {
    const r = await perf({ range: { start: 1, end: 2, step: 1 }, maxTrials: 3 });
    const table = formatTable(r).split('\n');
    expect(table[0]).toMatch(/^model 'fake' at http:\/\/127\.0\.0\.1:\d+: batch 1, binary tensors/);
    expect(table[1]).toMatch(/concurrency +infer\/s +avg ms +p50 ms/);
    expect(table[3]!.trim().split(/\s+/)[0]).toBe('1');
    const csv = formatCsv(r).trim().split('\n');
    expect(csv[0]!.split(',').slice(0, 3)).toEqual([
      'Concurrency',
      'Inferences/Second',
      'Avg latency',
    ]);
    expect(csv).toHaveLength(3);
    const row = csv[2]!.split(',');
    expect(row[0]).toBe('2');
    expect(Number(row[7])).toBe(PHASES_US.queue);
    const json = JSON.parse(formatJson(r)) as { levels: { latencyMs: { p99: number } }[] };
    expect(json.levels[1]!.latencyMs.p99).toBe(r.levels[1]!.latencyMs.p99);
  });
});

describe('normalizeUrl', () => {
  it('adds http:// and drops paths', () => {
    expect(normalizeUrl('localhost:8000')).toBe('http://localhost:8000');
    expect(normalizeUrl('http://h:1/')).toBe('http://h:1');
    expect(() => normalizeUrl('https://h')).toThrow(/only http/);
  });
});
