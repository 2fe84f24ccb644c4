import { describe, expect, it } from 'vitest';
import { explainPlan } from '../../pipelines/explain.js';
import { compile, failures, where } from './compile-helpers.js';
import { FakeCatalog, elementwise } from './fake-catalog.js';
import type { FakeModel } from './fake-catalog.js';

const boxes: FakeModel = {
  name: 'detect',
  inputs: [{ name: 'image', datatype: 'UINT8', shape: [-1, -1, 3] }],
  outputs: [{ name: 'boxes', datatype: 'FP32', shape: [-1, 4] }],
  run: () => new Map(),
};
const classify: FakeModel = {
  name: 'classify',
  maxBatchSize: 8,
  inputs: [
    { name: 'box', datatype: 'FP32', shape: [-1, 4] },
    { name: 'hint', datatype: 'INT32', shape: [-1, 1], optional: true },
  ],
  outputs: [{ name: 'label', datatype: 'INT32', shape: [-1, 1] }],
  run: () => new Map(),
};
const catalog = new FakeCatalog([
  elementwise('double', v => v * 2),
  elementwise('inc', v => v + 1),
  elementwise('fixed', v => v, { shape: [2, 3] }),
  boxes,
  classify,
]);
catalog.unready.add('sleepy');

const HEAD = `inputs:
  X: { datatype: FP32, shape: [B, 4] }
outputs:
  Y: { datatype: FP32, shape: [B, 4] }
steps:
`;

describe('a valid pipeline', () => {
  it('compiles to a plan in execution order with inferred edge types and levels', async () => {
    const { plan, diagnostics } = await compile(
      `inputs:
  IMAGE: { datatype: UINT8, shape: [H, W, 3] }
outputs:
  LABELS: { datatype: INT32, shape: [N, 1] }
steps:
  - name: label
    model: classify
    map: { over: boxes }
    inputs: { box: boxes }
    outputs: { label: LABELS }
  - name: find
    model: detect
    inputs: { image: IMAGE }
    outputs:
      boxes: { tensor: boxes, shape: [N, 4] }
`,
      catalog,
    );
    expect(diagnostics).toEqual([]);
    expect(plan.steps.map(s => s.name)).toEqual(['find', 'label']);
    expect(plan.levels).toEqual([[0], [1]]);
    expect(plan.tensors.get('boxes')?.dims).toEqual(['N', 4]);
    expect(plan.outputs[0]?.spec.dims).toEqual(['N', 1]);
    expect(plan.producer.get('LABELS')).toBe(1);
    const text = explainPlan(plan);
    expect(text).toContain("pipeline 'p' (p.yaml): 2 step(s) in 2 level(s)");
    expect(text).toContain('map over boxes (concat)');
    expect(text).toContain('boxes FP32[N,4] -> box');
    expect(text).toContain("LABELS  INT32 [N,1]  <- LABELS (step 'label')");
  });

  it('puts independent steps on one level and reports it as concurrent', async () => {
    const { plan } = await compile(
      `${HEAD}  - { name: a, model: double, inputs: { x: X }, outputs: { y: Y } }\n  - { name: b, model: inc, inputs: { x: X }, outputs: { y: Z } }\n`,
      catalog,
    );
    expect(plan.levels).toEqual([[0, 1]]);
    expect(explainPlan(plan)).toContain('level 0 (2 steps, run concurrently)');
  });

  it('warns about unused inputs, unused tensors and outputs a guard can leave absent', async () => {
    const { diagnostics, plan } = await compile(
      `inputs:
  X: { datatype: FP32, shape: [B, 4] }
  SPARE: { datatype: FP32, shape: [1] }
outputs:
  Y: { datatype: FP32, shape: [B, 4] }
steps:
  - name: a
    model: double
    when: "shape(X)[0] > 0"
    inputs: { x: X }
    outputs: { y: Y }
  - name: b
    model: inc
    inputs: { x: X }
    outputs: { y: waste }
`,
      catalog,
    );
    expect(diagnostics.map(d => `${d.severity} ${where(d)} ${d.message}`)).toEqual([
      'warning 3:3 unused input: no step and no output reads it',
      `warning 5:3 output may be absent: it depends on step 'a' and its guard "shape(X)[0] > 0" can skip it; declare it optional or add an early return`,
      "warning 15:19 unused tensor: output 'y' is computed but nothing reads it",
    ]);
    expect(plan.warnings).toHaveLength(3);
  });
});

