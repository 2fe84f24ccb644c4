import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../engine/core/clock.js';
import { EngineError } from '../../../engine/core/errors.js';
import { FakeCatalog, fp32 } from '../fake-catalog.js';
import { manualModel, runnerFor, settle, track } from './harness.js';

// A pipeline request's deadline (its timeout parameter) and its client's cancellation.

const F = { datatype: 'FP32' as const, shape: [-1, -1] };
const X = (v: number) => new Map([['X', fp32([1, 1], [v])]]);

describe('deadline and cancellation', () => {
  const two = `inputs: { X: { datatype: FP32, shape: [1, 1] } }
outputs: { Y: { datatype: FP32, shape: [1, 1] } }
deadline_ms: 200
steps:
  - { name: a, model: m, inputs: { x: X }, outputs: { y: T } }
  - { name: b, model: m, inputs: { x: X }, outputs: { y: U } }
  - { name: c, model: add, inputs: { a: T, b: U }, outputs: { s: Y } }
`;
  const add = {
    name: 'add',
    inputs: [
      { name: 'a', ...F },
      { name: 'b', ...F },
    ],
    outputs: [{ name: 's', ...F }],
    run: () => new Map(),
  };

  it('fails past the deadline, names the steps still running and aborts them', async () => {
    const clock = new SimulatedClock();
    const m = manualModel('m', [{ name: 'x', ...F }], [{ name: 'y', ...F }]);
    const runner = await runnerFor(two, new FakeCatalog([m, add]), { clock });
    const run = track(runner.run({ inputs: X(1), parameters: { timeout: 1_000_000 } }));
    await settle();
    // The remaining budget travels to each step as its queue timeout, in microseconds.
    expect(m.pending.map(c => c.req.parameters?.['timeout'])).toEqual([200_000, 200_000]);
    const signals = m.pending.map(c => c.req.signal!);
    clock.advance(200);
    await settle();
    expect(run.error?.code).toBe('UNAVAILABLE');
    expect(run.error?.message).toBe(
      "pipeline 'p' exceeded its deadline of 200 ms (still running: 'a', 'b')",
    );
    expect(signals.every(s => s.aborted)).toBe(true);
  });

  it('cancels outstanding steps when the client goes away', async () => {
    const m = manualModel('m', [{ name: 'x', ...F }], [{ name: 'y', ...F }]);
    const runner = await runnerFor(two, new FakeCatalog([m, add]));
    const client = new AbortController();
    const run = track(runner.run({ inputs: X(1), signal: client.signal }));
    await settle();
    m.pending[0]!.answer(new Map([['y', fp32([1, 1], [1])]]));
    await settle();
    const outstanding = m.pending[0]!.req.signal!;
    client.abort();
    await settle();
    expect(run.error).toMatchObject({
      code: 'CANCELLED',
      message: "pipeline 'p': the client cancelled the request",
    });
    expect(outstanding.aborted).toBe(true);
  });

  it('in a chain, cancels the running step when the client aborts', async () => {
    const chain = `inputs: { X: { datatype: FP32, shape: [1, 1] } }
outputs: { Y: { datatype: FP32, shape: [1, 1] } }
steps:
  - { name: a, model: m, inputs: { x: X }, outputs: { y: T } }
  - { name: b, model: m, inputs: { x: T }, outputs: { y: Y } }
`;
    const m = manualModel('m', [{ name: 'x', ...F }], [{ name: 'y', ...F }]);
    const runner = await runnerFor(chain, new FakeCatalog([m]));
    const client = new AbortController();
    const run = track(runner.run({ inputs: X(1), signal: client.signal }));
    await settle();
    m.pending[0]!.answer(new Map([['y', fp32([1, 1], [1])]]));
    await settle();
    const second = m.pending[0]!.req.signal!;
    expect(second.aborted).toBe(false);
    client.abort();
    await settle();
    expect(run.error).toMatchObject({
      code: 'CANCELLED',
      message: "pipeline 'p': the client cancelled the request",
    });
    expect(second.aborted).toBe(true);
    expect(m.pending).toHaveLength(0);
  });

  it('fails the request when a step fails, cancelling its siblings', async () => {
    const m = manualModel('m', [{ name: 'x', ...F }], [{ name: 'y', ...F }]);
    const runner = await runnerFor(two, new FakeCatalog([m, add]));
    const run = track(runner.run({ inputs: X(1) }));
    await settle();
    const sibling = m.pending[1]!.req.signal!;
    m.pending[0]!.fail(new EngineError('INTERNAL', 'kaput'));
    await settle();
    expect(run.error?.message).toBe("pipeline 'p' step 'a' (model 'm'): kaput");
    expect(sibling.aborted).toBe(true);
  });
});
