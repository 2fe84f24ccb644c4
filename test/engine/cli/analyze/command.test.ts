import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ModelConfigSchema } from '../../../../engine/core/model-config.js';
import { EXAMPLES } from '../../../support/repo.js';
import { runBraid } from '../braid-cli.js';

const out = mkdtempSync(path.join(tmpdir(), 'braid-analyze-e2e-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

describe('braid analyze on the example repository', () => {
  it('measures the current config and one more candidate, and writes config, report and results', async () => {
    const args = [
      'analyze',
      '-m',
      'simple',
      '--model-repository',
      EXAMPLES,
      '--latency-budget',
      '1000',
      '--concurrency',
      '2',
    ];
    args.push(
      '--max-batch-sizes',
      '8',
      '--queue-delays',
      '500',
      '--instance-counts',
      '1,2',
      '--intra-op-threads',
      'default',
    );
    args.push('-p', '200', '--warmup-ms', '100', '-r', '3', '-s', '50', '-o', out);
    const r = await runBraid(args);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/^measuring the current config of 'simple'/);
    expect(r.stdout).toMatch(
      /^braid analyze 'simple': 2 candidates \(quick search, objective throughput\)/,
    );
    expect(r.stdout).toMatch(/recommended config: [\d.]+ infer\/s, p99 [\d.]+ ms at concurrency 2/);
    const config = ModelConfigSchema.parse(
      parse(readFileSync(path.join(out, 'config.yaml'), 'utf8')),
    );
    expect(config.name).toBe('simple');
    expect(config.max_batch_size).toBe(8);
    expect([1, 2]).toContain(config.instance_group[0]!.count);
    const html = readFileSync(path.join(out, 'report.html'), 'utf8');
    expect(html.match(/<path class="curve"/g)).toHaveLength(2);
    const results = JSON.parse(readFileSync(path.join(out, 'results.json'), 'utf8')) as {
      runs: { levels: unknown[] }[];
    };
    expect(results.runs.map(x => x.levels.length)).toEqual([1, 1]);
  });
});
