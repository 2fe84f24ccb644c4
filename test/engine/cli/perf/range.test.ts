import { describe, expect, it } from 'vitest';
import { parseRange, rangeValues } from '../../../../engine/cli/perf/range.js';

describe('parseRange', () => {
  it('reads start[:end[:step]] with perf_analyzer defaults', () => {
    expect(parseRange('4', '--c', true)).toEqual({ start: 4, end: 4, step: 1 });
    expect(parseRange('1:8', '--c', true)).toEqual({ start: 1, end: 8, step: 1 });
    expect(parseRange('100:500:50.5', '--r', false)).toEqual({ start: 100, end: 500, step: 50.5 });
  });

  it.each(['0:4', '4:1', '1:4:0', '1:x', '1::2', '1:2:3:4', ''])(
    'refuses %j, naming the flag',
    text => {
      expect(() => parseRange(text, '--concurrency-range', true)).toThrow(
        /^--concurrency-range must be start\[:end\[:step\]\]/,
      );
    },
  );

  it('refuses fractions where whole numbers are needed', () => {
    expect(() => parseRange('1.5', '--concurrency-range', true)).toThrow(/whole numbers/);
  });
});

describe('rangeValues', () => {
  it('steps from the start up to the end inclusive, without float drift', () => {
    expect(rangeValues({ start: 1, end: 8, step: 3 })).toEqual([1, 4, 7]);
    expect(rangeValues({ start: 1, end: 7, step: 3 })).toEqual([1, 4, 7]);
    expect(rangeValues({ start: 0.1, end: 0.3, step: 0.1 })).toEqual([0.1, 0.2, 0.3]);
  });
});
