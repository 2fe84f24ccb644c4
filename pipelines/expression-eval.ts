/**
 * @module Evaluates a parsed guard against the tensors and parameters of one request.
 */
import { EngineError } from '../engine/core/errors.js';
import type { PlanExpr, PlanGuard } from '../engine/core/plan.js';
import type { ParameterValue } from '../engine/core/request.js';
import { elementCount, formatShape } from '../engine/core/tensor.js';
import type { Tensor } from '../engine/core/tensor.js';

/** What a guard can read. */
export interface GuardScope {
  /** A tensor of the request, or undefined when it is absent. */
  tensor(name: string): Tensor | undefined;
  readonly params: Readonly<Record<string, ParameterValue>>;
}

type Value = number | string | boolean | null;

/** Thrown inside evaluation when a guard reads an absent tensor: the guard is then false. */
class Absent extends Error {}

const decoder = new TextDecoder();

/**
 * Evaluates a guard. Reading an absent tensor (other than through `has`) makes it false. A
 * parameter that was not sent is null: `==`/`!=` compare it, ordering comparisons with it are
 * false. Throws EngineError INVALID_ARG, naming `where`, when a value has the wrong type at run
 * time (a string parameter compared with `<`, an index out of range).
 *
 * @example
 * evaluateGuard(step.when, { tensor: n => store.get(n), params: { mode: 'fast' } }, "step 'rec'");
 */
export function evaluateGuard(guard: PlanGuard, scope: GuardScope, where: string): boolean {
  try {
    const v = evaluate(guard.expr, scope, where, guard.source);
    if (typeof v !== 'boolean')
      throw typeError(where, guard.source, `it evaluated to ${show(v)}, not true or false`);
    return v;
  } catch (e) {
    if (e instanceof Absent) return false;
    throw e;
  }
}

function evaluate(e: PlanExpr, s: GuardScope, where: string, src: string): Value {
  switch (e.kind) {
    case 'literal':
      return e.value;
    case 'param': {
      const v = s.params[e.name];
      return e.has ? v !== undefined : (v ?? null);
    }
    case 'call':
      return call(e, s, where, src);
    case 'not':
      return !bool(evaluate(e.arg, s, where, src), where, src, "'!'");
    case 'neg': {
      const v = evaluate(e.arg, s, where, src);
      if (typeof v !== 'number')
        throw typeError(where, src, `'-' needs a number, found ${show(v)}`);
      return -v;
    }
    case 'logic': {
      const left = bool(evaluate(e.left, s, where, src), where, src, `'${e.op}'`);
      if (e.op === '&&' ? !left : left) return left;
      return bool(evaluate(e.right, s, where, src), where, src, `'${e.op}'`);
    }
    case 'compare':
      return compare(
        e.op,
        evaluate(e.left, s, where, src),
        evaluate(e.right, s, where, src),
        where,
        src,
      );
  }
}

function call(
  e: Extract<PlanExpr, { kind: 'call' }>,
  s: GuardScope,
  where: string,
  src: string,
): Value {
  const t = s.tensor(e.tensor);
  if (e.fn === 'has') return t !== undefined;
  if (!t) throw new Absent();
  if (e.fn === 'rank') return t.shape.length;
  if (e.fn === 'size') return elementCount(t.shape);
  const len = e.fn === 'shape' ? t.shape.length : elementCount(t.shape);
  let i = e.index === undefined ? 0 : evaluate(e.index, s, where, src);
  if (typeof i !== 'number' || !Number.isInteger(i))
    throw typeError(where, src, `an index must be an integer, found ${show(i)}`);
  if (i < 0) i += len;
  if (i < 0 || i >= len) {
    const what = e.fn === 'shape' ? `shape ${formatShape(t.shape)}` : `${len} element(s)`;
    throw typeError(
      where,
      src,
      `index ${String(e.index === undefined ? 0 : i)} is out of range for tensor '${e.tensor}' with ${what}`,
    );
  }
  return e.fn === 'shape' ? t.shape[i]! : element(t, i);
}

function element(t: Tensor, i: number): Value {
  const v = t.data[i]!;
  if (v instanceof Uint8Array) return decoder.decode(v);
  if (typeof v === 'bigint') return Number(v);
  return t.datatype === 'BOOL' ? v !== 0 : v;
}

function compare(op: string, a: Value, b: Value, where: string, src: string): boolean {
  if (op === '==') return a === b;
  if (op === '!=') return a !== b;
  if (a === null || b === null) return false;
  if (typeof a !== 'number' || typeof b !== 'number') {
    throw typeError(where, src, `'${op}' compares numbers, found ${show(a)} and ${show(b)}`);
  }
  if (op === '<') return a < b;
  if (op === '<=') return a <= b;
  if (op === '>') return a > b;
  return a >= b;
}

function bool(v: Value, where: string, src: string, op: string): boolean {
  if (typeof v !== 'boolean')
    throw typeError(where, src, `${op} needs true or false, found ${show(v)}`);
  return v;
}

function show(v: Value): string {
  return typeof v === 'string'
    ? `the string '${v}'`
    : v === null
      ? 'a missing parameter'
      : `${typeof v} ${String(v)}`;
}

function typeError(where: string, src: string, why: string): EngineError {
  return new EngineError('INVALID_ARG', `${where}: guard "${src}" cannot be evaluated: ${why}`);
}
