import { describe, expect, it } from 'vitest';
import { CancelSource } from '../../../../engine/core/cancel.js';
import type { EngineError } from '../../../../engine/core/errors.js';
import { settle, track } from '../fake-instance.js';
import { START_READY, answer, col, outputOf, req, setup } from './support.js';

describe('sequence batcher, direct strategy', () => {
  it('runs each sequence in its own batch slot with START and READY set per row', async () => {
    const { s, inst } = setup({ control_input: [...START_READY] });
    const a = track(s.run(req(1000, 0, { start: true })));
    const b = track(s.run(req(1001, 100, { start: true })));
    await settle();
    expect(inst.calls).toHaveLength(1);
    expect(col(inst.calls[0], 'INPUT')).toEqual([0, 100]);
    expect(col(inst.calls[0], 'START')).toEqual([1, 1]);
    expect(col(inst.calls[0], 'READY')).toEqual([1, 1]);
    answer(inst);
    await settle();
    expect(outputOf(a.value)).toEqual([1]);
    expect(outputOf(b.value)).toEqual([101]);
  });

  it('fills an empty slot below an occupied one with a not-ready row', async () => {
    const { s, inst } = setup({ control_input: [...START_READY] });
    track(s.run(req(1, 1, { start: true })));
    track(s.run(req(2, 2, { start: true })));
    await settle();
    answer(inst);
    await settle();
    // Only the sequence in slot 1 sends now: slot 0 keeps its position with READY 0.
    const later = track(s.run(req(2, 7)));
    await settle();
    expect(col(inst.calls[1], 'INPUT')).toEqual([0, 7]);
    expect(col(inst.calls[1], 'READY')).toEqual([0, 1]);
    expect(col(inst.calls[1], 'START')).toEqual([0, 0]);
    answer(inst);
    await settle();
    expect(outputOf(later.value)).toEqual([7]);
  });

  it('counts inferences without the not-ready rows, as Triton does', async () => {
    const { s, inst, stats } = setup({ control_input: [...START_READY] });
    track(s.run(req(1, 1, { start: true })));
    track(s.run(req(2, 2, { start: true })));
    await settle();
    answer(inst);
    await settle();
    track(s.run(req(2, 3)));
    await settle();
    answer(inst);
    await settle();
    const snap = stats.snapshot();
    expect(snap.execution_count).toBe(2);
    expect(snap.inference_count).toBe(3);
    expect(snap.inference_stats.queue.count).toBe(3);
  });

  it('runs one request of a sequence at a time, in order', async () => {
    const { s, inst } = setup({ control_input: [...START_READY] });
    track(s.run(req(5, 1, { start: true })));
    track(s.run(req(5, 2)));
    await settle();
    expect(inst.calls).toHaveLength(1);
    expect(col(inst.calls[0], 'INPUT')).toEqual([1]);
    answer(inst);
    await settle();
    expect(col(inst.calls[1], 'INPUT')).toEqual([2]);
    expect(col(inst.calls[1], 'START')).toEqual([0]);
  });

  it('refuses a request without sequence_id, naming the parameter', async () => {
    const { s } = setup({ control_input: [...START_READY] });
    const r = req(1, 1);
    await expect(s.run({ ...r, parameters: {} })).rejects.toMatchObject({
      code: 'INVALID_ARG',
      message: expect.stringContaining("'sequence_id'") as string,
    });
    await expect(s.run({ ...r, parameters: { sequence_id: 0 } })).rejects.toMatchObject({
      message:
        "inference request to model 'seq' must specify a non-zero or non-empty correlation ID (request parameter 'sequence_id')",
    });
  });

  it("refuses a sequence's first request without START, in Triton's words", async () => {
    const { s } = setup({ control_input: [...START_READY] });
    await expect(s.run(req(42, 1))).rejects.toMatchObject({
      code: 'INVALID_ARG',
      message:
        "inference request for sequence 42 to model 'seq' must specify the START flag on the first request of the sequence",
    });
    await expect(s.run(req('abc', 1))).rejects.toThrow(/for sequence abc to model 'seq'/);
  });

  it('refuses a request of batch size 2', async () => {
    const { s } = setup({ control_input: [...START_READY] });
    await expect(s.run({ ...req(1, 1, { start: true }), batchSize: 2 })).rejects.toThrow(
      "inference request to model 'seq' must specify batch-size 1 due to requirements of sequence batcher",
    );
  });

  it('forgets a sequence at END: its ID must START again', async () => {
    const { s, inst } = setup({ control_input: [...START_READY] });
    track(s.run(req(9, 1, { start: true })));
    track(s.run(req(9, 2, { end: true })));
    await settle();
    answer(inst);
    await settle();
    answer(inst);
    await settle();
    expect(s.stats().fields).toEqual({ braid_sequences: { active: 0, backlog: 0 } });
    await expect(s.run(req(9, 3))).rejects.toThrow(/must specify the START flag/);
  });

  it('tells a numeric ID from the same digits sent as a string', async () => {
    const { s } = setup({ control_input: [...START_READY] });
    track(s.run(req(7, 1, { start: true })));
    await expect(s.run(req('7', 1))).rejects.toThrow(/for sequence 7 to model 'seq'/);
  });

  it('keeps sequences beyond the free slots in a backlog until a slot frees', async () => {
    const { s, inst } = setup({ control_input: [...START_READY] }, { max_batch_size: 1 });
    const a = track(s.run(req(1, 10, { start: true, end: true })));
    const b = track(s.run(req(2, 20, { start: true })));
    await settle();
    expect(s.stats().fields).toEqual({ braid_sequences: { active: 1, backlog: 1 } });
    expect(s.stats().pending).toBe(1);
    answer(inst);
    await settle();
    expect(outputOf(a.value)).toEqual([11]);
    expect(col(inst.calls[1], 'INPUT')).toEqual([20]);
    answer(inst);
    await settle();
    expect(outputOf(b.value)).toEqual([21]);
  });

  it('with max_batch_size 0, runs one sequence per instance with unbatched controls', async () => {
    const { s, inst } = setup({ control_input: [...START_READY] }, { max_batch_size: 0 });
    const a = track(s.run(req(1, 4, { start: true }, false)));
    await settle();
    expect(inst.calls[0]!.inputs.get('START')!.shape).toEqual([1]);
    answer(inst);
    await settle();
    expect(outputOf(a.value)).toEqual([5]);
  });

  it('spreads sequences over the instances', async () => {
    const { s, instances } = setup(
      { control_input: [...START_READY] },
      { max_batch_size: 1 },
      { instances: 2 },
    );
    track(s.run(req(1, 1, { start: true })));
    track(s.run(req(2, 2, { start: true })));
    await settle();
    expect(instances.map(i => i.calls.length)).toEqual([1, 1]);
  });

  it('fails the requests of a failed execution and keeps serving the sequence', async () => {
    const { s, inst } = setup({ control_input: [...START_READY] });
    const a = track(s.run(req(1, 1, { start: true })));
    await settle();
    inst.fail(new Error('boom'));
    await settle();
    expect((a.error as EngineError).message).toContain('boom');
    const b = track(s.run(req(1, 2)));
    await settle();
    answer(inst);
    await settle();
    expect(outputOf(b.value)).toEqual([2]);
  });

  it('drops a cancelled queued request and runs the rest of its sequence', async () => {
    const { s, inst } = setup({ control_input: [...START_READY] });
    track(s.run(req(1, 1, { start: true })));
    const cancel = new CancelSource();
    const gone = track(s.run({ ...req(1, 2), signal: cancel }));
    const kept = track(s.run(req(1, 3)));
    await settle();
    cancel.abort();
    await settle();
    expect((gone.error as EngineError).code).toBe('CANCELLED');
    answer(inst);
    await settle();
    expect(col(inst.calls[1], 'INPUT')).toEqual([3]);
    answer(inst);
    await settle();
    expect(outputOf(kept.value)).toEqual([3]);
    expect(s.stats()).toMatchObject({ pending: 0, inflight: 0 });
  });
});
