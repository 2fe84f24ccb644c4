import { describe, expect, it } from 'vitest';
import { settle, track } from '../fake-instance.js';
import { START_READY, answer, col, req, setup } from './support.js';

describe('sequence batcher, oldest strategy', () => {
  it('runs the oldest requests of its candidate sequences, compact and at most max_batch_size', async () => {
    const { s, inst, clock } = setup(
      { control_input: [...START_READY], oldest: { max_candidate_sequences: 4 } },
      { max_batch_size: 2 },
    );
    track(s.run(req(1, 1, { start: true })));
    clock.advance(1);
    track(s.run(req(2, 2, { start: true })));
    clock.advance(1);
    track(s.run(req(3, 3, { start: true })));
    await settle();
    expect(col(inst.calls[0], 'INPUT')).toEqual([1, 2]);
    answer(inst);
    await settle();
    // No not-ready rows: the oldest strategy does not keep positions.
    expect(col(inst.calls[1], 'INPUT')).toEqual([3]);
    expect(col(inst.calls[1], 'READY')).toEqual([1]);
  });

  it('waits up to max_queue_delay_microseconds for a preferred batch', async () => {
    const { s, inst, clock } = setup(
      {
        control_input: [...START_READY],
        oldest: {
          max_candidate_sequences: 4,
          preferred_batch_size: [2],
          max_queue_delay_microseconds: 10_000,
        },
      },
      { max_batch_size: 4 },
    );
    track(s.run(req(1, 1, { start: true })));
    await settle();
    clock.advance(9);
    expect(inst.calls).toHaveLength(0);
    track(s.run(req(2, 2, { start: true })));
    await settle();
    expect(col(inst.calls[0], 'INPUT')).toEqual([1, 2]);
  });

  it('runs what waits once the delay has passed', async () => {
    const { s, inst, clock } = setup(
      { control_input: [...START_READY], oldest: { max_queue_delay_microseconds: 10_000 } },
      { max_batch_size: 4 },
    );
    track(s.run(req(1, 1, { start: true })));
    await settle();
    clock.advance(10);
    await settle();
    expect(col(inst.calls[0], 'INPUT')).toEqual([1]);
  });

  it('backlogs sequences beyond max_candidate_sequences', async () => {
    const { s } = setup(
      { control_input: [...START_READY], oldest: { max_candidate_sequences: 1 } },
      { max_batch_size: 4 },
    );
    track(s.run(req(1, 1, { start: true })));
    track(s.run(req(2, 1, { start: true })));
    await settle();
    expect(s.stats().fields).toEqual({ braid_sequences: { active: 1, backlog: 1 } });
  });
});
