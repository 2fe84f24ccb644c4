import { describe, expect, it } from 'vitest';
import { settle, track } from '../fake-instance.js';
import { START_READY, answer, col, outputOf, req, setup, type SequenceInput } from './support.js';

type State = NonNullable<SequenceInput['state']>[number];

const ACC_STATE: State = {
  input_name: 'ACC',
  output_name: 'ACC_OUT',
  data_type: 'TYPE_INT32',
  dims: [1],
  initial_state: [{ data_type: 'TYPE_INT32', dims: [1], zero_data: true }],
};

describe('sequence batcher, idle sequences', () => {
  it('releases a sequence whose client never sends END after max_sequence_idle_microseconds', async () => {
    const { s, inst, clock, logger } = setup({
      control_input: [...START_READY],
      max_sequence_idle_microseconds: 5_000_000,
    });
    track(s.run(req(1, 1, { start: true })));
    await settle();
    answer(inst);
    await settle();
    clock.advance(4_999);
    expect(s.stats().fields).toEqual({ braid_sequences: { active: 1, backlog: 0 } });
    clock.advance(1);
    expect(s.stats().fields).toEqual({ braid_sequences: { active: 0, backlog: 0 } });
    expect(logger.lines.map(l => l.msg)).toContain('idle sequence released');
    await expect(s.run(req(1, 2))).rejects.toThrow(/must specify the START flag/);
    expect(clock.pendingTimers).toBe(0);
  });

  it('gives the slot of an idle sequence to the backlog', async () => {
    const { s, inst, clock } = setup(
      { control_input: [...START_READY], max_sequence_idle_microseconds: 1_000 },
      { max_batch_size: 1 },
    );
    track(s.run(req(1, 1, { start: true })));
    const b = track(s.run(req(2, 5, { start: true })));
    await settle();
    answer(inst);
    await settle();
    expect(inst.calls).toHaveLength(1);
    clock.advance(1);
    await settle();
    expect(col(inst.calls[1], 'INPUT')).toEqual([5]);
    answer(inst);
    await settle();
    expect(outputOf(b.value)).toEqual([6]);
  });

  it('does not release a sequence while its request waits or runs', async () => {
    const { s, inst, clock } = setup({
      control_input: [...START_READY],
      max_sequence_idle_microseconds: 1_000,
    });
    const a = track(s.run(req(1, 1, { start: true })));
    await settle();
    clock.advance(5);
    expect(s.stats().fields).toEqual({ braid_sequences: { active: 1, backlog: 0 } });
    answer(inst);
    await settle();
    expect(a.done).toBe(true);
    const b = track(s.run(req(1, 2)));
    await settle();
    answer(inst);
    await settle();
    expect(outputOf(b.value)).toEqual([2]);
  });

  it('stops with its timers cleared and instances disposed', async () => {
    const { s, inst, clock } = setup({ control_input: [...START_READY] });
    track(s.run(req(1, 1, { start: true })));
    await settle();
    const stopped = track(s.stop());
    await expect(s.run(req(2, 1, { start: true }))).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    answer(inst);
    await settle();
    await settle();
    expect(stopped.done).toBe(true);
    expect(inst.disposed).toBe(1);
    expect(clock.pendingTimers).toBe(0);
  });
});

describe('sequence batcher, implicit state', () => {
  it('feeds each sequence the state its last request left, starting from the initial state', async () => {
    const { s, inst } = setup({ state: [ACC_STATE] });
    const a1 = track(s.run(req(1, 5, { start: true })));
    const b1 = track(s.run(req(2, 100, { start: true })));
    await settle();
    answer(inst);
    await settle();
    const a2 = track(s.run(req(1, 3)));
    const b2 = track(s.run(req(2, -1, { end: true })));
    await settle();
    expect(col(inst.calls[1], 'ACC')).toEqual([5, 100]);
    answer(inst);
    await settle();
    expect([a1, a2, b1, b2].map(o => outputOf(o.value)[0])).toEqual([5, 8, 100, 99]);
  });

  it('starts again from the initial state when a sequence restarts', async () => {
    const { s, inst } = setup({ state: [ACC_STATE] });
    track(s.run(req(1, 5, { start: true })));
    await settle();
    answer(inst);
    await settle();
    const again = track(s.run(req(1, 2, { start: true })));
    await settle();
    expect(col(inst.calls[1], 'ACC')).toEqual([0]);
    answer(inst);
    await settle();
    expect(outputOf(again.value)).toEqual([2]);
  });

  it('reads initial_state.data_file as raw little-endian values', async () => {
    const bytes = new Uint8Array(Int32Array.of(40).buffer);
    const state: State = {
      ...ACC_STATE,
      initial_state: [{ data_type: 'TYPE_INT32', dims: [1], data_file: 'acc0' }],
    };
    const { s, inst } = setup({ state: [state] }, {}, { files: new Map([['acc0', bytes]]) });
    const a = track(s.run(req(1, 2, { start: true })));
    await settle();
    answer(inst);
    await settle();
    expect(outputOf(a.value)).toEqual([42]);
  });

  it('refuses a data_file of the wrong size, naming model, state and file', () => {
    const state: State = {
      ...ACC_STATE,
      initial_state: [{ data_type: 'TYPE_INT32', dims: [1], data_file: 'acc0' }],
    };
    expect(() =>
      setup({ state: [state] }, {}, { files: new Map([['acc0', new Uint8Array(3)]]) }),
    ).toThrow(
      "model 'seq': sequence_batching state 'ACC': initial_state data_file 'acc0' must hold 4 bytes (1 INT32), got 3",
    );
  });

  it('asks the instance for the state output even when the client asks only for OUTPUT', async () => {
    const { s, inst } = setup({ state: [ACC_STATE] });
    const a = track(s.run({ ...req(1, 2, { start: true }), outputs: ['OUTPUT'] }));
    await settle();
    expect(inst.calls[0]!.opts.outputs).toEqual(['OUTPUT', 'ACC_OUT']);
    answer(inst);
    await settle();
    expect([...a.value!.outputs.keys()]).toEqual(['OUTPUT']);
  });
});
