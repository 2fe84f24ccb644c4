/**
 * @module Type inference over the dataflow: datatypes must match exactly and shapes unify
 * through {@link DimTable}, so a symbol such as `B` is one size across the whole pipeline.
 * Steps are visited in execution order; the inferred type of every tensor (edge) is kept for
 * the plan and for `explain`.
 */
import type { CatalogTensor } from '../engine/core/model-catalog.js';
import type { Tensor } from '../engine/core/tensor.js';
import type { Diagnostics } from './diagnostics.js';
import { DimTable } from './dims.js';
import { listOf } from './normalize.js';
import type { NormInput, NormOutput, NormStep } from './normalize.js';
import type { StepSignature } from './resolve.js';
import type { PipelineFile } from './schema.js';
import type { Wiring } from './wiring.js';
import { expectType, reportShape } from './typing-check.js';
import type { TensorType, TypingCtx } from './typing-check.js';
import { checkDefaults, checkReturn } from './typing-literals.js';

/** What type inference found. */
export interface Typing {
  readonly table: DimTable;
  readonly tensors: ReadonlyMap<string, TensorType>;
  /** on_error default values by step, keyed by tensor name. */
  readonly defaults: ReadonlyMap<number, ReadonlyMap<string, Tensor>>;
  /** Literal early-return values by step and output. */
  readonly constants: ReadonlyMap<number, ReadonlyMap<string, Tensor>>;
}

/**
 * Infers and checks the type of every tensor. Needs the steps in order (no cycle).
 *
 * @example
 * const typing = inferTypes(file, order, signatures, wiring, diagnostics);
 */
export function inferTypes(
  file: PipelineFile,
  order: readonly NormStep[],
  sigs: ReadonlyMap<number, StepSignature>,
  wiring: Wiring,
  diag: Diagnostics,
): Typing {
  const table = new DimTable();
  const tensors = new Map<string, TensorType>();
  for (const [name, d] of Object.entries(file.inputs)) {
    tensors.set(name, {
      datatype: d.datatype,
      dims: d.shape.map(x => table.declared(x, `input '${name}'`)),
      origin: `pipeline input '${name}'`,
    });
  }
  const ctx: TypingCtx = {
    table,
    tensors,
    diag,
    wiring,
    defaults: new Map(),
    constants: new Map(),
  };
  for (const s of order) {
    if (s.kind === 'return') checkReturn(ctx, file, s);
    const sig = sigs.get(s.index);
    if (!sig) continue;
    checkInputs(ctx, s, sig);
    checkOutputs(ctx, s, sig);
    if (s.defaults) checkDefaults(ctx, s);
  }
  for (const [name, d] of Object.entries(file.outputs)) {
    const tensor = d.from ?? name;
    const found = tensors.get(tensor);
    if (!found) continue;
    const site = { path: ['outputs', name], tensor };
    const declared = d.shape.map(x => table.declared(x, `output '${name}'`));
    expectType(ctx, site, `output '${name}'`, { datatype: d.datatype, dims: declared }, found);
  }
  return { table, tensors, defaults: ctx.defaults, constants: ctx.constants };
}

function checkInputs(ctx: TypingCtx, s: NormStep, sig: StepSignature): void {
  const bound = new Set<string>();
  for (const b of s.inputs) {
    bound.add(b.param);
    const spec = sig.inputs.find(t => t.name === b.param);
    const site = { path: b.path, key: true, step: s.name, tensor: b.tensor };
    if (!spec) {
      ctx.diag.error(
        site,
        `${sig.label} has no input '${b.param}': expected one of ${listOf(sig.inputs.map(t => t.name))}`,
      );
      continue;
    }
    const found = ctx.tensors.get(b.tensor);
    if (found) checkBinding(ctx, s, sig, b, spec, found);
  }
  const unmapped = sig.inputs.filter(t => !t.optional && !bound.has(t.name)).map(t => t.name);
  if (unmapped.length > 0) {
    ctx.diag.error(
      { path: [...s.path, 'inputs'], key: true, step: s.name },
      `unmapped required input(s) of ${sig.label}: expected ${listOf(unmapped)} to be mapped, found no mapping`,
    );
  }
}

