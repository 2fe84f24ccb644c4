// issue #15 section 3: `cache: true` on a pipeline step: checked at compile time, and the calls
// of cached steps reach the catalog asking for the model's response cache.
import { describe, expect, it } from 'vitest';
import { cachedStepCatalog } from '../../pipelines/cached-steps.js';
import { compile, failures, where } from './compile-helpers.js';
import { FakeCatalog, elementwise, fp32 } from './fake-catalog.js';

const catalog = new FakeCatalog([
  elementwise('double', v => v * 2),
  elementwise('inc', v => v + 1),
]);
const HEAD = `inputs:
  X: { datatype: FP32, shape: [B, 4] }
outputs:
  Y: { datatype: FP32, shape: [B, 4] }
steps:
`;

describe('cache on a step', () => {
  it('compiles onto the model step of the plan', async () => {
    const { plan } = await compile(
      `${HEAD}  - { name: a, model: double, cache: true, inputs: { x: X }, outputs: { y: T } }\n  - { name: b, model: inc, inputs: { x: T }, outputs: { y: Y } }\n`,
      catalog,
    );
    expect(plan.steps.map(s => [s.name, s.cache ?? false])).toEqual([
      ['a', true],
      ['b', false],
    ]);
  });

  it('is refused on a step that calls no model, naming the step kind', async () => {
    const f = await failures(
      `${HEAD}  - name: r\n    cache: true\n    return: { Y: X }\n`,
      catalog,
    );
    expect(f.items.map(d => `${where(d)} ${d.message}`)).toContain(
      "7:5 'cache' applies to model steps (the response cache keeps model responses), found it on a return step",
    );
  });

  it('must agree between steps calling one model, since cached calls are chosen per model', async () => {
    const text = `${HEAD}  - { name: a, model: double, cache: true, inputs: { x: X }, outputs: { y: T } }\n  - { name: b, model: double, inputs: { x: T }, outputs: { y: Y } }\n`;
    const f = await failures(text, catalog);
    expect(f.items.map(d => `${d.step}: ${d.message}`)).toEqual([
      "b: steps calling model 'double' must agree on cache: expected cache: true as step 'a' has, found false",
    ]);
  });
});

describe('cachedStepCatalog', () => {
  it("asks for the cache on calls to cached steps' models only, keeping the trace context", async () => {
    const { plan } = await compile(
      `${HEAD}  - { name: a, model: double, cache: true, inputs: { x: X }, outputs: { y: T } }\n  - { name: b, model: inc, inputs: { x: T }, outputs: { y: Y } }\n`,
      catalog,
    );
    const fake = new FakeCatalog([
      elementwise('double', v => v * 2),
      elementwise('inc', v => v + 1),
    ]);
    const wrapped = cachedStepCatalog(fake, plan);
    const inputs = new Map([['x', fp32([1, 4], [1, 2, 3, 4])]]);
    await wrapped.infer({ modelName: 'double', inputs });
    await wrapped.infer({ modelName: 'inc', inputs });
    expect(fake.contexts.map(c => c?.cache)).toEqual([true, undefined]);
  });

  it('is the catalog itself when no step is cached', async () => {
    const { plan } = await compile(
      `${HEAD}  - { name: b, model: inc, inputs: { x: X }, outputs: { y: Y } }\n`,
      catalog,
    );
    expect(cachedStepCatalog(catalog, plan)).toBe(catalog);
  });
});
