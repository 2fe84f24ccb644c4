import { describe, expect, it } from 'vitest';
import type { Tensor } from '../../../engine/core/tensor.js';
import { FakeCatalog, elementwise, fp32, values } from '../fake-catalog.js';
import { manualModel, runnerFor, settle, track } from './harness.js';

const F = (shape: number[]) => ({ datatype: 'FP32' as const, shape });
const X = (v: number[]) => new Map([['X', fp32([1, v.length], v)]]);

describe('dataflow', () => {
  it('starts independent steps together and a dependent step once its input exists', async () => {
    const slow = manualModel(
      'slow',
      [{ name: 'x', ...F([-1, -1]) }],
      [{ name: 'y', ...F([-1, -1]) }],
    );
    const catalog = new FakeCatalog([slow, elementwise('inc', v => v + 1)]);
    const runner = await runnerFor(
      `inputs: { X: { datatype: FP32, shape: [1, 2] } }\noutputs:\n  A: { datatype: FP32, shape: [1, 2] }\n  B: { datatype: FP32, shape: [1, 2] }\nsteps:\n  - { name: s1, model: slow, inputs: { x: X }, outputs: { y: T } }\n  - { name: s2, model: slow, inputs: { x: X }, outputs: { y: B } }\n  - { name: s3, model: inc, inputs: { x: T }, outputs: { y: A } }\n`,
      catalog,
    );
    const run = track(runner.run({ inputs: X([1, 2]) }));
    await settle();
    expect(slow.pending).toHaveLength(2); // both branches in flight at once
    expect(catalog.callsTo('inc')).toHaveLength(0);
    slow.pending[0]!.answer(new Map([['y', fp32([1, 2], [10, 20])]]));
    await settle();
    expect(catalog.callsTo('inc')).toHaveLength(1);
    expect(run.done).toBe(false);
    slow.pending[0]!.answer(new Map([['y', fp32([1, 2], [5, 5])]]));
    await settle();
    expect(values(run.value?.outputs.get('A'))).toEqual([11, 21]);
    expect(values(run.value?.outputs.get('B'))).toEqual([5, 5]);
  });

  it('serves many concurrent requests on one runner, each with its own tensors', async () => {
    const catalog = new FakeCatalog([
      elementwise('double', v => v * 2),
      elementwise('inc', v => v + 1),
    ]);
    const runner = await runnerFor(
      `inputs: { X: { datatype: FP32, shape: [1, 1] } }\noutputs: { Y: { datatype: FP32, shape: [1, 1] } }\nsteps:\n  - { name: a, model: double, inputs: { x: X }, outputs: { y: T } }\n  - { name: b, model: inc, inputs: { x: T }, outputs: { y: Y } }\n`,
      catalog,
    );
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => runner.run({ inputs: X([i]) })),
    );
    expect(results.map(r => values(r.outputs.get('Y'))[0])).toEqual(
      Array.from({ length: 50 }, (_, i) => 2 * i + 1),
    );
  });
});

