/**
 * @module The guard language of `when:`. A tiny recursive-descent parser with static type
 * checks; nothing is ever passed to `eval`. Grammar, loosest first:
 *
 * ```
 * or      := and ('||' and)*
 * and     := compare ('&&' compare)*
 * compare := unary (('=='|'!='|'<'|'<='|'>'|'>=') unary)?
 * unary   := ('!'|'-') unary | primary
 * primary := NUMBER | STRING | true | false | params.NAME | '(' or ')'
 *          | shape(T)[expr] | rank(T) | size(T) | has(T) | has(params.NAME) | value(T) ('[' expr ']')?
 * ```
 */
import type { PlanCompareOp, PlanExpr, PlanFunction } from '../engine/core/plan.js';

/** A tensor named by an expression, with its offset in the source. */
export interface ExprRef {
  readonly tensor: string;
  readonly offset: number;
}

/** A parsed guard, or why it does not parse (with the offset of the problem). */
export type ParsedExpr =
  | { readonly ok: true; readonly expr: PlanExpr; readonly refs: readonly ExprRef[] }
  | { readonly ok: false; readonly error: string; readonly offset: number };

type Type = 'number' | 'string' | 'boolean' | 'any';
interface Tok {
  readonly kind: 'num' | 'str' | 'id' | 'op' | 'end';
  readonly text: string;
  readonly value?: number | string;
  readonly at: number;
}
interface Typed {
  readonly expr: PlanExpr;
  readonly type: Type;
  readonly at: number;
}

class ExprError extends Error {
  readonly offset: number;

  constructor(message: string, offset: number) {
    super(message);
    this.offset = offset;
  }
}

const OPS = ['==', '!=', '<=', '>=', '&&', '||', '<', '>', '!', '(', ')', '[', ']', '.', '-'];
const COMPARE = new Set<string>(['==', '!=', '<', '<=', '>', '>=']);
const FUNCTIONS = new Set<string>(['shape', 'rank', 'size', 'has', 'value']);

/**
 * Parses and type-checks a guard. The result must be boolean; tensors it names are listed in
 * `refs` for the caller to check against the pipeline.
 *
 * @example
 * parseExpression("shape(boxes)[0] > 0 && params.mode != 'fast'");
 * // { ok: true, expr: { kind: 'logic', op: '&&', ... }, refs: [{ tensor: 'boxes', offset: 6 }] }
 */
export function parseExpression(source: string): ParsedExpr {
  try {
    const p = new Parser(tokenize(source));
    const out = p.or();
    p.expectEnd();
    if (out.type !== 'boolean' && out.type !== 'any')
      throw new ExprError(`the guard must be a condition, found a ${out.type}`, 0);
    return { ok: true, expr: out.expr, refs: p.refs };
  } catch (e) {
    if (e instanceof ExprError) return { ok: false, error: e.message, offset: e.offset };
    throw e;
  }
}

function tokenize(src: string): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) {
      i++;
    } else if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(src[i + 1] ?? ''))) {
      const m = /^(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?/.exec(src.slice(i))!;
      toks.push({ kind: 'num', text: m[0], value: Number(m[0]), at: i });
      i += m[0].length;
    } else if (c === "'" || c === '"') {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new ExprError('unterminated string', i);
      toks.push({ kind: 'str', text: src.slice(i, end + 1), value: src.slice(i + 1, end), at: i });
      i = end + 1;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i))!;
      toks.push({ kind: 'id', text: m[0], at: i });
      i += m[0].length;
    } else {
      const op = OPS.find(o => src.startsWith(o, i));
      if (!op) throw new ExprError(`unexpected character '${c}'`, i);
      toks.push({ kind: 'op', text: op, at: i });
      i += op.length;
    }
  }
  toks.push({ kind: 'end', text: 'end of guard', at: src.length });
  return toks;
}

class Parser {
  readonly refs: ExprRef[] = [];
  #pos = 0;
  readonly #toks: Tok[];

  constructor(toks: Tok[]) {
    this.#toks = toks;
  }

