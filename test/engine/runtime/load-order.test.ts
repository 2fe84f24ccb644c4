import { describe, expect, it } from 'vitest';
import { loadWaves } from '../../../engine/runtime/load-order.js';

describe('loadWaves', () => {
  it('loads models first, then pipelines after what they use', () => {
    const deps = new Map([
      ['ocr', ['det', 'rec', 'pre']],
      ['pre', ['resize']],
    ]);
    expect(loadWaves(['ocr', 'det', 'rec', 'pre', 'resize'], deps)).toEqual([
      ['det', 'rec', 'resize'],
      ['pre'],
      ['ocr'],
    ]);
  });

  it('still tries pipelines in a cycle or waiting on a missing model, last', () => {
    const deps = new Map([
      ['a', ['b']],
      ['b', ['a']],
      ['c', ['missing']],
    ]);
    expect(loadWaves(['a', 'b', 'c', 'm'], deps)).toEqual([['m'], ['c'], ['a', 'b']]);
  });
});
