import { describe, expect, it } from 'vitest';
import { parseAnalyzeFlags } from '../../../../engine/cli/analyze/flags.js';

const required = ['-m', 'mlp', '--model-repository', 'models'];

describe('parseAnalyzeFlags', () => {
  it('reads objective, constraints, search and measurement, with small defaults', () => {
    const cmd = parseAnalyzeFlags([
      ...required,
      '--latency-budget',
      '12.5',
      '--min-throughput',
      '900',
    ]);
    expect(cmd).toMatchObject({
      model: 'mlp',
      repository: 'models',
      objective: 'throughput',
      search: 'quick',
      constraints: { latencyBudgetMs: 12.5, minThroughput: 900 },
      concurrency: [1, 4, 16, 64],
      windowMs: 1000,
      maxTrials: 5,
      outputDir: 'braid-analyze-mlp',
      space: {},
    });
  });

  it('takes the settings to search as lists, and concurrency as a list or a range', () => {
    const cmd = parseAnalyzeFlags([
      ...required,
      '--max-batch-sizes',
      '8,32',
      '--queue-delays',
      'off,0,500',
      '--preferred-batch-sizes',
      'none,max',
      '--instance-counts',
      '1,3',
      '--intra-op-threads',
      'default,2',
      '--concurrency',
      '2:8:3',
      '--search',
      'brute',
      '--objective',
      'latency',
    ]);
    expect(cmd.space).toEqual({
      maxBatchSize: [8, 32],
      queueDelayUs: ['off', 0, 500],
      preferred: [[], 'max'],
      instances: [1, 3],
      intraOpThreads: ['default', 2],
    });
    expect(cmd.concurrency).toEqual([2, 5, 8]);
    expect(cmd).toMatchObject({ search: 'brute', objective: 'latency' });
  });

  it.each([
    [['-m', 'mlp'], 'are required'],
    [[...required, '--search', 'optuna'], "--search must be quick or brute, got 'optuna'"],
    [
      [...required, '--queue-delays', 'off,soon'],
      "--queue-delays must be an integer >= 0, got 'soon'",
    ],
    [
      [...required, '--preferred-batch-sizes', '4'],
      "--preferred-batch-sizes values must be none or max, got '4'",
    ],
    [
      [...required, '--instance-counts', '1,,2'],
      '--instance-counts must be a comma-separated list',
    ],
    [
      [...required, '--latency-budget', 'fast'],
      "--latency-budget must be a number >= 0, got 'fast'",
    ],
  ])('refuses %j with a message naming the flag', (argv, message) => {
    expect(() => parseAnalyzeFlags(argv)).toThrow(message);
  });
});