describe('when, skip and optional inputs', () => {
  const text = `inputs:
  X: { datatype: FP32, shape: [B, 2] }
  BIAS: { datatype: FP32, shape: [B, 2], optional: true }
outputs:
  Y: { datatype: FP32, shape: [B, 2], optional: true }
  Z: { datatype: FP32, shape: [B, 2] }
steps:
  - name: big
    model: double
    when: "value(X) > params.threshold"
    inputs: { x: X }
    outputs: { y: D }
  - { name: after, model: inc, inputs: { x: D }, outputs: { y: Y } }
  - name: sum
    model: add
    inputs: { a: X, b: { from: BIAS, optional: true } }
    outputs: { s: Z }
`;
  const add = {
    name: 'add',
    inputs: [
      { name: 'a', ...F([-1, 2]) },
      { name: 'b', ...F([-1, 2]), optional: true },
    ],
    outputs: [{ name: 's', ...F([-1, 2]) }],
    run: (ins: Map<string, Tensor>) => {
      const a = values(ins.get('a'));
      const b = ins.has('b') ? values(ins.get('b')) : a.map(() => 100);
      return new Map([
        [
          's',
          fp32(
            [1, 2],
            a.map((v, i) => v + b[i]!),
          ),
        ],
      ]);
    },
  };
  const make = async () => {
    const catalog = new FakeCatalog([
      elementwise('double', v => v * 2),
      elementwise('inc', v => v + 1),
      add,
    ]);
    return { catalog, runner: await runnerFor(text, catalog) };
  };

  it('runs a guarded step and its dependents when the guard holds', async () => {
    const { runner } = await make();
    const r = await runner.run({ inputs: X([5, 1]), parameters: { threshold: 2 } });
    expect(values(r.outputs.get('Y'))).toEqual([11, 3]);
    expect(values(r.outputs.get('Z'))).toEqual([105, 101]); // BIAS absent: the optional input is left out
  });

  it('skips a guarded step and its dependents, leaving an optional output absent', async () => {
    const { runner, catalog } = await make();
    const bias = fp32([1, 2], [1, 1]);
    const r = await runner.run({
      inputs: new Map([...X([1, 1]), ['BIAS', bias]]),
      parameters: { threshold: 2 },
    });
    expect([...r.outputs.keys()]).toEqual(['Z']);
    expect(values(r.outputs.get('Z'))).toEqual([2, 2]);
    expect(catalog.callsTo('double')).toHaveLength(0);
    expect(catalog.callsTo('inc')).toHaveLength(0);
  });

  it('fails when a required output cannot be produced for this request', async () => {
    const catalog = new FakeCatalog([elementwise('double', v => v * 2)]);
    const runner = await runnerFor(
      `inputs: { X: { datatype: FP32, shape: [1, 1] } }\noutputs: { Y: { datatype: FP32, shape: [1, 1] } }\nsteps:\n  - { name: a, model: double, when: "value(X) > 0", inputs: { x: X }, outputs: { y: Y } }\n`,
      catalog,
    );
    await expect(runner.run({ inputs: X([-1]) })).rejects.toThrow(
      "pipeline 'p': required output tensor(s) 'Y' (step 'a' skipped) will not be produced for this request",
    );
  });
});

describe('early return', () => {
  const text = `inputs: { X: { datatype: FP32, shape: [N, 2] } }
outputs:
  Y: { datatype: FP32, shape: [N, 2] }
  COUNT: { datatype: INT32, shape: [1] }
steps:
  - name: none
    when: "shape(X)[0] == 0"
    return:
      Y: X
      COUNT: { datatype: INT32, shape: [1], data: [0] }
  - { name: work, model: slow, inputs: { x: X }, outputs: { y: Y } }
  - { name: count, model: counter, inputs: { x: X }, outputs: { n: COUNT } }
`;
  const counter = {
    name: 'counter',
    inputs: [{ name: 'x', ...F([-1, 2]) }],
    outputs: [{ name: 'n', datatype: 'INT32' as const, shape: [1] }],
    run: (ins: Map<string, Tensor>) =>
      new Map([
        [
          'n',
          { datatype: 'INT32' as const, shape: [1], data: Int32Array.of(ins.get('x')!.shape[0]!) },
        ],
      ]),
  };

  it('answers from the return values and cancels the work still running', async () => {
    const slow = manualModel(
      'slow',
      [{ name: 'x', ...F([-1, 2]) }],
      [{ name: 'y', ...F([-1, 2]) }],
    );
    const runner = await runnerFor(text, new FakeCatalog([slow, counter]));
    const r = await runner.run({ inputs: new Map([['X', fp32([0, 2], [])]]) });
    expect(r.returnedBy).toBe('none');
    expect(r.outputs.get('Y')?.shape).toEqual([0, 2]);
    expect(values(r.outputs.get('COUNT'))).toEqual([0]);
    await settle();
    expect(slow.pending).toHaveLength(0); // its call was aborted
  });

  it('runs normally when the return guard is false', async () => {
    const runner = await runnerFor(
      text,
      new FakeCatalog([elementwise('slow', v => -v, { shape: [-1, 2] }), counter]),
    );
    const r = await runner.run({ inputs: new Map([['X', fp32([1, 2], [3, 4])]]) });
    expect(r.returnedBy).toBeUndefined();
    expect(values(r.outputs.get('Y'))).toEqual([-3, -4]);
    expect(values(r.outputs.get('COUNT'))).toEqual([1]);
  });
});

