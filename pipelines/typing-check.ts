/**
 * @module The checks type inference shares: the inferred type of a tensor, the state of one
 * inference, and the messages for a datatype or shape that does not match.
 */
import type { DataType } from '../engine/core/datatype.js';
import type { Tensor } from '../engine/core/tensor.js';
import type { Diagnostics, DiagnosticSite } from './diagnostics.js';
import { describeConflict } from './dims.js';
import type { DimConflict, DimTable } from './dims.js';
import type { Wiring } from './wiring.js';

/** The inferred type of a tensor: datatype, dim ids in the table, and where it comes from. */
export interface TensorType {
  readonly datatype: DataType;
  readonly dims: readonly number[];
  readonly origin: string;
}

/** What the checks of one inference share: the dim table, the types so far, and where results go. */
export interface TypingCtx {
  readonly table: DimTable;
  readonly tensors: Map<string, TensorType>;
  readonly diag: Diagnostics;
  readonly wiring: Wiring;
  readonly defaults: Map<number, Map<string, Tensor>>;
  readonly constants: Map<number, Map<string, Tensor>>;
}

/**
 * Reports `found` where `expected` is required: a datatype mismatch, or shapes that do not unify
 * (unifying them otherwise, so later checks see one size per symbol).
 *
 * @example
 * expectType(ctx, site, "output 'Y'", { datatype: 'FP32', dims }, found);
 */
export function expectType(
  ctx: TypingCtx,
  site: DiagnosticSite,
  what: string,
  expected: { datatype: DataType; dims: readonly number[] },
  found: TensorType,
): void {
  if (expected.datatype !== found.datatype) {
    ctx.diag.error(
      site,
      `${what} expects ${expected.datatype}, found ${found.datatype} (${found.origin})`,
    );
    return;
  }
  const before = ctx.table.format(found.dims);
  reportShape(
    ctx,
    site,
    what,
    expected.dims,
    found.dims,
    found.origin,
    ctx.table.unifyShapes(expected.dims, found.dims, found.origin),
    before,
  );
}

/**
 * Reports a shape conflict, when there is one, naming both shapes and where `found` came from.
 *
 * @example
 * reportShape(ctx, site, "output 'Y'", declared, found.dims, found.origin, conflict);
 */
export function reportShape(
  ctx: TypingCtx,
  site: DiagnosticSite,
  what: string,
  expected: readonly number[],
  found: readonly number[],
  origin: string,
  conflict: DimConflict | undefined,
  foundText = ctx.table.format(found),
): void {
  if (!conflict) return;
  ctx.diag.error(
    site,
    `${what} expects shape ${ctx.table.format(expected)}, found ${foundText} (${origin}): ${describeConflict(conflict)}`,
  );
}
