/**
 * @module The tensors of one pipeline request: the client's inputs and what steps produced,
 * each released after its last reader unless the answer or a debug capture keeps it.
 */
import type { PlanOutput, PlanStep } from '../../engine/core/plan.js';
import type { Tensor } from '../../engine/core/tensor.js';
import type { PlanMachine, RequestLayout } from './request-layout.js';

/** The tensors of one request, by pipeline tensor name. */
export class RequestTensors {
  /** The tensors present now; read by step inputs, guards and the answer. */
  readonly map = new Map<string, Tensor>();
  readonly #layout: RequestLayout;
  readonly #remaining: Map<string, number>;

  constructor(layout: RequestLayout, inputs: ReadonlyMap<string, Tensor>) {
    this.#layout = layout;
    this.#remaining = new Map(layout.readers);
    for (const [name, t] of inputs) this.map.set(name, t);
  }

  /**
   * Stores the outputs of `step` this request needs, as `value` gives them (or as the step
   * returned them, by its target's output names); returns the machine's `missing` events of
   * those it lacks.
   */
  keep(
    step: PlanStep,
    machine: PlanMachine,
    value: ((o: PlanStep['outputs'][number]) => Tensor | undefined) | ReadonlyMap<string, Tensor>,
  ): number[] | undefined {
    const of = typeof value === 'function' ? value : (o: PlanOutput) => value.get(o.param);
    const needed = this.#layout.stepOutputs[step.index]!;
    let missing: number[] | undefined;
    for (let i = 0; i < step.outputs.length; i++) {
      const o = step.outputs[i]!;
      if (!needed.includes(o.param)) continue;
      const t = of(o);
      if (t) this.map.set(o.tensor, t);
      else (missing ??= []).push(machine.steps[step.index]!.missing[i]!);
    }
    return missing;
  }

  /** `step` has ended: drops the tensors it was the last reader of. */
  release(step: PlanStep): void {
    for (const t of step.reads) {
      const left = (this.#remaining.get(t) ?? 1) - 1;
      this.#remaining.set(t, left);
      if (left <= 0 && !this.#layout.keep.has(t)) this.map.delete(t);
    }
  }
}