describe('map and gather', () => {
  const rec = (maxBatchSize: number) =>
    manualModel(
      'rec',
      [
        { name: 'crop', ...F([-1, 3]) },
        { name: 'scale', ...F([1]) },
      ],
      [{ name: 'score', ...F([-1, 1]) }],
      maxBatchSize,
    );
  const text = (mode: string, extra = '') => `inputs:
  CROPS: { datatype: FP32, shape: [N, 3] }
  SCALE: { datatype: FP32, shape: [1] }
outputs: { SCORES: { datatype: FP32, shape: [N, 1] } }
steps:
  - name: score
    model: rec
    map: { over: CROPS, mode: ${mode}${extra} }
    inputs: { crop: CROPS, scale: SCALE }
    outputs: { score: SCORES }
`;
  const inputs = (n: number) =>
    new Map([
      [
        'CROPS',
        fp32(
          [n, 3],
          Array.from({ length: n * 3 }, (_, i) => i),
        ),
      ],
      ['SCALE', fp32([1], [10])],
    ]);
  const answerAll = (m: ReturnType<typeof rec>) => {
    for (const c of [...m.pending]) {
      const crop = values(c.inputs.get('crop'));
      c.answer(new Map([['score', fp32([1, 1], [crop[0]! * values(c.inputs.get('scale'))[0]!])]]));
    }
  };

  it('sends one request per item, all at once so the model can batch them, and gathers in order', async () => {
    const m = rec(8);
    const runner = await runnerFor(text('concat'), new FakeCatalog([m]));
    const run = track(runner.run({ inputs: inputs(4) }));
    await settle();
    expect(m.pending).toHaveLength(4);
    expect(m.pending.map(c => c.inputs.get('crop')?.shape)).toEqual([
      [1, 3],
      [1, 3],
      [1, 3],
      [1, 3],
    ]);
    expect(m.pending.every(c => c.inputs.get('scale')?.shape.join() === '1')).toBe(true); // broadcast input
    answerAll(m);
    await settle();
    expect(run.value?.outputs.get('SCORES')?.shape).toEqual([4, 1]);
    expect(values(run.value?.outputs.get('SCORES'))).toEqual([0, 30, 60, 90]);
  });

  it('keeps at most max_parallel item calls outstanding', async () => {
    const m = rec(8);
    const runner = await runnerFor(text('concat', ', max_parallel: 2'), new FakeCatalog([m]));
    const run = track(runner.run({ inputs: inputs(5) }));
    for (let round = 0; round < 3; round++) {
      await settle();
      expect(m.pending.length).toBeLessThanOrEqual(2);
      answerAll(m);
    }
    await settle();
    expect(values(run.value?.outputs.get('SCORES'))).toEqual([0, 30, 60, 90, 120]);
  });

  it('stack mode drops axis 0 from items and stacks results; zero items give an empty result', async () => {
    const m = manualModel(
      'rec',
      [
        { name: 'crop', ...F([3]) },
        { name: 'scale', ...F([1]) },
      ],
      [{ name: 'score', ...F([1]) }],
    );
    const runner = await runnerFor(text('stack'), new FakeCatalog([m]));
    const run = track(runner.run({ inputs: inputs(2) }));
    await settle();
    expect(m.pending.map(c => c.inputs.get('crop')?.shape)).toEqual([[3], [3]]);
    for (const c of [...m.pending])
      c.answer(new Map([['score', fp32([1], [values(c.inputs.get('crop'))[0]!])]]));
    await settle();
    expect(run.value?.outputs.get('SCORES')?.shape).toEqual([2, 1]);
    const empty = await runner.run({ inputs: inputs(0) });
    expect(empty.outputs.get('SCORES')).toMatchObject({ shape: [0, 1], datatype: 'FP32' });
  });
});
