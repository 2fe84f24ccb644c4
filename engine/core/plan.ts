/**
 * @module The ExecutionPlan contract: what a pipeline compiles to. Plain data (no classes, no
 * graph library), so the executor, the engine and `braid validate --explain` read it without
 * knowing how it was built. Steps are in topological order: every tensor a step reads is a
 * pipeline input or is produced by an earlier step.
 */
import type { DataType } from './datatype.js';
import type { ErrorCode } from './errors.js';
import type { Tensor } from './tensor.js';

/** One dimension as inferred at load: a size, a symbol such as `N`, or `?` when unknown. */
export type PlanDim = number | string;

/** A tensor of the pipeline's dataflow with its inferred type. */
export interface PlanTensor {
  readonly name: string;
  readonly datatype: DataType;
  /** Full shape; -1 where the size is not fixed at load (symbolic or unknown). */
  readonly shape: readonly number[];
  /** Full shape as inferred: sizes, symbols (`B`, `N`) shared across the pipeline, or `?`. */
  readonly dims: readonly PlanDim[];
  /** A pipeline input the client may leave out. */
  readonly optional: boolean;
}

/** What a step runs. */
export type PlanTarget =
  | { readonly kind: 'model'; readonly model: string; readonly version?: number }
  /** A JS/TS module file run by the JS backend on instances the pipeline owns. */
  | { readonly kind: 'module'; readonly path: string; readonly instances: number }
  /** An early return: when it runs, the pipeline answers with its outputs and stops. */
  | { readonly kind: 'return' };

/** A step input: the target's input `param` reads pipeline tensor `tensor`. */
export interface PlanInput {
  readonly param: string;
  readonly tensor: string;
  /** The step still runs when the tensor is absent (skipped producer, optional input). */
  readonly optional: boolean;
}

/** A step output: the target's output `param` becomes pipeline tensor `tensor`. */
export interface PlanOutput {
  readonly param: string;
  readonly tensor: string;
}

/** Comparison operators of guard expressions. */
export type PlanCompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=';

/** Functions of guard expressions; each takes one tensor name. */
export type PlanFunction = 'shape' | 'rank' | 'size' | 'has' | 'value';

/** A guard expression, parsed and checked at load. Evaluated without `eval`. */
export type PlanExpr =
  | { readonly kind: 'literal'; readonly value: number | string | boolean }
  /** A request parameter; `has` asks whether it was sent at all. */
  | { readonly kind: 'param'; readonly name: string; readonly has?: boolean }
  /** `shape(t)[i]`, `rank(t)`, `size(t)`, `has(t)`, `value(t)` (element 0) or `value(t)[i]` (flat index). */
  | {
      readonly kind: 'call';
      readonly fn: PlanFunction;
      readonly tensor: string;
      readonly index?: PlanExpr;
    }
  | { readonly kind: 'not'; readonly arg: PlanExpr }
  | { readonly kind: 'neg'; readonly arg: PlanExpr }
  | {
      readonly kind: 'logic';
      readonly op: '&&' | '||';
      readonly left: PlanExpr;
      readonly right: PlanExpr;
    }
  | {
      readonly kind: 'compare';
      readonly op: PlanCompareOp;
      readonly left: PlanExpr;
      readonly right: PlanExpr;
    };

/** A `when:` guard: the source text (for messages) and its parsed form. */
export interface PlanGuard {
  readonly source: string;
  readonly expr: PlanExpr;
  /** Tensors the guard reads; the step waits for them. */
  readonly tensors: readonly string[];
}

/** Retry policy of a step; each attempt is one call (one item of a map). */
export interface PlanRetry {
  /** Total attempts including the first; 1 means no retry. */
  readonly attempts: number;
  /** Error codes that are retried; a step timeout counts as UNAVAILABLE. */
  readonly on: readonly ErrorCode[];
  readonly backoffMs: number;
  readonly multiplier: number;
  readonly maxBackoffMs: number;
}

/** What a step failure does to the request. */
export type PlanOnError =
  | { readonly policy: 'fail' }
  /** The step counts as skipped: its outputs are absent. */
  | { readonly policy: 'skip' }
  /** The step's outputs take these values, keyed by pipeline tensor name. */
  | { readonly policy: 'default'; readonly values: ReadonlyMap<string, Tensor> };

/** Fan-out over axis 0 of `over`: one call per item, outputs gathered back along axis 0. */
export interface PlanMap {
  readonly over: string;
  /** `concat`: items are `[1, ...]` slices, outputs are concatenated; `stack`: items drop axis 0. */
  readonly mode: 'concat' | 'stack';
  /** Most item calls outstanding at once; 0 is unlimited (the model's batcher sees them all). */
  readonly maxParallel: number;
}

/** What an early return answers for one pipeline output. */
export type PlanReturnValue = { readonly tensor: string } | { readonly constant: Tensor };

/** One step of a plan. */
export interface PlanStep {
  /** Position in {@link ExecutionPlan.steps}. */
  readonly index: number;
  readonly name: string;
  readonly target: PlanTarget;
  readonly inputs: readonly PlanInput[];
  readonly outputs: readonly PlanOutput[];
  readonly when?: PlanGuard;
  readonly map?: PlanMap;
  /** Limit of one call (one attempt, one map item), capped by the pipeline deadline. */
  readonly timeoutMs?: number;
  readonly retry?: PlanRetry;
  /** Model steps: calls are served through the model's response cache (YAML `cache: true`). */
  readonly cache?: boolean;
  readonly onError: PlanOnError;
  /** For return steps: the value of each pipeline output, by output name. */
  readonly returns?: ReadonlyMap<string, PlanReturnValue>;
  /** Every tensor the step waits for: inputs, guard and return values. */
  readonly reads: readonly string[];
  /** Parallel level: 0 for steps that read only pipeline inputs. */
  readonly level: number;
}

/** A pipeline output: its declared type and the tensor that provides it. */
export interface PlanResult {
  readonly name: string;
  readonly tensor: string;
  readonly spec: PlanTensor;
  /** May be absent from a response (its producer can be skipped). */
  readonly optional: boolean;
}

/** A compiled pipeline. `producer` indexes the dataflow: which step writes each tensor. */
export interface ExecutionPlan {
  readonly name: string;
  /** Where the pipeline was declared, for messages. */
  readonly source: string;
  readonly inputs: readonly PlanTensor[];
  readonly outputs: readonly PlanResult[];
  readonly steps: readonly PlanStep[];
  /** Every tensor with its inferred type: inputs and step outputs. */
  readonly tensors: ReadonlyMap<string, PlanTensor>;
  readonly producer: ReadonlyMap<string, number>;
  /** Step indices by parallel level. */
  readonly levels: readonly (readonly number[])[];
  /**
   * The step whose responses are the pipeline's (a decoupled model step, which no other step
   * reads): each of its responses is one response of the pipeline. Absent: one response.
   */
  readonly streams?: number;
  /** End-to-end budget of one request. */
  readonly deadlineMs?: number;
  /** Load-time warnings (unused inputs, outputs that may be absent). */
  readonly warnings: readonly string[];
}
