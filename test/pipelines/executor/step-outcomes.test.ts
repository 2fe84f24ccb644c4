/*
 * What a step's outcome says about the branch it took: whether its `when:` guard held and
 * whether its on_error policy answered, in observer events and in debug timings alike, so tools
 * (`braid test --coverage`) need not read it from reason strings.
 */
import { describe, expect, it } from 'vitest';
import { EngineError } from '../../../engine/core/errors.js';
import type { StepEvent } from '../../../pipelines/executor/step-stats.js';
import { FakeCatalog, elementwise, fp32 } from '../fake-catalog.js';
import { runnerFor } from './harness.js';

const F = { datatype: 'FP32' as const, shape: [-1, -1] };
const text = `inputs: { X: { datatype: FP32, shape: [1, 1] } }
outputs:
  Y: { datatype: FP32, shape: [1, 1], optional: true }
  Z: { datatype: FP32, shape: [1, 1], optional: true }
steps:
  - name: guarded
    model: double
    when: "params.go == true"
    inputs: { x: X }
    outputs: { y: Y }
  - name: fragile
    model: broken
    on_error: skip
    inputs: { x: X }
    outputs: { y: Z }
`;

async function run(go: boolean) {
  const events: StepEvent[] = [];
  const broken = {
    name: 'broken',
    inputs: [{ name: 'x', ...F }],
    outputs: [{ name: 'y', ...F }],
    run: () => Promise.reject(new EngineError('INTERNAL', 'boom')),
  };
  const runner = await runnerFor(
    text,
    new FakeCatalog([elementwise('double', v => v * 2), broken]),
    { observer: { onStep: e => events.push(e) } },
  );
  const r = await runner.run({
    inputs: new Map([['X', fp32([1, 1], [1])]]),
    parameters: { go, braid_debug: true },
  });
  return { events, steps: r.debug!.steps };
}

describe('step outcomes', () => {
  it('say that a guard held on the step that ran', async () => {
    const { events, steps } = await run(true);
    expect(events.find(e => e.step === 'guarded')).toMatchObject({ status: 'ran', guard: true });
    expect(steps.find(s => s.step === 'guarded')).toMatchObject({ status: 'ran', guard: true });
  });

  it('say that a guard was false on the step it skipped', async () => {
    const { events, steps } = await run(false);
    expect(events.find(e => e.step === 'guarded')).toMatchObject({
      status: 'skipped',
      guard: false,
    });
    expect(steps.find(s => s.step === 'guarded')).toMatchObject({
      status: 'skipped',
      guard: false,
    });
  });

  it('say that on_error answered for a failed step, and carry no guard for a step without one', async () => {
    const { events, steps } = await run(true);
    const event = events.find(e => e.step === 'fragile')!;
    expect(event).toMatchObject({ status: 'skipped', onError: 'skip', reason: 'boom' });
    expect(event).not.toHaveProperty('guard');
    expect(steps.find(s => s.step === 'fragile')).toMatchObject({
      status: 'skipped',
      on_error: 'skip',
    });
  });

  it('say that on_error default answered', async () => {
    const events: StepEvent[] = [];
    const broken = {
      name: 'broken',
      inputs: [{ name: 'x', ...F }],
      outputs: [{ name: 'y', ...F }],
      run: () => Promise.reject(new EngineError('INTERNAL', 'boom')),
    };
    const withDefault = text.replace(
      'on_error: skip',
      'on_error: default\n    default: { y: { datatype: FP32, shape: [1, 1], data: [0] } }',
    );
    const runner = await runnerFor(
      withDefault,
      new FakeCatalog([elementwise('double', v => v * 2), broken]),
      { observer: { onStep: e => events.push(e) } },
    );
    await runner.run({ inputs: new Map([['X', fp32([1, 1], [1])]]), parameters: { go: false } });
    expect(events.find(e => e.step === 'fragile')).toMatchObject({
      status: 'defaulted',
      onError: 'default',
    });
  });
});
