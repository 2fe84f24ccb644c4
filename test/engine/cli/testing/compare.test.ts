import { describe, expect, it } from 'vitest';
import {
  checkBounds,
  checkContains,
  compareElements,
} from '../../../../engine/cli/testing/compare.js';
import { elements, toTensor } from '../../../../engine/cli/testing/values.js';

const f32 = (values: number[]) => elements(toTensor('FP32', [values.length], values, 'x'));

describe('comparing values', () => {
  it('matches FP32 outputs against decimal values exactly, as the datatype stores them', () => {
    expect(compareElements('FP32', [3], f32([0.1, 1 / 3, 1e-8]), [0.1, 1 / 3, 1e-8])).toEqual([]);
  });

  it('applies atol and rtol as NumPy allclose does, and reports indices and largest errors', () => {
    const received = f32([1, 2.05, 3, 110]);
    expect(
      compareElements('FP32', [2, 2], received, [1, 2, 3, 100], { atol: 0.1, rtol: 0.1 }),
    ).toEqual([]);
    const lines = compareElements('FP32', [2, 2], received, [1, 2, 3, 100], { atol: 0.01 });
    expect(lines[0]).toBe('2 of 4 element(s) differ (atol 0.01, rtol 0)');
    expect(lines[1]).toMatch(/^ {2}at \[0,1\]: expected 2, received 2\.05 \(abs error 0\.0499999/);
    expect(lines[2]).toBe('  at [1,1]: expected 100, received 110 (abs error 10)');
    expect(lines.at(-1)).toBe('  max abs error 10 at [1,1]; max rel error 0.1 at [1,1]');
  });

  it('treats NaN as equal to NaN only, and infinities as equal to themselves only', () => {
    expect(compareElements('FP32', [2], f32([NaN, Infinity]), ['NaN', 'Infinity'])).toEqual([]);
    expect(compareElements('FP32', [1], f32([NaN]), [0], { atol: 1e9 })).toEqual([
      '1 of 1 element(s) differ (atol 1000000000, rtol 0)',
      '  at [0]: expected 0, received NaN',
    ]);
    expect(compareElements('FP32', [1], f32([Infinity]), [1e38], { rtol: 1 })[0]).toBe(
      '1 of 1 element(s) differ (atol 0, rtol 1)',
    );
  });

  it('compares 64-bit integers exactly, past 2^53', () => {
    const big = elements(toTensor('INT64', [2], ['9007199254740993', 5], 'x'));
    expect(compareElements('INT64', [2], big, ['9007199254740993', 5])).toEqual([]);
    expect(compareElements('INT64', [2], big, ['9007199254740992', 5])).toEqual([
      '1 of 2 element(s) differ',
      '  at [0]: expected 9007199254740992, received 9007199254740993',
    ]);
  });

  it('compares BYTES as text, optionally ignoring case and collapsing whitespace', () => {
    const text = ['CORNER  CAFE ', 'Total 5.75'];
    expect(
      compareElements('BYTES', [2], text, ['corner cafe', 'total 5.75'], {
        ignoreCase: true,
        collapseWhitespace: true,
      }),
    ).toEqual([]);
    expect(compareElements('BYTES', [2], text, ['CORNER CAFE', 'Total 5.75'])).toEqual([
      '1 of 2 element(s) differ',
      '  at [0]: expected "CORNER CAFE", received "CORNER  CAFE "',
    ]);
  });

  it('lists at most five differences', () => {
    const lines = compareElements('INT32', [8], [0, 0, 0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1, 1]);
    expect(lines).toHaveLength(1 + 5 + 1 + 1);
    expect(lines[6]).toBe('  ... and 3 more');
  });

  it('checks bounds, NaN being outside any', () => {
    expect(checkBounds([3], [0.6, 0.9, 1], 0.5, 1)).toEqual([]);
    expect(checkBounds([3], [0.6, NaN, 0.2], 0.5, undefined)).toEqual([
      '2 element(s) below min 0.5; first at [1]: NaN',
    ]);
    expect(checkBounds([2, 1], [2, 0], undefined, 1)).toEqual([
      '1 element(s) above max 1; first at [0,0]: 2',
    ]);
  });

  it('checks that each string occurs in some element', () => {
    expect(checkContains(['Welcome to Braid', 'x'], ['to Braid', 'x'], {})).toEqual([]);
    expect(checkContains(['Welcome to Brald'], ['Braid'], {})).toEqual([
      'no element contains "Braid"; received ["Welcome to Brald"]',
    ]);
    expect(checkContains(['WELCOME'], ['welcome'], { ignoreCase: true })).toEqual([]);
  });
});
