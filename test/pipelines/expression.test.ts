import { describe, expect, it } from 'vitest';
import { isEngineError } from '../../engine/core/errors.js';
import type { PlanGuard } from '../../engine/core/plan.js';
import type { Tensor } from '../../engine/core/tensor.js';
import { evaluateGuard } from '../../pipelines/expression-eval.js';
import { parseExpression } from '../../pipelines/expression.js';

const enc = new TextEncoder();
const tensors: Record<string, Tensor> = {
  boxes: { datatype: 'FP32', shape: [3, 4], data: new Float32Array(12).fill(0.5) },
  flag: { datatype: 'BOOL', shape: [1], data: Uint8Array.of(1) },
  lang: { datatype: 'BYTES', shape: [1], data: [enc.encode('de')] },
  big: { datatype: 'INT64', shape: [2], data: BigInt64Array.of(7n, 9n) },
};

function guard(source: string): PlanGuard {
  const p = parseExpression(source);
  if (!p.ok) throw new Error(`${p.error} at ${p.offset}`);
  return { source, expr: p.expr, tensors: p.refs.map(r => r.tensor) };
}

function run(source: string, params: Record<string, string | number | boolean> = {}): boolean {
  return evaluateGuard(guard(source), { tensor: n => tensors[n], params }, "step 's'");
}

describe('parseExpression', () => {
  it('lists the tensors a guard reads with their offsets', () => {
    const p = parseExpression('shape(boxes)[0] > 0 && !has(lang)');
    expect(p.ok && p.refs).toEqual([
      { tensor: 'boxes', offset: 6 },
      { tensor: 'lang', offset: 28 },
    ]);
  });

  it.each([
    ['shape(x) > 1', 'shape(T) is a list; index it, e.g. shape(T)[0]', 9],
    ["size(x) == 'a'", "'==' compares a number with a string; they are never equal", 8],
    ['size(x) && true', "'&&' joins conditions, found a number", 0],
    ['size(x)', 'the guard must be a condition, found a number', 0],
    [
      'x > 1',
      "unknown name 'x'; tensors are read through shape(), rank(), size(), has() or value(), parameters as params.NAME",
      0,
    ],
    ['size(x) > 1 1', "unexpected '1' after a complete guard", 12],
    ["params.mode == 'a", 'unterminated string', 15],
    ['size(x) # 2', "unexpected character '#'", 8],
    [
      'eval(x)',
      "unknown name 'eval'; tensors are read through shape(), rank(), size(), has() or value(), parameters as params.NAME",
      0,
    ],
  ])('rejects %s', (source, error, offset) => {
    expect(parseExpression(source)).toEqual({ ok: false, error, offset });
  });
});

describe('evaluateGuard', () => {
  it.each([
    ['shape(boxes)[0] == 3', true],
    ['shape(boxes)[-1] == 4 && rank(boxes) == 2', true],
    ['size(boxes) > 12 || size(boxes) == 12', true],
    ['!(size(boxes) < 1)', true],
    ['value(flag) == true', true],
    ["value(lang) == 'de'", true],
    ['value(big)[1] == 9 && value(big) >= 7', true],
    ['has(missing)', false],
    ['!has(missing) && has(boxes)', true],
    ['shape(missing)[0] == 0', false],
    ['value(boxes)[2] > -1.5e0', true],
  ])('%s is %s', (source, expected) => {
    expect(run(source)).toBe(expected);
  });

  it('reads request parameters; a missing one is null and never ordered', () => {
    expect(run("params.mode != 'fast'", { mode: 'slow' })).toBe(true);
    expect(run("params.mode != 'fast'")).toBe(true);
    expect(run('params.limit > 2')).toBe(false);
    expect(run('params.limit > 2', { limit: 3 })).toBe(true);
    expect(run('has(params.limit)', { limit: 0 })).toBe(true);
    expect(run('has(params.limit)')).toBe(false);
  });

  it('fails with INVALID_ARG naming the step when a value has the wrong type at run time', () => {
    try {
      run('params.limit > 2', { limit: 'many' });
      throw new Error('expected a failure');
    } catch (e) {
      expect(isEngineError(e) && e.code).toBe('INVALID_ARG');
      expect((e as Error).message).toBe(
        `step 's': guard "params.limit > 2" cannot be evaluated: '>' compares numbers, found the string 'many' and number 2`,
      );
    }
    expect(() => run('shape(boxes)[5] == 1')).toThrow(
      "index 5 is out of range for tensor 'boxes' with shape [3,4]",
    );
    expect(() => run('params.flag', { flag: 'yes' })).toThrow(
      "it evaluated to the string 'yes', not true or false",
    );
  });
});
