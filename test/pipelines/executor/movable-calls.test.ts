// Step inputs that nothing else reads reach the model as movable (moved into its worker, not
// copied); pipeline inputs, tensors read twice, and every input of a braid_debug request never do.
import { describe, expect, it } from 'vitest';
import { FakeCatalog, elementwise, fp32, values } from '../fake-catalog.js';
import { runnerFor } from './harness.js';

const text = `inputs: { X: { datatype: FP32, shape: [1, 2] } }
outputs:
  Y: { datatype: FP32, shape: [1, 2] }
  Z: { datatype: FP32, shape: [1, 2] }
steps:
  - { name: a, model: double, inputs: { x: X }, outputs: { y: T } }
  - { name: b, model: inc, inputs: { x: T }, outputs: { y: U } }
  - { name: c, model: neg, inputs: { x: U }, outputs: { y: Y } }
  - { name: d, model: half, inputs: { x: U }, outputs: { y: Z } }
`;

async function make() {
  const catalog = new FakeCatalog([
    elementwise('double', v => v * 2),
    elementwise('inc', v => v + 1),
    elementwise('neg', v => -v),
    elementwise('half', v => v / 2),
  ]);
  return { catalog, runner: await runnerFor(text, catalog) };
}

describe('movable step inputs', () => {
  it('marks an input only its one step reads, and nothing else', async () => {
    const { catalog, runner } = await make();
    const r = await runner.run({ inputs: new Map([['X', fp32([1, 2], [1, 2])]]) });
    expect(values(r.outputs.get('Y'))).toEqual([-3, -5]);
    expect(catalog.callsTo('double')[0]!.movableInputs).toBeUndefined(); // the client's tensor
    expect([...(catalog.callsTo('inc')[0]!.movableInputs ?? [])]).toEqual(['x']); // T: read once
    expect(catalog.callsTo('neg')[0]!.movableInputs).toBeUndefined(); // U: read by c and d
    expect(catalog.callsTo('half')[0]!.movableInputs).toBeUndefined();
  });

  it('moves nothing for a request that captures intermediate tensors', async () => {
    const { catalog, runner } = await make();
    await runner.run({
      inputs: new Map([['X', fp32([1, 2], [1, 2])]]),
      parameters: { braid_debug: true },
    });
    expect(catalog.callsTo('inc')[0]!.movableInputs).toBeUndefined();
  });
});
