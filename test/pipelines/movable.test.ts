// issue #17: tensors move into a step's worker only when nothing else will read them
import { describe, expect, it } from 'vitest';
import { movableInputs } from '../../pipelines/movable.js';
import { compile } from './compile-helpers.js';
import { FakeCatalog, elementwise } from './fake-catalog.js';

const catalog = new FakeCatalog([
  elementwise('double', v => v * 2),
  elementwise('inc', v => v + 1, { maxBatchSize: 8 }),
]);

const HEAD = `inputs:
  X: { datatype: FP32, shape: [B, 4] }
outputs:
  Y: { datatype: FP32, shape: [B, 4] }
steps:
`;

async function movable(steps: string): Promise<Record<string, string[]>> {
  const { plan } = await compile(HEAD + steps, catalog);
  const byStep = movableInputs(plan);
  return Object.fromEntries(
    plan.steps.filter(s => byStep.has(s.index)).map(s => [s.name, [...byStep.get(s.index)!]]),
  );
}

describe('movableInputs', () => {
  it('moves a tensor its producer hands to a single reader, never a pipeline input or output', async () => {
    const got = await movable(`  - { name: a, model: double, inputs: { x: X }, outputs: { y: A } }
  - { name: b, model: double, inputs: { x: A }, outputs: { y: Y } }
`);
    expect(got).toEqual({ b: ['x'] });
  });

  it('moves nothing that two steps read', async () => {
    const got = await movable(`  - { name: a, model: double, inputs: { x: X }, outputs: { y: A } }
  - { name: b, model: double, inputs: { x: A }, outputs: { y: B } }
  - { name: c, model: double, inputs: { x: A }, outputs: { y: C } }
  - { name: d, model: double, inputs: { x: B }, outputs: { y: Y } }
`);
    expect(got).toEqual({ d: ['x'] });
  });

  it("moves nothing a later step's guard reads, a step retries, or a step maps over", async () => {
    const got = await movable(`  - { name: a, model: double, inputs: { x: X }, outputs: { y: A } }
  - { name: b, model: double, inputs: { x: A }, outputs: { y: B } }
  - { name: c, model: double, when: "shape(A)[0] > 0", inputs: { x: X }, outputs: { y: C } }
  - name: d
    model: double
    retry: { attempts: 2, on: [UNAVAILABLE] }
    inputs: { x: B }
    outputs: { y: D }
  - { name: e, model: inc, map: { over: D }, inputs: { x: D }, outputs: { y: Y } }
`);
    expect(got).toEqual({});
  });
});