function checkBinding(
  ctx: TypingCtx,
  s: NormStep,
  sig: StepSignature,
  b: NormInput,
  spec: CatalogTensor,
  found: TensorType,
): void {
  const site = { path: b.path, step: s.name, tensor: b.tensor };
  let dims = found.dims;
  if (s.decl.map?.over === b.tensor) {
    if (dims.length === 0) {
      ctx.diag.error(
        site,
        `map over a scalar: expected a tensor with an axis 0 to split, found shape []`,
      );
      return;
    }
    dims = s.decl.map.mode === 'stack' ? dims.slice(1) : [ctx.table.constant(1), ...dims.slice(1)];
  }
  if (b.shape) {
    const declared = b.shape.map(d => ctx.table.declared(d, `step '${s.name}' input '${b.param}'`));
    reportShape(
      ctx,
      site,
      `the declared shape of input '${b.param}'`,
      declared,
      dims,
      found.origin,
      ctx.table.unifyShapes(declared, dims),
    );
  }
  const model = spec.shape.map(d => ctx.table.declared(d, sig.label));
  const what = `input '${b.param}' of ${sig.label}${s.decl.map?.over === b.tensor ? ' (one map item)' : ''}`;
  expectType(ctx, site, what, { datatype: spec.datatype, dims: model }, { ...found, dims });
}

function checkOutputs(ctx: TypingCtx, s: NormStep, sig: StepSignature): void {
  for (const o of s.outputs) {
    const spec = sig.outputs.find(t => t.name === o.param);
    const site = { path: o.path, key: true, step: s.name, tensor: o.tensor };
    if (!spec) {
      ctx.diag.error(
        site,
        `${sig.label} has no output '${o.param}': expected one of ${listOf(sig.outputs.map(t => t.name))}`,
      );
      continue;
    }
    const src = ctx.wiring.sources.get(o.tensor);
    if (src?.kind !== 'step' || src.step !== s.index) continue;
    ctx.tensors.set(o.tensor, outputType(ctx, s, sig, o, spec));
  }
}

function outputType(
  ctx: TypingCtx,
  s: NormStep,
  sig: StepSignature,
  o: NormOutput,
  spec: CatalogTensor,
): TensorType {
  const t = ctx.table;
  let dims = spec.shape.map(d => t.declared(d, sig.label));
  const map = s.decl.map;
  const over = map ? ctx.tensors.get(map.over) : undefined;
  if (map && over && over.dims.length > 0) {
    const n = over.dims[0]!;
    dims = map.mode === 'stack' ? [n, ...dims] : [n, ...dims.slice(1)];
    if (map.mode === 'concat' && spec.shape.length === 0) {
      ctx.diag.error(
        { path: o.path, step: s.name, tensor: o.tensor },
        `map mode concat joins outputs along axis 0: expected output '${o.param}' of ${sig.label} to have one, found shape []`,
      );
    }
  }
  const origin = `step '${s.name}' output '${o.param}'`;
  const site = { path: o.path, step: s.name, tensor: o.tensor };
  if (o.datatype && o.datatype !== spec.datatype) {
    ctx.diag.error(
      site,
      `output '${o.param}' of ${sig.label} is declared ${o.datatype}: expected ${o.datatype}, found ${spec.datatype}`,
    );
  }
  if (o.shape) {
    const declared = o.shape.map(d => t.declared(d, origin));
    reportShape(
      ctx,
      site,
      `the declared shape of output '${o.param}'`,
      declared,
      dims,
      sig.label,
      t.unifyShapes(declared, dims, origin),
    );
    dims = declared;
  }
  return { datatype: spec.datatype, dims, origin };
}