  or(): Typed {
    let left = this.and();
    while (this.#accept('||')) left = this.#logic('||', left, this.and());
    return left;
  }

  and(): Typed {
    let left = this.compare();
    while (this.#accept('&&')) left = this.#logic('&&', left, this.compare());
    return left;
  }

  compare(): Typed {
    const left = this.unary();
    const t = this.#peek();
    if (t.kind !== 'op' || !COMPARE.has(t.text)) return left;
    this.#pos++;
    const op = t.text as PlanCompareOp;
    const right = this.unary();
    if (op !== '==' && op !== '!=') {
      for (const side of [left, right]) this.#want(side, 'number', `'${op}' compares numbers`);
    } else if (left.type !== 'any' && right.type !== 'any' && left.type !== right.type) {
      throw new ExprError(
        `'${op}' compares a ${left.type} with a ${right.type}; they are never equal`,
        t.at,
      );
    }
    return {
      expr: { kind: 'compare', op, left: left.expr, right: right.expr },
      type: 'boolean',
      at: left.at,
    };
  }

  unary(): Typed {
    const t = this.#peek();
    if (this.#accept('!')) {
      const arg = this.unary();
      this.#want(arg, 'boolean', "'!' negates a condition");
      return { expr: { kind: 'not', arg: arg.expr }, type: 'boolean', at: t.at };
    }
    if (this.#accept('-')) {
      const arg = this.unary();
      this.#want(arg, 'number', "'-' negates a number");
      return { expr: { kind: 'neg', arg: arg.expr }, type: 'number', at: t.at };
    }
    return this.primary();
  }

  primary(): Typed {
    const t = this.#next();
    if (t.kind === 'num')
      return { expr: { kind: 'literal', value: t.value as number }, type: 'number', at: t.at };
    if (t.kind === 'str')
      return { expr: { kind: 'literal', value: t.value as string }, type: 'string', at: t.at };
    if (t.kind === 'op' && t.text === '(') {
      const inner = this.or();
      this.#expect(')');
      return inner;
    }
    if (t.kind !== 'id') throw new ExprError(`expected a value, found '${t.text}'`, t.at);
    if (t.text === 'true' || t.text === 'false')
      return { expr: { kind: 'literal', value: t.text === 'true' }, type: 'boolean', at: t.at };
    if (t.text === 'params')
      return { expr: { kind: 'param', name: this.#param() }, type: 'any', at: t.at };
    if (FUNCTIONS.has(t.text)) return this.#call(t);
    throw new ExprError(
      `unknown name '${t.text}'; tensors are read through shape(), rank(), size(), has() or value(), parameters as params.NAME`,
      t.at,
    );
  }

  expectEnd(): void {
    const t = this.#peek();
    if (t.kind !== 'end')
      throw new ExprError(`unexpected '${t.text}' after a complete guard`, t.at);
  }

  #call(t: Tok): Typed {
    const fn = t.text as PlanFunction;
    this.#expect('(');
    const arg = this.#next();
    if (arg.kind !== 'id')
      throw new ExprError(`${fn}() takes a tensor name, found '${arg.text}'`, arg.at);
    if (arg.text === 'params' && fn === 'has') {
      const name = this.#param();
      this.#expect(')');
      return { expr: { kind: 'param', name, has: true }, type: 'boolean', at: t.at };
    }
    this.refs.push({ tensor: arg.text, offset: arg.at });
    this.#expect(')');
    let index: PlanExpr | undefined;
    if ((fn === 'shape' || fn === 'value') && this.#accept('[')) {
      const i = this.or();
      this.#want(i, 'number', 'an index is a number');
      this.#expect(']');
      index = i.expr;
    } else if (fn === 'shape') {
      throw new ExprError('shape(T) is a list; index it, e.g. shape(T)[0]', this.#peek().at);
    }
    const type: Type = fn === 'has' ? 'boolean' : fn === 'value' ? 'any' : 'number';
    return {
      expr: { kind: 'call', fn, tensor: arg.text, ...(index ? { index } : {}) },
      type,
      at: t.at,
    };
  }

  #param(): string {
    this.#expect('.');
    const name = this.#next();
    if (name.kind !== 'id')
      throw new ExprError(
        `expected a parameter name after 'params.', found '${name.text}'`,
        name.at,
      );
    return name.text;
  }

  #logic(op: '&&' | '||', left: Typed, right: Typed): Typed {
    for (const side of [left, right]) this.#want(side, 'boolean', `'${op}' joins conditions`);
    return {
      expr: { kind: 'logic', op, left: left.expr, right: right.expr },
      type: 'boolean',
      at: left.at,
    };
  }

  #want(v: Typed, type: Type, why: string): void {
    if (v.type !== 'any' && v.type !== type) throw new ExprError(`${why}, found a ${v.type}`, v.at);
  }

  #peek(): Tok {
    return this.#toks[this.#pos]!;
  }

  #next(): Tok {
    const t = this.#toks[this.#pos]!;
    if (t.kind !== 'end') this.#pos++;
    return t;
  }

  #accept(op: string): boolean {
    const t = this.#peek();
    if (t.kind === 'op' && t.text === op) {
      this.#pos++;
      return true;
    }
    return false;
  }

  #expect(op: string): void {
    const t = this.#peek();
    if (!this.#accept(op)) throw new ExprError(`expected '${op}', found '${t.text}'`, t.at);
  }
}
