import { describe, expect, it } from 'vitest';
import { emptyGather, gatherItems, sliceItem } from '../../../pipelines/executor/gather.js';
import {
  activeSteps,
  planMachine,
  requestLayout,
} from '../../../pipelines/executor/request-layout.js';
import { compile } from '../compile-helpers.js';
import { FakeCatalog, elementwise, fp32, values } from '../fake-catalog.js';

const catalog = new FakeCatalog([elementwise('m', v => v)]);
// a → b → c ; d independent; r returns early
const TEXT = `inputs:
  X: { datatype: FP32, shape: [1, 1] }
  O: { datatype: FP32, shape: [1, 1], optional: true }
outputs:
  C: { datatype: FP32, shape: [1, 1] }
  D: { datatype: FP32, shape: [1, 1], optional: true }
steps:
  - { name: a, model: m, inputs: { x: X }, outputs: { y: A } }
  - { name: b, model: m, inputs: { x: A }, outputs: { y: B } }
  - { name: c, model: m, inputs: { x: B }, outputs: { y: C } }
  - { name: d, model: m, inputs: { x: O }, outputs: { y: D } }
`;

describe('active steps', () => {
  it('activeSteps keeps only producers of what is needed, transitively', async () => {
    const { plan } = await compile(TEXT, catalog);
    const names = (active: boolean[]) => plan.steps.filter(s => active[s.index]).map(s => s.name);
    expect(names(activeSteps(plan, new Set(['C', 'D'])))).toEqual(['a', 'd', 'b', 'c']);
    expect(names(activeSteps(plan, new Set(['D'])))).toEqual(['d']);
    expect(names(activeSteps(plan, new Set(['B'])))).toEqual(['a', 'b']);
  });
});

describe('request layout', () => {
  it('knows which steps run, what each returns and who reads each tensor', async () => {
    const { plan } = await compile(TEXT, catalog);
    const byName = (n: string) => plan.steps.findIndex(s => s.name === n);
    const machine = planMachine(plan);
    const chain = requestLayout(
      plan,
      machine,
      plan.outputs.filter(o => o.name === 'C'),
      [],
    );
    expect(chain.active.filter(Boolean)).toHaveLength(3);
    expect(chain.readers.get('A')).toBe(1);
    expect(chain.stepRequested[byName('b')]).toEqual([{ name: 'y' }]);
    expect(chain.stepOutputs[byName('d')]).toEqual([]);
    const both = requestLayout(plan, machine, plan.outputs, ['B']);
    expect(both.active.filter(Boolean)).toHaveLength(4);
    expect(both.keep.has('B')).toBe(true);
    expect(both.wanted.at(-1)).toEqual({
      tensor: 'B',
      optional: true,
      region: machine.table.region('tensor:B'),
    });
    expect(chain.prune).toEqual([machine.table.event('d.prune')]);
  });
});

describe('gather', () => {
  it('slices items as views and joins them back', () => {
    const t = fp32([3, 2], [1, 2, 3, 4, 5, 6]);
    const item = sliceItem(t, 1, 'concat');
    expect(item.shape).toEqual([1, 2]);
    expect((item.data as Float32Array).buffer).toBe((t.data as Float32Array).buffer);
    expect(
      values(
        gatherItems(
          [0, 1, 2].map(i => sliceItem(t, i, 'concat')),
          'concat',
          'y',
        ),
      ),
    ).toEqual([1, 2, 3, 4, 5, 6]);
    const stacked = gatherItems(
      [0, 1, 2].map(i => sliceItem(t, i, 'stack')),
      'stack',
      'y',
    );
    expect(stacked.shape).toEqual([3, 2]);
  });

  it('refuses items of different shapes and builds empty results from the plan type', () => {
    expect(() =>
      gatherItems(
        [fp32([1, 2], [1, 2]), fp32([1, 3], [1, 2, 3])],
        'concat',
        "output 'y' of step 's'",
      ),
    ).toThrow(
      "output 'y' of step 's': map items must agree to be gathered: item 0 is FP32[1,2], item 1 is FP32[1,3]",
    );
    expect(
      emptyGather({
        name: 't',
        datatype: 'BYTES',
        shape: [-1, 4, -1],
        dims: ['N', 4, '?'],
        optional: false,
      }),
    ).toEqual({ datatype: 'BYTES', shape: [0, 4, 0], data: [] });
  });
});
