/**
 * @module Type checks of the literal values a pipeline declares: a step's on_error defaults and
 * an early return's values, turned into the tensors the plan carries.
 */
import type { Tensor } from '../engine/core/tensor.js';
import { constantTensor } from './constants.js';
import type { DiagnosticSite } from './diagnostics.js';
import { describeConflict } from './dims.js';
import { listOf } from './normalize.js';
import type { NormStep } from './normalize.js';
import type { PipelineFile } from './schema.js';
import { reportShape } from './typing-check.js';
import type { TensorType, TypingCtx } from './typing-check.js';

/**
 * Checks a step's on_error defaults against the outputs it maps, and records them as tensors.
 *
 * @example
 * if (step.defaults) checkDefaults(ctx, step);
 */
export function checkDefaults(ctx: TypingCtx, s: NormStep): void {
  const values = new Map<string, Tensor>();
  for (const o of s.outputs) {
    const c = s.defaults?.[o.param];
    const site = { path: [...s.path, 'default', o.param], step: s.name, tensor: o.tensor };
    if (!c) {
      ctx.diag.error(
        { ...site, path: [...s.path, 'default'], key: true },
        `on_error default: expected a value for output '${o.param}', found none`,
      );
      continue;
    }
    const t = literal(ctx, site, c, ctx.tensors.get(o.tensor), `default of output '${o.param}'`);
    if (t) values.set(o.tensor, t);
  }
  for (const key of Object.keys(s.defaults ?? {})) {
    if (!s.outputs.some(o => o.param === key)) {
      ctx.diag.error(
        { path: [...s.path, 'default', key], key: true, step: s.name },
        `default for an output this step does not map: expected one of ${listOf(s.outputs.map(o => o.param))}, found '${key}'`,
      );
    }
  }
  ctx.defaults.set(s.index, values);
}

/**
 * Checks an early return's values (tensors or literals) against the pipeline's declared outputs,
 * and records its literals as tensors.
 *
 * @example
 * if (step.kind === 'return') checkReturn(ctx, file, step);
 */
export function checkReturn(ctx: TypingCtx, file: PipelineFile, s: NormStep): void {
  const values = ctx.wiring.returns.get(s.index) ?? new Map();
  const constants = new Map<string, Tensor>();
  for (const [out, v] of values) {
    const decl = file.outputs[out]!;
    const declared: TensorType = {
      datatype: decl.datatype,
      dims: decl.shape.map(d => ctx.table.declared(d)),
      origin: `output '${out}'`,
    };
    const site = {
      path: [...s.path, 'return', out],
      step: s.name,
      ...(typeof v === 'string' ? { tensor: v } : {}),
    };
    if (typeof v !== 'string') {
      const t = literal(ctx, site, v, declared, `return value of output '${out}'`);
      if (t) constants.set(out, t);
      continue;
    }
    const found = ctx.tensors.get(v);
    if (!found) continue;
    if (found.datatype !== decl.datatype)
      ctx.diag.error(
        site,
        `return value of output '${out}': expected ${decl.datatype}, found ${found.datatype} (${found.origin})`,
      );
    else
      reportShape(
        ctx,
        site,
        `output '${out}'`,
        declared.dims,
        found.dims,
        found.origin,
        ctx.table.compatible(declared.dims, found.dims),
      );
  }
  ctx.constants.set(s.index, constants);
}

function literal(
  ctx: TypingCtx,
  site: DiagnosticSite,
  c: Parameters<typeof constantTensor>[0],
  type: TensorType | undefined,
  what: string,
): Tensor | undefined {
  const r = constantTensor(c);
  if ('error' in r) {
    ctx.diag.error(site, `${what}: ${r.error}`);
    return undefined;
  }
  if (!type) return r.tensor;
  if (type.datatype !== c.datatype) {
    ctx.diag.error(site, `${what}: expected ${type.datatype}, found ${c.datatype}`);
    return undefined;
  }
  const conflict = ctx.table.fits(type.dims, c.shape);
  if (conflict)
    ctx.diag.error(
      site,
      `${what}: expected shape ${ctx.table.format(type.dims)}, found [${c.shape.join(',')}]: ${describeConflict(conflict)}`,
    );
  return r.tensor;
}
