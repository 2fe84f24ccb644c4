// issue #10 item 7: client names and values in error messages are bounded in depth and length.
import { describe, expect, it } from 'vitest';
import {
  MAX_DESCRIBED_CHARS,
  MAX_QUOTED_CHARS,
  describeValue,
  quote,
  truncate,
} from '../../../engine/core/client-value.js';

const nested = (depth: number): unknown => JSON.parse('['.repeat(depth) + ']'.repeat(depth));

describe('quote', () => {
  it('quotes a name whole up to the limit', () => {
    expect(quote('INPUT0')).toBe("'INPUT0'");
    expect(quote('x'.repeat(MAX_QUOTED_CHARS))).toBe(`'${'x'.repeat(MAX_QUOTED_CHARS)}'`);
  });

  it('cuts a longer name and says how long it was', () => {
    expect(quote('x'.repeat(10_000_000))).toBe(
      `'${'x'.repeat(MAX_QUOTED_CHARS)}...' (10000000 characters)`,
    );
  });

  it('never splits a surrogate pair', () => {
    const q = quote('a' + '😀'.repeat(MAX_QUOTED_CHARS));
    expect(q.startsWith(`'a${'😀'.repeat((MAX_QUOTED_CHARS - 2) / 2)}...'`)).toBe(true);
    expect(q).not.toMatch(/[\ud800-\udbff](?![\udc00-\udfff])/);
  });
});

describe('describeValue', () => {
  it('writes small values as JSON', () => {
    expect(describeValue('high')).toBe('"high"');
    expect(describeValue([1, 'a', true, null])).toBe('[1,"a",true,null]');
    expect(describeValue({ a: 1, b: [2] })).toBe('{"a":1,"b":[2]}');
    expect(describeValue(undefined)).toBe('nothing');
    expect(describeValue(NaN)).toBe('NaN');
  });

  it('opens three levels and no more, however deep the value nests', () => {
    expect(describeValue(nested(4))).toBe('[[[[...]]]]');
    expect(describeValue(nested(100_000))).toBe('[[[[...]]]]');
    const objects = JSON.parse('{"a":'.repeat(10_000) + '1' + '}'.repeat(10_000)) as unknown;
    expect(describeValue(objects)).toBe('{"a":{"a":{"a":{...}}}}');
  });

  it(`cuts long values to ${MAX_DESCRIBED_CHARS} characters`, () => {
    for (const v of [
      's'.repeat(1e6),
      Array(1e6).fill(7),
      { ['k'.repeat(1e6)]: 1 },
      [['s'.repeat(1e6)]],
    ]) {
      const d = describeValue(v);
      expect(d.length).toBe(MAX_DESCRIBED_CHARS);
      expect(d.endsWith('...')).toBe(true);
    }
  });
});

describe('truncate', () => {
  it('keeps short text and cuts long text saying how much', () => {
    expect(truncate('abc', 3)).toBe('abc');
    expect(truncate('abcdef', 3)).toBe('abc... (3 more characters)');
  });
});
