import { SimulatedClock } from '../../../../engine/core/clock.js';
import { InMemoryLogger } from '../../../../engine/core/logger.js';
import { ModelConfigSchema, type ModelConfigInput } from '../../../../engine/core/model-config.js';
import type { ScheduledRequest } from '../../../../engine/core/scheduler.js';
import type { Tensor, TensorMap } from '../../../../engine/core/tensor.js';
import { createScheduler } from '../../../../engine/scheduling/create-scheduler.js';
import { StatsRecorder } from '../../../../engine/scheduling/stats.js';
import { FakeInstance, type FakeCall } from '../fake-instance.js';

export type SequenceInput = NonNullable<ModelConfigInput['sequence_batching']>;

/** Triton's simple_sequence controls: START and READY as INT32 0/1. */
export const START_READY: NonNullable<SequenceInput['control_input']> = [
  { name: 'START', control: [{ kind: 'CONTROL_SEQUENCE_START', int32_false_true: [0, 1] }] },
  { name: 'READY', control: [{ kind: 'CONTROL_SEQUENCE_READY', int32_false_true: [0, 1] }] },
] as const;

/** A sequence model 'seq' with INT32 INPUT/OUTPUT dims [1] over fake instances. */
export function setup(
  sb: SequenceInput,
  over: Partial<ModelConfigInput> = {},
  opts: { instances?: number; files?: ReadonlyMap<string, Uint8Array> } = {},
) {
  const clock = new SimulatedClock();
  const stats = new StatsRecorder('seq', '1');
  const logger = new InMemoryLogger();
  const instances = Array.from({ length: opts.instances ?? 1 }, () => new FakeInstance());
  const config = ModelConfigSchema.parse({
    name: 'seq',
    max_batch_size: 4,
    input: [{ name: 'INPUT', data_type: 'TYPE_INT32', dims: [1] }],
    output: [{ name: 'OUTPUT', data_type: 'TYPE_INT32', dims: [1] }],
    sequence_batching: sb,
    ...over,
  });
  const s = createScheduler({
    modelName: 'seq',
    version: '1',
    config,
    instances,
    clock,
    stats,
    logger,
    ...(opts.files ? { initialStateFiles: opts.files } : {}),
  });
  return { s, clock, stats, logger, instances, inst: instances[0]! };
}

/** A request of one INT32 value in sequence `id`. */
export function req(
  id: number | string,
  value: number,
  flags: { start?: boolean; end?: boolean } = {},
  batching = true,
): ScheduledRequest {
  const t: Tensor = {
    datatype: 'INT32',
    shape: batching ? [1, 1] : [1],
    data: Int32Array.of(value),
  };
  return {
    inputs: new Map([['INPUT', t]]),
    batchSize: 1,
    parameters: {
      sequence_id: id,
      ...(flags.start ? { sequence_start: true } : {}),
      ...(flags.end ? { sequence_end: true } : {}),
    },
  };
}

/** The values of an INT32 tensor of a call's inputs. */
export function col(call: FakeCall | undefined, name: string): number[] {
  const t = call?.inputs.get(name);
  if (!t) throw new Error(`no input ${name}`);
  return Array.from(t.data as ArrayLike<number | bigint>, Number);
}

/**
 * Answers the oldest open call as an accumulator would: OUTPUT = INPUT + START, and with state
 * ACC, ACC_OUT = ACC + INPUT and OUTPUT = ACC_OUT.
 */
export function answer(inst: FakeInstance): FakeCall {
  const call = inst.open[0]!;
  const input = call.inputs.get('INPUT')!;
  const n = input.shape[0]!;
  const vals = col(call, 'INPUT');
  const start = call.inputs.has('START') ? col(call, 'START') : vals.map(() => 0);
  const out: TensorMap = new Map();
  if (call.inputs.has('ACC')) {
    const acc = col(call, 'ACC').map((a, i) => a + vals[i]!);
    out.set('ACC_OUT', { datatype: 'INT32', shape: [n, 1], data: Int32Array.from(acc) });
    out.set('OUTPUT', { datatype: 'INT32', shape: [n, 1], data: Int32Array.from(acc) });
  } else {
    const data = Int32Array.from(vals.map((v, i) => v + start[i]!));
    out.set('OUTPUT', { datatype: 'INT32', shape: input.shape, data });
  }
  call.resolve(out);
  return call;
}

/** The OUTPUT values of a response. */
export function outputOf(res: { outputs: TensorMap } | undefined): number[] {
  return Array.from(res!.outputs.get('OUTPUT')!.data as Int32Array);
}
