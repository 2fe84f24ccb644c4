import { describe, expect, it } from 'vitest';
import { defaultHttpThreadCount, httpThreadCount } from '../../../engine/cli/http-threads.js';

describe('--http-thread-count', () => {
  it('defaults to one loop on one or two cores and cores - 2 frontend threads above, at most 4', () => {
    expect([1, 2, 3, 4, 5, 6, 8, 64].map(defaultHttpThreadCount)).toEqual([1, 1, 1, 2, 3, 4, 4, 4]);
  });

  it('takes an explicit count over the default, whatever the cores', () => {
    expect(httpThreadCount(undefined, 16)).toBe(4);
    expect(httpThreadCount('1', 16)).toBe(1);
    expect(httpThreadCount('8', 2)).toBe(8);
  });
});
