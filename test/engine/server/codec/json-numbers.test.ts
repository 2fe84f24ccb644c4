// The numeric fast path must give exactly what JSON.parse gives: same values (bit for bit),
// same tensors, same errors. Every check compares against JSON.parse as the oracle.
import { describe, expect, it } from 'vitest';
import type { DataType } from '../../../../engine/core/datatype.js';
import { EngineError } from '../../../../engine/core/errors.js';
import { parseInferJson, scanNumericData } from '../../../../engine/server/codec/json-data-scan.js';
import { readJsonData, readJsonNumberData } from '../../../../engine/server/codec/json-data.js';
import { readJsonNumbers } from '../../../../engine/server/codec/json-numbers.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A deterministic generator (mulberry32), so a failure names a reproducible case. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

/** Number texts of every shape JSON allows: short, 17 digits, exponents, subnormal, huge. */
function numberTexts(n: number, seed: number): string[] {
  const r = rng(seed);
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const x = (r() - 0.5) * 10 ** Math.floor(r() * 40 - 20);
    switch (i % 8) {
      case 0:
        out.push(String(Math.fround(x)));
        break; // a float32 printed as a double
      case 1:
        out.push(x.toPrecision(1 + Math.floor(r() * 21)));
        break;
      case 2:
        out.push(x.toExponential(Math.floor(r() * 20)));
        break;
      case 3:
        out.push(String(Math.round(x * 1e6)));
        break;
      case 4:
        out.push(
          `${r() < 0.5 ? '-' : ''}0.${'0'.repeat(Math.floor(r() * 30))}${Math.floor(r() * 1e9)}`,
        );
        break;
      case 5:
        out.push(
          `${Math.floor(r() * 1e9)}${'0'.repeat(Math.floor(r() * 25))}E${r() < 0.5 ? '-' : '+'}${Math.floor(r() * 330)}`,
        );
        break;
      case 6:
        out.push(
          [
            '-0',
            '0',
            '5e-324',
            '1.7976931348623157e308',
            '2e308',
            '1e-400',
            '0.1',
            '9007199254740993',
          ][Math.floor(r() * 8)]!,
        );
        break;
      default:
        out.push(String(x));
    }
  }
  return out;
}

describe('readJsonNumbers', () => {
  it('reads every number as JSON.parse does, bit for bit, for FP64 and FP32', () => {
    const texts = numberTexts(4000, 7);
    const text = `[${texts.join(',')}]`;
    const expected = JSON.parse(text) as number[];
    const read = readJsonNumbers(utf8(text), 0, 100)!;
    const f64 = Array.from(read.numbers.valuesFor('FP64'));
    for (let i = 0; i < expected.length; i++)
      expect([texts[i], Object.is(f64[i], expected[i])]).toEqual([texts[i], true]);
    const again = readJsonNumbers(utf8(text), 0, 100)!.numbers.valuesFor('FP32');
    for (let i = 0; i < expected.length; i++) {
      expect([texts[i], Object.is(Math.fround(again[i]!), Math.fround(expected[i]!))]).toEqual([
        texts[i],
        true,
      ]);
    }
  });

  it('flattens nested arrays in row-major order and reports where the array ends', () => {
    const text = '[[1, 2], [3, [4.5]], []] , "rest"';
    const read = readJsonNumbers(utf8(text), 0, 100)!;
    expect(Array.from(read.numbers.valuesFor('FP64'))).toEqual([1, 2, 3, 4.5]);
    expect(text.slice(read.end)).toBe(' , "rest"');
  });

  it.each([
    '[1 2]',
    '[1,]',
    '[,1]',
    '[01]',
    '[1.]',
    '[.5]',
    '[+1]',
    '[1e]',
    '[-]',
    '[1,,2]',
    '[[1]',
    '[NaN]',
    '[Infinity]',
    '[true]',
    '["1"]',
    '[null]',
    '[{}]',
    '[1]]',
    '[0x10]',
    '[1e+]',
  ])('leaves %s to JSON.parse (not a plain numeric array)', text => {
    const bytes = utf8(text);
    const read = readJsonNumbers(bytes, 0, 100);
    if (read === undefined) return;
    // Only a valid prefix may be taken; then the rest must make JSON.parse fail anyway.
    expect(() => JSON.parse(text)).toThrow();
  });

  it('refuses arrays nested deeper than the limit', () => {
    expect(readJsonNumbers(utf8(`${'['.repeat(3)}1${']'.repeat(3)}`), 0, 2)).toBeUndefined();
    expect(readJsonNumbers(utf8(`${'['.repeat(3)}1${']'.repeat(3)}`), 0, 3)).toBeDefined();
  });
});

