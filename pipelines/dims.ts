/**
 * @module Symbolic dimensions, unified across a whole pipeline with union-find: `N` in one
 * declaration is the same size as `N` in every other, a model's fixed size binds the symbols it
 * meets, and two different sizes meeting is a load-time error.
 */
import type { PlanDim } from '../engine/core/plan.js';
import type { DimDecl } from './schema.js';

/** Why two dimensions cannot be the same. */
export interface DimConflict {
  /** Axis within the shapes compared; -1 for a rank mismatch. */
  readonly axis: number;
  readonly expected: string;
  readonly found: string;
  /** Where the found side got its size, when it came from elsewhere in the pipeline. */
  readonly boundBy?: string;
}

/** The dimensions of one pipeline, by id. */
export class DimTable {
  readonly #parent: number[] = [];
  readonly #value: (number | undefined)[] = [];
  readonly #symbol: (string | undefined)[] = [];
  readonly #boundBy: (string | undefined)[] = [];
  readonly #symbols = new Map<string, number>();

  /** A dimension nothing is known about. */
  fresh(): number {
    this.#parent.push(this.#parent.length);
    this.#value.push(undefined);
    this.#symbol.push(undefined);
    this.#boundBy.push(undefined);
    return this.#parent.length - 1;
  }

  /** A fixed size. */
  constant(n: number, site?: string): number {
    const id = this.fresh();
    this.#value[id] = n;
    this.#boundBy[id] = site;
    return id;
  }

  /** The pipeline-wide dimension called `name`. */
  symbol(name: string): number {
    let id = this.#symbols.get(name);
    if (id === undefined) {
      id = this.fresh();
      this.#symbol[id] = name;
      this.#symbols.set(name, id);
    }
    return id;
  }

  /** A dimension as declared in the file or a model signature: size, -1, or symbol. */
  declared(d: DimDecl, site?: string): number {
    if (typeof d === 'string') return this.symbol(d);
    return d < 0 ? this.fresh() : this.constant(d, site);
  }

  /** The size, when known. */
  value(id: number): number | undefined {
    return this.#value[this.#find(id)];
  }

  /** How the dimension reads in messages and plans: its size, a symbol, or `?`. */
  show(id: number): PlanDim {
    const r = this.#find(id);
    return this.#value[r] ?? this.#symbol[r] ?? '?';
  }

  /**
   * Makes `a` (what is expected) and `b` (what was found) the same dimension. Returns the
   * conflict when both have different fixed sizes; nothing changes then.
   */
  unify(a: number, b: number, site?: string): DimConflict | undefined {
    const ra = this.#find(a);
    const rb = this.#find(b);
    if (ra === rb) return undefined;
    const va = this.#value[ra];
    const vb = this.#value[rb];
    if (va !== undefined && vb !== undefined && va !== vb) {
      const boundBy = this.#boundBy[rb];
      const found = this.#symbol[rb] ? `${this.#symbol[rb]} = ${vb}` : String(vb);
      return { axis: 0, expected: String(this.show(ra)), found, ...(boundBy ? { boundBy } : {}) };
    }
    this.#parent[rb] = ra;
    if (va === undefined && vb !== undefined) {
      this.#value[ra] = vb;
      this.#boundBy[ra] = this.#boundBy[rb] ?? site;
    }
    this.#symbol[ra] ??= this.#symbol[rb];
    return undefined;
  }

  /**
   * Unifies two shapes axis by axis; the first conflict (or a rank mismatch) is returned.
   *
   * @example
   * table.unifyShapes(modelDims, tensorDims, "step 'pre' output 'x'"); // undefined when they agree
   */
  unifyShapes(
    expected: readonly number[],
    found: readonly number[],
    site?: string,
  ): DimConflict | undefined {
    if (expected.length !== found.length) {
      return { axis: -1, expected: `rank ${expected.length}`, found: `rank ${found.length}` };
    }
    for (let i = 0; i < expected.length; i++) {
      const c = this.unify(expected[i]!, found[i]!, site);
      if (c) return { ...c, axis: i };
    }
    return undefined;
  }

  /**
   * Checks a literal shape against dims without binding anything (early returns and defaults
   * are alternatives, so `[0]` must not make `N` zero everywhere).
   */
  fits(dims: readonly number[], shape: readonly number[]): DimConflict | undefined {
    if (dims.length !== shape.length)
      return { axis: -1, expected: `rank ${dims.length}`, found: `rank ${shape.length}` };
    for (let i = 0; i < dims.length; i++) {
      const v = this.value(dims[i]!);
      if (v !== undefined && v !== shape[i])
        return { axis: i, expected: String(v), found: String(shape[i]) };
    }
    return undefined;
  }

  /** Like {@link fits} for two dim lists: only fixed sizes on both sides are compared. */
  compatible(expected: readonly number[], found: readonly number[]): DimConflict | undefined {
    if (expected.length !== found.length)
      return { axis: -1, expected: `rank ${expected.length}`, found: `rank ${found.length}` };
    for (let i = 0; i < expected.length; i++) {
      const a = this.value(expected[i]!);
      const b = this.value(found[i]!);
      if (a !== undefined && b !== undefined && a !== b)
        return { axis: i, expected: String(a), found: String(b) };
    }
    return undefined;
  }

  /** Formats dims as `[N,4,?]`. */
  format(dims: readonly number[]): string {
    return `[${dims.map(d => this.show(d)).join(',')}]`;
  }

  #find(id: number): number {
    let r = id;
    while (this.#parent[r] !== r) r = this.#parent[r]!;
    let i = id;
    while (this.#parent[i] !== r) {
      const next = this.#parent[i]!;
      this.#parent[i] = r;
      i = next;
    }
    return r;
  }
}

/**
 * A conflict as the tail of an error message.
 *
 * @example
 * describeConflict(c); // "axis 1: expected 3, found 4 (bound by input 'IMAGE')"
 */
export function describeConflict(c: DimConflict): string {
  const where = c.axis < 0 ? '' : `axis ${c.axis}: `;
  return `${where}expected ${c.expected}, found ${c.found}${c.boundBy ? ` (set by ${c.boundBy})` : ''}`;
}
