import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../engine/core/clock.js';
import { EngineError } from '../../../engine/core/errors.js';
import type { StepEvent } from '../../../pipelines/executor/step-stats.js';
import { FakeCatalog, elementwise, fp32, values } from '../fake-catalog.js';
import { manualModel, runnerFor, schedulerOver, settle, track } from './harness.js';

const F = { datatype: 'FP32' as const, shape: [-1, -1] };
const X = (v: number) => new Map([['X', fp32([1, 1], [v])]]);
const one = (policy: string) => `inputs: { X: { datatype: FP32, shape: [1, 1] } }
outputs: { Y: { datatype: FP32, shape: [1, 1], optional: true } }
steps:
  - name: call
    model: m
    inputs: { x: X }
    outputs: { y: Y }
${policy}`;

describe('timeout and retry', () => {
  it('fails a call that exceeds timeout_ms with UNAVAILABLE and aborts it', async () => {
    const clock = new SimulatedClock();
    const m = manualModel('m', [{ name: 'x', ...F }], [{ name: 'y', ...F }]);
    const runner = await runnerFor(one('    timeout_ms: 50\n'), new FakeCatalog([m]), { clock });
    const run = track(runner.run({ inputs: X(1) }));
    await settle();
    const signal = m.pending[0]!.req.signal!;
    clock.advance(49);
    await settle();
    expect(run.done).toBe(false);
    clock.advance(1);
    await settle();
    expect(run.error?.code).toBe('UNAVAILABLE');
    expect(run.error?.message).toBe(
      "pipeline 'p' step 'call' (model 'm'): model 'm' did not answer within 50 ms (timeout_ms)",
    );
    expect(signal.aborted).toBe(true);
  });

  it('retries the listed codes with growing backoff, each attempt with a fresh timeout', async () => {
    const clock = new SimulatedClock();
    const m = manualModel('m', [{ name: 'x', ...F }], [{ name: 'y', ...F }]);
    const runner = await runnerFor(
      one(
        '    timeout_ms: 100\n    retry: { attempts: 3, on: [UNAVAILABLE], backoff_ms: 10, multiplier: 3 }\n',
      ),
      new FakeCatalog([m]),
      { clock },
    );
    const run = track(runner.run({ inputs: X(1), parameters: { braid_debug: true } }));
    await settle();
    m.pending[0]!.fail(new EngineError('UNAVAILABLE', 'queue full'));
    await settle();
    expect(m.pending).toHaveLength(0); // waiting 10 ms before attempt 2
    clock.advance(10);
    await settle();
    expect(m.pending).toHaveLength(1);
    clock.advance(100); // attempt 2 times out
    await settle();
    clock.advance(29);
    await settle();
    expect(m.pending).toHaveLength(0); // backoff is now 30 ms
    clock.advance(1);
    await settle();
    m.pending[0]!.answer(new Map([['y', fp32([1, 1], [7])]]));
    await settle();
    expect(values(run.value?.outputs.get('Y'))).toEqual([7]);
    expect(run.value?.debug?.steps[0]).toMatchObject({
      step: 'call',
      status: 'ran',
      calls: 3,
      retries: 2,
    });
  });

  it('does not retry codes that are not listed', async () => {
    const catalog = new FakeCatalog([
      {
        name: 'm',
        inputs: [{ name: 'x', ...F }],
        outputs: [{ name: 'y', ...F }],
        run: () => Promise.reject(new EngineError('INVALID_ARG', 'bad shape')),
      },
    ]);
    const runner = await runnerFor(one('    retry: { attempts: 5 }\n'), catalog);
    await expect(runner.run({ inputs: X(1) })).rejects.toMatchObject({
      code: 'INVALID_ARG',
      message: "pipeline 'p' step 'call' (model 'm'): bad shape",
    });
    expect(catalog.callsTo('m')).toHaveLength(1);
  });
});

describe('on_error', () => {
  const failing = () =>
    new FakeCatalog([
      {
        name: 'm',
        inputs: [{ name: 'x', ...F }],
        outputs: [{ name: 'y', ...F }],
        run: () => Promise.reject(new EngineError('INTERNAL', 'boom')),
      },
    ]);

  it('skip: the step counts as skipped and its outputs are absent', async () => {
    const runner = await runnerFor(one('    on_error: skip\n'), failing());
    const r = await runner.run({ inputs: X(1), parameters: { braid_debug: true } });
    expect(r.outputs.size).toBe(0);
    expect(r.debug?.steps[0]).toMatchObject({ status: 'skipped', reason: 'boom' });
  });

  it('default: the step outputs take the declared values', async () => {
    const runner = await runnerFor(
      one(
        '    on_error: default\n    default: { y: { datatype: FP32, shape: [1, 1], data: [-1] } }\n',
      ),
      failing(),
    );
    const r = await runner.run({ inputs: X(1) });
    expect(values(r.outputs.get('Y'))).toEqual([-1]);
    expect(runner.stepStatistics()[0]).toMatchObject({
      step: 'call',
      defaulted: 1,
      ran: { count: 0 },
    });
  });
});

