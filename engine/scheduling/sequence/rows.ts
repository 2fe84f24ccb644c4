/**
 * @module The rows of a sequence batch as the instance receives them: a request's inputs with its
 * control tensors and implicit state added, or a not-ready row filling an empty slot.
 */
import type { ScheduledRequest } from '../../core/scheduler.js';
import { typedArrayFor, type Tensor, type TensorMap } from '../../core/tensor.js';
import { controlTensors, type ControlSpec } from './controls.js';
import { stateInputs, type StateSpec } from './implicit-state.js';
import type { SeqItem } from './sequence-table.js';

/** What the rows need of their scheduler's options. */
export interface RowContext {
  readonly modelName: string;
  readonly batching: boolean;
  readonly controls: readonly ControlSpec[];
}

/**
 * The request an instance runs for `item`: its inputs, its control tensors (START on a
 * sequence's first request, END on its last, READY, CORRID) and its sequence's state; asked
 * outputs widened by the state outputs, which the next request needs.
 *
 * @example
 * const row = rowRequest(ctx, item, states);
 */
export function rowRequest(
  ctx: RowContext,
  item: SeqItem,
  states: readonly StateSpec[],
): ScheduledRequest {
  const { flags, req } = item;
  const row = { start: flags.start, end: flags.end, ready: true, corrid: flags.id };
  const inputs: TensorMap = new Map(req.inputs);
  for (const [k, t] of controlTensors(ctx.controls, row, ctx.batching, ctx.modelName))
    inputs.set(k, t);
  for (const [k, t] of stateInputs(states, item.seq.state, flags.start)) inputs.set(k, t);
  return withOutputs(
    { inputs, batchSize: 1, ...(req.trace ? { trace: req.trace } : {}) },
    req.outputs,
    states,
  );
}

/**
 * A not-ready row (READY false, Triton's null request) for an empty slot below an occupied one,
 * shaped like `template` with zeros, so every slot keeps its position in the batch.
 *
 * @example
 * const filler = nullRequest(ctx, firstReal.req, states);
 */
export function nullRequest(
  ctx: RowContext,
  template: ScheduledRequest,
  states: readonly StateSpec[],
): ScheduledRequest {
  const inputs: TensorMap = new Map();
  for (const [name, t] of template.inputs) inputs.set(name, zerosLike(t));
  const row = { start: false, end: false, ready: false, corrid: 0 };
  for (const [k, t] of controlTensors(ctx.controls, row, ctx.batching, ctx.modelName))
    inputs.set(k, t);
  for (const [k, t] of stateInputs(states, undefined, true)) inputs.set(k, t);
  return withOutputs({ inputs, batchSize: 1 }, template.outputs, states);
}

function withOutputs(
  req: ScheduledRequest,
  outputs: readonly string[] | undefined,
  states: readonly StateSpec[],
): ScheduledRequest {
  if (outputs === undefined || states.length === 0)
    return outputs === undefined ? req : { ...req, outputs };
  return { ...req, outputs: [...new Set([...outputs, ...states.map(s => s.output)])] };
}

function zerosLike(t: Tensor): Tensor {
  const n = t.data.length;
  const data =
    t.datatype === 'BYTES'
      ? Array.from({ length: n }, () => new Uint8Array(0))
      : new (typedArrayFor(t.datatype))(n);
  return { datatype: t.datatype, shape: t.shape, data };
}
