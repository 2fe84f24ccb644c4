import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatTable } from '../../../../engine/cli/perf/format.js';
import { runPerf } from '../../../../engine/cli/perf/run-perf.js';
import type { PerfReport } from '../../../../engine/cli/perf/run-perf.js';
import { EXAMPLES } from '../../../support/repo.js';
import { startServe } from '../../../support/serve-process.js';
import type { ServeProcess } from '../../../support/serve-process.js';
import { runBraid } from '../braid-cli.js';

let server: ServeProcess;
let address: string;
beforeAll(async () => {
  server = await startServe([
    '--grpc-address',
    '127.0.0.1',
    '--model-repository',
    EXAMPLES,
    '--model-control-mode',
    'explicit',
    '--load-model',
    'simple',
  ]);
  const started = server.logs.find(l => l.msg === 'Started GRPCInferenceService');
  address = `127.0.0.1:${started!.port as number}`;
}, 60_000);
afterAll(async () => {
  if (server) await server.stop();
});

const SHORT = ['-p', '300', '--warmup-ms', '100', '-r', '4', '-s', '50'];

describe('braid perf -i grpc against braid serve', () => {
  it('sweeps concurrency 1:2 on simple over ModelInfer with sane client and server figures', async () => {
    const args = ['perf', '-m', 'simple', '-x', '1', '-i', 'grpc', '-u', address];
    const r = await runBraid([...args, '--concurrency-range', '1:2', ...SHORT, '--format', 'json']);
    expect(r.stderr).not.toMatch(/^braid:/m);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as PerfReport;
    expect(report).toMatchObject({
      model: 'simple',
      version: '1',
      url: address,
      protocol: 'grpc',
      encoding: 'binary',
      mode: 'concurrency',
    });
    expect(report.levels.map(l => l.level.value)).toEqual([1, 2]);
    expect(formatTable(report).split('\n')[0]).toBe(
      `model 'simple' version 1 at ${address}: batch 1, gRPC raw tensors, stability on avg latency`,
    );
    for (const l of report.levels) {
      const concurrency = l.level.value;
      expect(l.errors.count).toBe(0);
      expect(l.requests).toBeGreaterThan(0);
      expect(l.throughput).toBeCloseTo(l.requestsPerSec, 9);
      const { mean, p50, p90, p95, p99 } = l.latencyMs;
      expect(p50 <= p90 && p90 <= p95 && p95 <= p99 && mean <= p99).toBe(true);
      // The statistics came over gRPC too, and counted the client's requests.
      const s = l.server!;
      expect(s.requests).toBeGreaterThanOrEqual(l.requests - concurrency);
      expect(s.inferences).toBe(s.requests);
      expect(s.averageBatch).toBeCloseTo(s.inferences / s.executions, 9);
      if (concurrency === 1) expect(s.averageBatch).toBe(1);
      expect(mean * 1000).toBeGreaterThan(s.requestUs);
    }
  });

  it('names the model and the gRPC endpoint when the model is unknown', async () => {
    const run = runPerf({ url: address, protocol: 'grpc', model: 'nope', windowMs: 100 });
    await expect(run).rejects.toThrow(`model 'nope' at ${address}: ModelMetadata: gRPC status 5`);
  });

  it('refuses a URL that is not host:port, naming the flag', async () => {
    const run = runPerf({ url: `http://${address}/v2`, protocol: 'grpc', model: 'simple' });
    await expect(run).rejects.toThrow('with --protocol grpc, expected host:port');
  });
});
