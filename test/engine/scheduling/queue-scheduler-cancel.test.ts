import { describe, expect, it } from 'vitest';
import { inputTags, request, rowTags, settle, track } from './fake-instance.js';
import { schedulerSetup as setup } from './scheduler-setup.js';

// A scheduler's requests cancelled while queued or while their batch runs.

describe('cancellation', () => {
  it('a queued request whose signal aborts leaves at once with CANCELLED and never executes', async () => {
    const { s, inst } = setup({});
    track(s.run(request(1, 0)));
    await settle();
    const ac = new AbortController();
    const r = track(s.run(request(1, 1, { signal: ac.signal })));
    const other = track(s.run(request(1, 2)));
    await settle();
    expect(s.stats().pending).toBe(2);
    ac.abort();
    await settle();
    expect(r.error).toMatchObject({ code: 'CANCELLED', reason: 'CANCELED' });
    expect(s.stats().pending).toBe(1);
    inst.echo();
    await settle();
    expect(inputTags(inst.calls[1])).toEqual([2]);
    inst.echo();
    await settle();
    expect(other.done).toBe(true);
    expect(inst.calls).toHaveLength(2);
  });

  it('a request aborted before enqueue is refused without queueing', async () => {
    const { s } = setup({});
    const ac = new AbortController();
    ac.abort();
    await expect(s.run(request(1, 0, { signal: ac.signal }))).rejects.toMatchObject({
      code: 'CANCELLED',
    });
    expect(s.stats().inflight).toBe(0);
  });

  it('aborts the execute signal only once every request of the batch is cancelled', async () => {
    const { s, inst } = setup({});
    const a = new AbortController();
    const b = new AbortController();
    const ra = track(s.run(request(1, 1, { signal: a.signal })));
    const rb = track(s.run(request(1, 2, { signal: b.signal })));
    await settle();
    const call = inst.calls[0]!;
    a.abort();
    expect(call.opts.signal.aborted).toBe(false);
    b.abort();
    expect(call.opts.signal.aborted).toBe(true);
    expect(ra.done).toBe(false);
    inst.fail(new Error('aborted'));
    await settle();
    expect(ra.error).toMatchObject({ code: 'CANCELLED' });
    expect(rb.error).toMatchObject({ code: 'CANCELLED' });
    // The instance's next batch gets a signal of its own, not the aborted one.
    const rc = track(s.run(request(1, 3)));
    await settle();
    expect(inst.calls[1]!.opts.signal.aborted).toBe(false);
    inst.echo();
    await settle();
    expect(rowTags(rc.value!)).toEqual([3]);
  });

  it('reuses one signal across batches of an instance, and a late cancel leaves the next batch alone', async () => {
    const { s, inst } = setup({});
    const a = new AbortController();
    const ra = track(s.run(request(1, 1, { signal: a.signal })));
    await settle();
    inst.echo();
    await settle();
    expect(ra.done).toBe(true);
    const rb = track(s.run(request(1, 2)));
    await settle();
    expect(inst.calls[1]!.opts.signal).toBe(inst.calls[0]!.opts.signal);
    a.abort(); // the first request finished long ago
    expect(inst.calls[1]!.opts.signal.aborted).toBe(false);
    inst.echo();
    await settle();
    expect(rowTags(rb.value!)).toEqual([2]);
  });

  it('does not interrupt a batch for one cancelled request; the others get their outputs', async () => {
    const { s, inst } = setup({});
    const a = new AbortController();
    const ra = track(s.run(request(1, 1, { signal: a.signal })));
    const rb = track(s.run(request(2, 2)));
    await settle();
    a.abort();
    inst.echo();
    await settle();
    expect(ra.error).toMatchObject({ code: 'CANCELLED' });
    expect(rowTags(rb.value!)).toEqual([2, 2]);
  });
});
