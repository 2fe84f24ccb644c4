import { afterEach, describe, expect, it } from 'vitest';
import { WorkerLink } from '../../../backends/worker-host/link.js';
import { toWire } from '../../../backends/worker-host/wire.js';
import { failure, PROBE, probeInputs } from './host-harness.js';
import type { ProbeReply, ProbeRequest } from './probe-protocol.js';

const links: WorkerLink<ProbeRequest, ProbeReply>[] = [];
afterEach(async () => {
  await Promise.all(links.splice(0).map(l => l.terminate()));
});

function link(onDeath?: (why: string) => void): WorkerLink<ProbeRequest, ProbeReply> {
  const l = new WorkerLink<ProbeRequest, ProbeReply>({
    model: 'probe',
    script: PROBE,
    threadName: 'probe',
    ...(onDeath ? { onDeath } : {}),
  });
  links.push(l);
  return l;
}

const init = { type: 'init', flags: new SharedArrayBuffer(32) } as const;

describe('WorkerLink', () => {
  it('answers each request with its reply, moving transferred buffers to the worker', async () => {
    const l = link();
    expect(await l.request({ type: 'ping' })).toEqual({ type: 'pong' });
    await l.request(init);
    const { tensors, transfer } = toWire(probeInputs(), { copy: false });
    const reply = await l.request({ type: 'run', act: 'echo', inputs: tensors }, transfer);
    expect(reply.type).toBe('result');
    expect(transfer[0]!.byteLength).toBe(0);
  });

  it('refuses a request while another is in flight', async () => {
    const l = link();
    const first = l.request({ type: 'ping' });
    expect(await failure(l.request({ type: 'ping' }))).toMatchObject({
      code: 'INTERNAL',
      message: "model 'probe': its worker was called during another call; it runs one at a time",
    });
    await first;
  });

  it('fails the request in flight and every later one when the worker dies, telling the owner once', async () => {
    const deaths: string[] = [];
    const l = link(why => deaths.push(why));
    await l.request(init);
    const e = await failure(l.request({ type: 'run', act: 'exit', inputs: [] }));
    expect(e).toMatchObject({
      code: 'INTERNAL',
      message: "model 'probe': its worker thread crashed (the thread exited with code 7)",
    });
    expect(l.dead).toBe('its worker thread crashed (the thread exited with code 7)');
    expect((await failure(l.request({ type: 'ping' }))).message).toBe(e.message);
    expect(deaths).toEqual(['its worker thread crashed (the thread exited with code 7)']);
  });

  it('fails the request in flight with the reason given to terminate, without a death', async () => {
    const deaths: string[] = [];
    const l = link(why => deaths.push(why));
    await l.request(init);
    const looping = failure(l.request({ type: 'run', act: 'loop', inputs: [] }));
    await l.terminate('it hung');
    expect((await looping).message).toBe("model 'probe': it hung");
    expect((await failure(l.request({ type: 'ping' }))).message).toBe(
      "model 'probe': its worker was stopped",
    );
    await l.terminate();
    expect(deaths).toEqual([]);
  });
});