describe('requests', () => {
  const text = `inputs:
  X: { datatype: FP32, shape: [B, 1] }
  W: { datatype: FP32, shape: [B, 1] }
outputs:
  Y: { datatype: FP32, shape: [B, 1] }
  Z: { datatype: FP32, shape: [B, 1] }
steps:
  - { name: y1, model: double, inputs: { x: X }, outputs: { y: T } }
  - { name: y2, model: double, inputs: { x: T }, outputs: { y: Y } }
  - { name: z, model: inc, inputs: { x: W }, outputs: { y: Z } }
`;
  const make = (observer?: { onStep(e: StepEvent): void }) => {
    const catalog = new FakeCatalog([
      elementwise('double', v => v * 2),
      elementwise('inc', v => v + 1),
    ]);
    return runnerFor(text, catalog, observer ? { observer } : {}).then(runner => ({
      catalog,
      runner,
    }));
  };
  const inputs = () =>
    new Map([
      ['X', fp32([1, 1], [1])],
      ['W', fp32([1, 1], [5])],
    ]);

  it('runs only the steps that feed the outputs asked for', async () => {
    const { catalog, runner } = await make();
    const r = await runner.run({ inputs: inputs(), outputs: ['Z'] });
    expect([...r.outputs.keys()]).toEqual(['Z']);
    expect(catalog.callsTo('double')).toHaveLength(0);
  });

  it('passes id, priority and parameters on to every step, without the debug switch', async () => {
    const { catalog, runner } = await make();
    await runner.run({
      id: 'req-7',
      inputs: inputs(),
      parameters: { priority: 2, tenant: 'a', braid_debug: true },
    });
    expect(catalog.calls.map(c => [c.id, c.parameters])).toEqual(
      Array(3).fill(['req-7', { priority: 2, tenant: 'a' }]),
    );
    expect(catalog.calls.every(c => c.outputs?.length === 1)).toBe(true); // only the outputs needed
  });

  it('returns named intermediate tensors and per-step timings with the debug parameter', async () => {
    const { runner } = await make();
    const scheduler = schedulerOver(runner);
    const res = await scheduler.run({
      inputs: inputs(),
      batchSize: 1,
      outputs: ['Z'],
      parameters: { braid_debug: 'T' },
    });
    expect([...res.outputs.keys()]).toEqual(['Z', 'braid_debug.T']);
    expect(values(res.outputs.get('braid_debug.T'))).toEqual([2]);
    const debug = JSON.parse(String(res.parameters?.['braid_debug'])) as {
      steps: { step: string; status: string }[];
    };
    expect(debug.steps.map(s => `${s.step}:${s.status}`)).toEqual(['y1:ran', 'z:ran', 'y2:pruned']);
    await expect(
      scheduler.run({ inputs: inputs(), batchSize: 1, parameters: { braid_debug: 'NOPE' } }),
    ).rejects.toThrow(/names unknown tensor 'NOPE'; tensors are: X, W, T, /);
  });

  // Names, required inputs and shapes are the engine's to check, against the pipeline's config
  // (test/engine/runtime/engine-pipelines.test.ts); a symbol shared by inputs is the pipeline's.
  it('checks one size per symbol across inputs, and the outputs asked for', async () => {
    const { catalog, runner } = await make();
    await expect(
      runner.run({
        inputs: new Map([
          ['X', fp32([2, 1], [1, 2])],
          ['W', fp32([1, 1], [1])],
        ]),
      }),
    ).rejects.toThrow("input 'W' of pipeline 'p': axis 0 is B = 1, but input 'X' has B = 2");
    await expect(runner.run({ inputs: inputs(), outputs: ['NOPE'] })).rejects.toThrow(
      "unexpected inference output 'NOPE' for pipeline 'p'",
    );
    expect(catalog.calls).toHaveLength(0);
  });

  it('counts per-step statistics and reports each step to the observer', async () => {
    const events: StepEvent[] = [];
    const { runner } = await make({ onStep: e => events.push(e) });
    await runner.run({ inputs: inputs() });
    await runner.run({ inputs: inputs(), outputs: ['Z'] });
    expect(runner.stepStatistics().map(s => [s.step, s.target, s.ran.count, s.calls])).toEqual([
      ['y1', "model 'double'", 1, 1],
      ['z', "model 'inc'", 2, 2],
      ['y2', "model 'double'", 1, 1],
    ]);
    expect(events.map(e => `${e.step}:${e.status}`)).toEqual([
      'y1:ran',
      'z:ran',
      'y2:ran',
      'z:ran',
    ]);
  });
});
