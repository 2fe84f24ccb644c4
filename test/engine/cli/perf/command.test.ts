import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PerfReport } from '../../../../engine/cli/perf/run-perf.js';
import { EXAMPLES } from '../../../support/repo.js';
import { startServe } from '../../../support/serve-process.js';
import type { ServeProcess } from '../../../support/serve-process.js';
import { runBraid } from '../braid-cli.js';

let server: ServeProcess;
const out = mkdtempSync(path.join(tmpdir(), 'braid-perf-e2e-'));
beforeAll(async () => {
  server = await startServe(['--model-repository', EXAMPLES]);
});
afterAll(async () => {
  if (server) await server.stop();
  rmSync(out, { recursive: true, force: true });
});

const SHORT = ['-p', '300', '--warmup-ms', '100', '-r', '4', '-s', '50'];

describe('braid perf against braid serve', () => {
  it('sweeps concurrency 1:2 on simple and reports sane client and server figures', async () => {
    const csv = path.join(out, 'simple.csv');
    const r = await runBraid(['perf', '-m', 'simple', '-x', '1', '-u', server.url, '--concurrency-range', '1:2:1', ...SHORT, '--format', 'json', '-f', csv]);
    expect(r.stderr).not.toMatch(/^braid:/m);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as PerfReport;
    expect(report).toMatchObject({ model: 'simple', version: '1', batchSize: 1, encoding: 'binary', mode: 'concurrency' });
    expect(report.levels.map(l => l.level.value)).toEqual([1, 2]);
    for (const l of report.levels) {
      expect(l.throughput).toBeGreaterThan(0);
      expect(l.errors.count).toBe(0);
      const { mean, p50, p90, p95, p99 } = l.latencyMs;
      expect(p50).toBeGreaterThan(0);
      expect(p50 <= p90 && p90 <= p95 && p95 <= p99 && mean <= p99).toBe(true);
      const s = l.server!;
      expect(s.requests).toBeGreaterThan(0);
      expect(s.averageBatch).toBeGreaterThanOrEqual(1);
      const parts = s.queueUs + s.computeInputUs + s.computeInferUs + s.computeOutputUs + s.overheadUs;
      expect(Math.abs(parts - s.requestUs)).toBeLessThan(0.01);
      expect(s.overheadUs).toBeGreaterThan(0);
      // The client sees the server's time plus the network and the codec: never less.
      expect(mean * 1000).toBeGreaterThan(s.requestUs);
    }
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    expect(rows).toHaveLength(3);
    expect(rows[0]!.startsWith('Concurrency,Inferences/Second,')).toBe(true);
  });

  it('prints a table in JSON tensors at batch 4 on an auto-completed model, and a clear error for an unknown one', async () => {
    const r = await runBraid(['perf', '-m', 'mlp', '-u', server.url, '-b', '4', '--json', ...SHORT]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^model 'mlp' at http:\/\/127\.0\.0\.1:\d+: batch 4, json tensors/);
    const row = lines[3]!.trim().split(/\s+/);
    expect(row[0]).toBe('1');
    expect(Number(row[1])).toBeGreaterThan(0);
    const missing = await runBraid(['perf', '-m', 'nope', '-u', server.url]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^braid: model 'nope' at http:\/\/127\.0\.0\.1:\d+: /);
  });
});
