import { describe, expect, it } from 'vitest';
import {
  candidateAt,
  candidateLabel,
  defaultSpace,
  pointOf,
  spaceSizes,
  withBase,
} from '../../../../engine/cli/analyze/space.js';
import type { BaseSettings } from '../../../../engine/cli/analyze/space.js';

const base: BaseSettings = {
  backend: 'onnxruntime',
  batches: true,
  oneGroup: true,
  maxBatchSize: 64,
  queueDelayUs: 1000,
  preferred: [],
  instances: 1,
  intraOpThreads: 'default',
};

describe('search space', () => {
  it('searches around the current config by default, small on 2 cores', () => {
    const space = withBase(defaultSpace(base, 2), base);
    expect(space).toEqual({
      maxBatchSize: [16, 64],
      queueDelayUs: ['off', 100, 1000],
      preferred: [[]],
      instances: [1, 2],
      intraOpThreads: ['default', 1],
    });
    expect(spaceSizes(space).reduce((a, b) => a * b, 1)).toBe(24);
    expect(defaultSpace(base, 16).intraOpThreads).toEqual(['default', 1, 8]);
  });

  it('always contains the current config, sorted in, so the quick search can start there', () => {
    const current = {
      ...base,
      maxBatchSize: 24,
      queueDelayUs: 250,
      instances: 3,
      intraOpThreads: 4,
    } as const;
    const space = withBase(
      {
        maxBatchSize: [8, 32],
        queueDelayUs: ['off', 100],
        preferred: ['max'],
        instances: [1],
        intraOpThreads: [1],
      },
      current,
    );
    expect(space.maxBatchSize).toEqual([8, 24, 32]);
    expect(space.queueDelayUs).toEqual(['off', 100, 250]);
    expect(space.preferred).toEqual([[], 'max']);
    expect(space.intraOpThreads).toEqual([1, 4]);
    expect(candidateAt(space, pointOf(space, current))).toMatchObject({
      maxBatchSize: 24,
      queueDelayUs: 250,
      instances: 3,
      intraOpThreads: 4,
    });
  });

  it('narrows settings that do not apply to the model to its current value', () => {
    const fixed = {
      ...base,
      backend: 'js',
      batches: false,
      oneGroup: false,
      maxBatchSize: 0,
      queueDelayUs: 'off',
    } as const;
    const space = withBase(defaultSpace(fixed, 2), fixed);
    expect(spaceSizes(space)).toEqual([1, 1, 1, 1, 1]);
  });

  it('rejects a grid point outside the space', () => {
    const space = withBase(defaultSpace(base, 2), base);
    expect(() => candidateAt(space, [0, 0, 0, 0, 9])).toThrow(/outside the search space/);
  });

  it('labels candidates for tables', () => {
    expect(candidateLabel({ ...base, preferred: 'max', instances: 2 })).toBe(
      'batch 64, delay 1000 µs, preferred max, 2 instances, threads default',
    );
    expect(candidateLabel({ ...base, queueDelayUs: 'off', preferred: 'max' })).toBe(
      'batch 64, no dynamic batching, 1 instance, threads default',
    );
    expect(candidateLabel({ ...base, maxBatchSize: 1, preferred: [4] })).toBe(
      'batch 1, delay 1000 µs, 1 instance, threads default',
    );
  });
});
