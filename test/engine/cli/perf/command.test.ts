import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PerfReport } from '../../../../engine/cli/perf/run-perf.js';
import { EXAMPLES, ROOT, tempRepository } from '../../../support/repo.js';
import { startServe } from '../../../support/serve-process.js';
import type { ServeProcess } from '../../../support/serve-process.js';
import { runBraid } from '../braid-cli.js';

let server: ServeProcess;
let repo: Awaited<ReturnType<typeof tempRepository>>;
const out = mkdtempSync(path.join(tmpdir(), 'braid-perf-e2e-'));
beforeAll(async () => {
  repo = await tempRepository({
    simple: path.join(EXAMPLES, 'simple'),
    mlp: path.join(EXAMPLES, 'mlp'),
    // Answers after 20 ms: a known floor under every latency and a ceiling over throughput.
    delay: path.join(ROOT, 'test', 'fixtures', 'js-models', 'delay'),
  });
  server = await startServe(['--model-repository', repo.dir]);
});
afterAll(async () => {
  if (server) await server.stop();
  await repo?.dispose();
  rmSync(out, { recursive: true, force: true });
});

const SHORT = ['-p', '300', '--warmup-ms', '100', '-r', '4', '-s', '50'];

describe('braid perf against braid serve', () => {
  it('sweeps concurrency 1:2 on simple and reports sane client and server figures', async () => {
    const csv = path.join(out, 'simple.csv');
    const r = await runBraid([
      'perf',
      '-m',
      'simple',
      '-x',
      '1',
      '-u',
      server.url,
      '--concurrency-range',
      '1:2:1',
      ...SHORT,
      '--format',
      'json',
      '-f',
      csv,
    ]);
    expect(r.stderr).not.toMatch(/^braid:/m);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as PerfReport;
    expect(report).toMatchObject({
      model: 'simple',
      version: '1',
      batchSize: 1,
      encoding: 'binary',
      mode: 'concurrency',
    });
    expect(report.levels.map(l => l.level.value)).toEqual([1, 2]);
    for (const l of report.levels) {
      const concurrency = l.level.value;
      expect(l.errors.count).toBe(0);
      expect(l.requests).toBeGreaterThan(0);
      expect(l.throughput).toBeCloseTo(l.requestsPerSec, 9); // batch 1: an inference per request
      expect(l.windows).toBeGreaterThanOrEqual(3);
      const { mean, p50, p90, p95, p99 } = l.latencyMs;
      expect(p50 <= p90 && p90 <= p95 && p95 <= p99 && mean <= p99).toBe(true);
      const s = l.server!;
      // The server counted every request the client completed in the windows, except those it
      // had already finished when the first statistics read was served (at most one per worker).
      expect(s.requests).toBeGreaterThanOrEqual(l.requests - concurrency);
      expect(s.inferences).toBe(s.requests);
      expect(s.executions).toBeLessThanOrEqual(s.inferences);
      expect(s.averageBatch).toBeCloseTo(s.inferences / s.executions, 9);
      if (concurrency === 1) expect(s.averageBatch).toBe(1); // one request at a time: nothing to merge
      const parts =
        s.queueUs + s.computeInputUs + s.computeInferUs + s.computeOutputUs + s.overheadUs;
      expect(Math.abs(parts - s.requestUs)).toBeLessThan(0.01);
      // The client sees the server's time plus the network and the codec: never less.
      expect(mean * 1000).toBeGreaterThan(s.requestUs);
    }
    const rows = readFileSync(csv, 'utf8').trim().split('\n');
    expect(rows).toHaveLength(3);
    expect(rows[0]!.startsWith('Concurrency,Inferences/Second,')).toBe(true);
    // The file holds the figures of the report, not another measurement.
    for (const [i, l] of report.levels.entries()) {
      const cells = rows[i + 1]!.split(',');
      expect(cells.slice(0, 3)).toEqual([
        String(l.level.value),
        l.throughput.toFixed(2),
        (l.latencyMs.mean * 1000).toFixed(0),
      ]);
    }
  });

  it('prints a table in JSON tensors at batch 4 on an auto-completed model, and a clear error for an unknown one', async () => {
    const r = await runBraid([
      'perf',
      '-m',
      'mlp',
      '-u',
      server.url,
      '-b',
      '4',
      '--json',
      ...SHORT,
    ]);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^model 'mlp' at http:\/\/127\.0\.0\.1:\d+: batch 4, json tensors/);
    const row = lines[3]!.trim().split(/\s+/);
    expect(row[0]).toBe('1');
    expect(Number(row[1])).toBeGreaterThan(0);
    const [p50, p90, p95, p99] = row.slice(3, 7).map(Number);
    expect(p50! <= p90! && p90! <= p95! && p95! <= p99!).toBe(true);
    expect(Number(row[13])).toBeGreaterThanOrEqual(4); // avg batch: every request carries 4
    expect(row[14]).toBe('0'); // errors
    const missing = await runBraid(['perf', '-m', 'nope', '-u', server.url]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/^braid: model 'nope' at http:\/\/127\.0\.0\.1:\d+: /);
  });

  it('measures a model of known delay within what that delay allows', async () => {
    const r = await runBraid([
      'perf',
      '-m',
      'delay',
      '-u',
      server.url,
      '--concurrency-range',
      '1:2:1',
      ...SHORT,
      '--format',
      'json',
    ]);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as PerfReport;
    for (const l of report.levels) {
      const concurrency = l.level.value;
      expect(l.errors.count).toBe(0);
      // No request takes less than the model's 20 ms, in the server or at the client.
      expect(l.server!.computeInferUs).toBeGreaterThanOrEqual(20_000);
      expect(l.server!.requestUs).toBeGreaterThanOrEqual(l.server!.computeInferUs);
      const { mean, p50, p90, p95, p99 } = l.latencyMs;
      expect(p50).toBeGreaterThanOrEqual(20);
      expect(p50 <= p90 && p90 <= p95 && p95 <= p99 && mean >= 20).toBe(true);
      expect(mean * 1000).toBeGreaterThan(l.server!.requestUs);
      // One instance runs one call at a time: at most 50 requests/s, whatever the concurrency.
      // Each of the three windows may also see the call under way when it opened finish, and
      // the answers still on their way to the client (one per worker) arrive.
      const durationS = l.requests / l.requestsPerSec;
      expect(l.requests).toBeLessThanOrEqual(Math.floor(durationS * 50) + 3 * (1 + concurrency));
      expect(l.requests).toBeGreaterThan(0);
    }
  });
});