describe('load-time errors name file, line, column, step and tensor', () => {
  it('reports YAML syntax errors at their position', async () => {
    const f = await failures(
      'inputs:\n  X: { datatype: FP32, shape: [B, 4]\noutputs: {}\n',
      catalog,
    );
    expect(f.items[0]?.message).toMatch(/^YAML syntax:/);
    expect(f.items[0]?.line).toBeGreaterThanOrEqual(2);
  });

  it('reports schema errors, unknown keys at the key', async () => {
    const f = await failures(
      `${HEAD}  - name: a\n    model: double\n    inputs: { x: X }\n    outputs: { y: Y }\n    timeout: 5\n`,
      catalog,
    );
    expect(f.items.map(d => `${where(d)} ${d.step} ${d.message}`)).toEqual([
      "10:5 a unknown key 'timeout' in steps[0]",
    ]);
  });

  it('rejects a step with no target or two', async () => {
    const f = await failures(
      `${HEAD}  - name: a\n    inputs: { x: X }\n  - name: b\n    model: double\n    module: ./m.ts\n`,
      catalog,
    );
    expect(f.items.filter(d => d.step).map(d => `${where(d)} ${d.step}: ${d.message}`)).toEqual([
      '6:5 a: a step runs exactly one of model, module or return: expected one, found none',
      '8:5 b: a step runs exactly one of model, module or return: expected one, found model and module',
    ]);
    expect(f.message).toContain("p.yaml:4:3: error: tensor 'Y': output never produced");
  });

  it('rejects duplicate step names', async () => {
    const f = await failures(
      `${HEAD}  - { name: a, model: double, inputs: { x: X }, outputs: { y: Y } }\n  - { name: a, model: inc, inputs: { x: X }, outputs: { y: Z } }\n`,
      catalog,
    );
    expect(f.items.map(d => `${where(d)} ${d.message}`)).toEqual([
      '7:13 step name is used twice: expected a unique name, found it again after step #1',
    ]);
  });

  it('names unknown and unready models, with code UNAVAILABLE', async () => {
    const f = await failures(
      `${HEAD}  - { name: a, model: nope, inputs: { x: X }, outputs: { y: T } }\n  - { name: b, model: sleepy, inputs: { x: T }, outputs: { y: Y } }\n`,
      catalog,
    );
    expect(f.code).toBe('UNAVAILABLE');
    expect(f.items.map(d => `${where(d)} ${d.step}: ${d.message.split(' (')[0]}`)).toEqual([
      "6:23 a: model 'nope' is not in the repository: expected a loaded model, found none",
      "7:23 b: model 'sleepy' is not ready: expected READY, found UNAVAILABLE",
    ]);
    expect(f.message).toContain("p.yaml:6:23: error: step 'a': model 'nope'");
  });

  it('rejects cycles, naming the steps and tensors around it', async () => {
    const f = await failures(
      `${HEAD}  - { name: a, model: double, inputs: { x: T2 }, outputs: { y: T1 } }\n  - { name: b, model: inc, inputs: { x: T1 }, outputs: { y: T2 } }\n  - { name: c, model: inc, inputs: { x: X }, outputs: { y: Y } }\n`,
      catalog,
    );
    expect(f.items.map(d => `${where(d)} ${d.message}`)).toEqual([
      "6:5 steps form a cycle: expected a DAG, found 'a' -(T1)-> 'b' -(T2)-> 'a'",
    ]);
  });

  it('rejects unmapped required inputs but not optional ones', async () => {
    const f = await failures(
      `${HEAD}  - { name: a, model: double, inputs: {}, outputs: { y: Y } }\n`,
      catalog,
    );
    expect(f.items.map(d => `${where(d)} ${d.message}`)).toEqual([
      "6:31 unmapped required input(s) of model 'double' version 1: expected 'x' to be mapped, found no mapping",
    ]);
    await expect(
      compile(
        `inputs:\n  B: { datatype: FP32, shape: [N, 4] }\noutputs:\n  L: { datatype: INT32, shape: [N, 1] }\nsteps:\n  - { name: c, model: classify, inputs: { box: B }, outputs: { label: L } }\n`,
        catalog,
      ),
    ).resolves.toBeDefined();
  });

  it('rejects reads of unknown tensors and mappings to unknown model tensors', async () => {
    const f = await failures(
      `${HEAD}  - name: a\n    model: double\n    inputs: { x: X, z: Q }\n    outputs: { y: Y, w: W }\n`,
      catalog,
    );
    expect(f.items.map(d => `${where(d)} ${d.tensor}: ${d.message}`)).toEqual([
      "8:21 Q: model 'double' version 1 has no input 'z': expected one of 'x'",
      "8:24 Q: unknown tensor: expected a pipeline input or a step output, found no tensor named 'Q'",
      "9:22 W: model 'double' version 1 has no output 'w': expected one of 'y'",
    ]);
  });

  it('rejects outputs never produced and tensors produced twice', async () => {
    const f = await failures(
      `inputs:\n  X: { datatype: FP32, shape: [B, 4] }\noutputs:\n  Y: { datatype: FP32, shape: [B, 4] }\n  Z: { datatype: FP32, shape: [B, 4] }\nsteps:\n  - { name: a, model: double, inputs: { x: X }, outputs: { y: Y } }\n  - { name: b, model: inc, inputs: { x: X }, outputs: { y: Y } }\n  - { name: c, model: inc, inputs: { x: X }, outputs: { y: X } }\n`,
      catalog,
    );
    expect(f.items.map(d => `${where(d)} ${d.tensor}: ${d.message}`)).toEqual([
      "5:3 Z: output never produced: expected a step output or pipeline input named 'Z', found none",
      "8:60 Y: tensor produced twice: expected one producer, but output 'y' of step 'a' produces it and so does output 'y'",
      "9:60 X: tensor produced twice: expected one producer, but it is a pipeline input and so does output 'y'",
    ]);
  });

  it('rejects datatype mismatches between producer and consumer', async () => {
    const f = await failures(
      `inputs:\n  IMG: { datatype: FP32, shape: [H, W, 3] }\noutputs:\n  B: { datatype: FP32, shape: [N, 4] }\nsteps:\n  - { name: d, model: detect, inputs: { image: IMG }, outputs: { boxes: B } }\n`,
      catalog,
    );
    expect(f.items.map(d => `${where(d)} ${d.step}/${d.tensor}: ${d.message}`)).toEqual([
      "6:48 d/IMG: input 'image' of model 'detect' version 1 expects UINT8, found FP32 (pipeline input 'IMG')",
    ]);
  });

  it('unifies symbolic dims across the graph: B bound by one model conflicts with another', async () => {
    const f = await failures(
      `inputs:\n  X: { datatype: FP32, shape: [B, 3] }\n  Z: { datatype: FP32, shape: [B, 4] }\noutputs:\n  Y: { datatype: FP32, shape: [B, 3] }\nsteps:\n  - { name: a, model: fixed, inputs: { x: X }, outputs: { y: Y } }\n  - name: b\n    model: inc\n    inputs: { x: { from: Z, shape: [3, 4] } }\n    outputs: { y: W }\n`,
      catalog,
    );
    expect(f.items.map(d => `${where(d)} ${d.step}/${d.tensor}: ${d.message}`)).toEqual([
      "10:18 b/Z: the declared shape of input 'x' expects shape [3,4], found [2,4] (pipeline input 'Z'): axis 0: expected 3, found B = 2 (set by model 'fixed' version 1)",
    ]);
  });

  it('checks declared step output types against the model', async () => {
    const f = await failures(
      `inputs:\n  X: { datatype: FP32, shape: [2, 3] }\noutputs:\n  Y: { datatype: FP32, shape: [2, 4] }\nsteps:\n  - name: a\n    model: fixed\n    inputs: { x: X }\n    outputs:\n      y: { tensor: Y, datatype: INT32, shape: [2, 4] }\n`,
      catalog,
    );
    expect(f.items.map(d => `${where(d)} ${d.message}`)).toEqual([
      "10:10 output 'y' of model 'fixed' version 1 is declared INT32: expected INT32, found FP32",
      "10:10 the declared shape of output 'y' expects shape [2,4], found [2,3] (model 'fixed' version 1): axis 1: expected 4, found 3 (set by model 'fixed' version 1)",
    ]);
  });

  it('reports guard syntax and unknown tensors at the column inside the expression', async () => {
    const f = await failures(
      `${HEAD}  - name: a\n    model: double\n    when: "size(X) > 0 && has(NOPE)"\n    inputs: { x: X }\n    outputs: { y: Y }\n  - name: b\n    model: inc\n    when: shape(X) > 1\n    inputs: { x: X }\n    outputs: { y: Z }\n`,
      catalog,
    );
    expect(f.items.map(d => `${where(d)} ${d.step}: ${d.message}`)).toEqual([
      "8:31 a: unknown tensor: expected a pipeline input or a step output, found no tensor named 'NOPE'",
      '13:20 b: guard "shape(X) > 1": shape(T) is a list; index it, e.g. shape(T)[0]',
    ]);
  });

  it('checks map: over must be an input of the step and items must fit the model', async () => {
    const f = await failures(
      `${HEAD}  - name: a\n    model: double\n    map: { over: Q }\n    inputs: { x: X }\n    outputs: { y: Y }\n`,
      catalog,
    );
    expect(f.items.map(d => `${where(d)} ${d.message}`)).toEqual([
      "8:18 map.over must be a tensor this step reads: expected one of 'X', found 'Q'",
    ]);
    const g = await failures(
      `${HEAD}  - name: a\n    model: double\n    map: { over: X, mode: stack }\n    inputs: { x: X }\n    outputs: { y: Y }\n`,
      catalog,
    );
    expect(g.items.map(d => `${where(d)} ${d.message}`)).toContain(
      "9:18 input 'x' of model 'double' version 1 (one map item) expects shape [?,?], found [4] (pipeline input 'X'): expected rank 2, found rank 1",
    );
  });

  it('checks early returns: every required output, typed', async () => {
    const f = await failures(
      `inputs:\n  X: { datatype: FP32, shape: [B, 4] }\noutputs:\n  Y: { datatype: FP32, shape: [B, 4] }\n  N: { datatype: INT32, shape: [1] }\nsteps:\n  - name: empty\n    when: "shape(X)[0] == 0"\n    return:\n      Y: { datatype: FP32, shape: [0, 5], data: [] }\n  - { name: a, model: double, inputs: { x: X }, outputs: { y: Y } }\n`,
      catalog,
    );
    expect(f.items.map(d => `${where(d)} ${d.message}`)).toEqual([
      "5:3 output never produced: expected a step output or pipeline input named 'N', found none",
      "9:5 an early return answers every required output: expected 'N' too, found no value",
      "10:10 return value of output 'Y': expected shape [B,4], found [0,5]: axis 1: expected 4, found 5",
    ]);
  });

  it('checks on_error defaults against the step outputs', async () => {
    const f = await failures(
      `${HEAD}  - name: a\n    model: double\n    inputs: { x: X }\n    outputs: { y: Y }\n    on_error: default\n    default:\n      y: { datatype: FP32, shape: [1, 4], data: [1, 2, 3] }\n`,
      catalog,
    );
    expect(f.items.map(d => `${where(d)} ${d.message}`)).toEqual([
      "12:10 default of output 'y': shape [1,4] holds 4 element(s): expected 4, found 3 in data",
    ]);
    const g = await failures(
      `${HEAD}  - name: a\n    model: double\n    inputs: { x: X }\n    outputs: { y: Y }\n    on_error: default\n`,
      catalog,
    );
    expect(g.items.map(d => `${where(d)} ${d.message}`)).toEqual([
      "10:15 on_error 'default' needs a 'default' value for each output, found none",
    ]);
  });

  it('lists every error at once, sorted by position', async () => {
    const f = await failures(
      `${HEAD}  - { name: a, model: nope, inputs: { x: X }, outputs: { y: T } }\n  - { name: b, model: double, inputs: { x: Q }, outputs: { y: Y } }\n`,
      catalog,
    );
    expect(f.items.map(where)).toEqual(['6:23', '7:44']);
    expect(f.message.split('\n')).toHaveLength(3);
  });
});