describe('scanNumericData', () => {
  it('takes only inputs[i].data, indexed as JSON.parse indexes inputs', () => {
    const body = JSON.stringify({
      id: 'a"b\\',
      parameters: { data: [1, 2] },
      inputs: [
        5,
        { name: 'x', data: [1, 2], parameters: { data: [9] } },
        { data: ['s'] },
        { data: [[3], [4]] },
      ],
    });
    const scanned = scanNumericData(utf8(body), 100)!;
    expect([...scanned.numbers.keys()]).toEqual([1, 3]);
    const json = JSON.parse(scanned.text) as {
      parameters: unknown;
      inputs: Array<{ data: unknown; parameters?: unknown }>;
    };
    expect(json.parameters).toEqual({ data: [1, 2] });
    expect(json.inputs[1]).toEqual({ name: 'x', data: 0, parameters: { data: [9] } });
    expect(json.inputs[2]!.data).toEqual(['s']);
    expect(Array.from(scanned.numbers.get(3)!.valuesFor('FP32'))).toEqual([3, 4]);
  });

  it.each([
    ['a repeated data key (JSON.parse keeps the last)', '{"inputs":[{"data":[1],"data":["x"]}]}'],
    ['a repeated inputs key', '{"inputs":[{"data":[1]}],"inputs":[]}'],
    ['an escaped key that may spell data', '{"inputs":[{"d\\u0061ta":[1],"data":[2]}]}'],
    ['an unclosed structure', '{"inputs":[{"data":[1]}]'],
  ])('gives up on %s', (_, body) => {
    expect(scanNumericData(utf8(body), 100)).toBeUndefined();
  });
});

describe('parseInferJson and readJsonNumberData against JSON.parse + readJsonData', () => {
  const decode = (body: string, datatype: DataType, shape: number[]): unknown => {
    try {
      const { json, numbers } = parseInferJson(utf8(body), 0);
      const input = (json as { inputs: Array<{ data: unknown }> }).inputs[0]!;
      const read = numbers?.get(0);
      return read
        ? readJsonNumberData('X', datatype, shape, read)
        : readJsonData('X', datatype, shape, input.data);
    } catch (e) {
      return e instanceof EngineError ? `${e.code}: ${e.message}` : String(e);
    }
  };
  const oracle = (body: string, datatype: DataType, shape: number[]): unknown => {
    try {
      const json = JSON.parse(body) as { inputs: Array<{ data: unknown }> };
      return readJsonData('X', datatype, shape, json.inputs[0]!.data);
    } catch (e) {
      return e instanceof EngineError ? `${e.code}: ${e.message}` : String(e);
    }
  };
  const cases: Array<[DataType, number[], string]> = [
    ['FP32', [2, 2], '[[1.5, 2], [3, 4e-2]]'],
    ['FP64', [3], '[0.1, 0.30000000000000004, 1e-320]'],
    ['INT32', [3], '[1, -2, 2147483647]'],
    ['INT32', [2], '[1, 2.5]'],
    ['UINT8', [2], '[1, 256]'],
    ['INT64', [2], '[9007199254740993, -1]'],
    ['BOOL', [2], '[1, 0]'],
    ['BYTES', [1], '[7]'],
    ['FP16', [1], '[1]'],
    ['FP32', [3], '[1, 2]'],
    ['FP32', [2], '[[1], [2, 3]]'],
  ];
  it.each(cases)('%s %j %s decodes identically', (datatype, shape, data) => {
    const body = `{"inputs":[{"name":"X","datatype":"${datatype}","shape":${JSON.stringify(shape)},"data":${data}}]}`;
    expect(decode(body, datatype, shape)).toEqual(oracle(body, datatype, shape));
  });
});
