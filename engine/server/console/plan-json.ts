/**
 * @module
 * A compiled pipeline plan as plain JSON for the console's graph: steps and the tensors between
 * them, each tensor with its datatype and inferred dims (symbols kept), guards and fan-outs.
 */
import type { ExecutionPlan, PlanDim, PlanStep } from '../../core/plan.js';

/** A tensor of the dataflow as the graph shows it. */
export interface PlanTensorJson {
  readonly name: string;
  readonly datatype: string;
  readonly dims: readonly PlanDim[];
  /** Step index that writes it; absent for pipeline inputs. */
  readonly producer?: number;
}

/** A step as the graph shows it. */
export interface PlanStepJson {
  readonly index: number;
  readonly name: string;
  /** `model`, `module` or `return`. */
  readonly kind: string;
  /** The model (with `@version` when pinned) or module path it runs. */
  readonly target?: string;
  readonly reads: readonly string[];
  readonly writes: readonly string[];
  readonly when?: string;
  readonly map?: { readonly over: string; readonly mode: string; readonly maxParallel: number };
  readonly onError: string;
  readonly level: number;
}

/** The graph of one pipeline. */
export interface PlanJson {
  readonly name: string;
  readonly inputs: readonly string[];
  /** Pipeline output name → the tensor that provides it. */
  readonly outputs: readonly { readonly name: string; readonly tensor: string }[];
  readonly tensors: readonly PlanTensorJson[];
  readonly steps: readonly PlanStepJson[];
  readonly warnings: readonly string[];
}

/**
 * The JSON of `plan` for the console.
 *
 * @example
 * planJson(plan).steps[0]; // { index: 0, name: 'prepare', kind: 'model', target: 'ocr_preprocess', ... }
 */
export function planJson(plan: ExecutionPlan): PlanJson {
  const tensors = [...plan.tensors.values()].map(t => {
    const producer = plan.producer.get(t.name);
    return {
      name: t.name,
      datatype: t.datatype,
      dims: t.dims,
      ...(producer === undefined ? {} : { producer }),
    };
  });
  return {
    name: plan.name,
    inputs: plan.inputs.map(t => t.name),
    outputs: plan.outputs.map(o => ({ name: o.name, tensor: o.tensor })),
    tensors,
    steps: plan.steps.map(stepJson),
    warnings: plan.warnings,
  };
}

function stepJson(s: PlanStep): PlanStepJson {
  const t = s.target;
  const target =
    t.kind === 'model'
      ? `${t.model}${t.version === undefined ? '' : `@${t.version}`}`
      : t.kind === 'module'
        ? t.path
        : undefined;
  return {
    index: s.index,
    name: s.name,
    kind: t.kind,
    ...(target === undefined ? {} : { target }),
    reads: s.reads,
    writes: s.outputs.map(o => o.tensor),
    ...(s.when ? { when: s.when.source } : {}),
    ...(s.map
      ? { map: { over: s.map.over, mode: s.map.mode, maxParallel: s.map.maxParallel } }
      : {}),
    onError: s.onError.policy,
    level: s.level,
  };
}
