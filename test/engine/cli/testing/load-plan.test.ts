import { describe, expect, it } from 'vitest';
import { planLoads } from '../../../../engine/cli/testing/load-plan.js';

const deps: Record<string, string[]> = {
  ocr: ['det', 'cls', 'rec'],
  outer: ['ocr', 'post'],
  det: [],
  cls: [],
  rec: [],
  post: [],
};
const dependencies = (m: string) => Promise.resolve(deps[m] ?? []);
const fixed = { outputs: {} };

describe('the load plan', () => {
  it('loads the tested pipeline and everything it calls', async () => {
    expect(await planLoads([{ model: 'ocr', stubSets: [] }], dependencies)).toEqual({
      load: ['cls', 'det', 'ocr', 'rec'],
      unloaded: [],
    });
  });

  it('leaves out a model that stubs replace in every case, and loads one that a case uses for real', async () => {
    expect(
      await planLoads(
        [{ model: 'ocr', stubSets: [{ det: fixed }, { det: { module: 'x.ts' }, rec: fixed }] }],
        dependencies,
      ),
    ).toEqual({ load: ['cls', 'ocr', 'rec'], unloaded: ['det'] });
  });

  it('loads a model behind a fault with `times` or a delay: calls reach it', async () => {
    const plan = await planLoads(
      [
        {
          model: 'ocr',
          stubSets: [
            {
              det: { error: 'UNAVAILABLE', times: 1 },
              cls: { delay_ms: 5 },
              rec: { error: 'INTERNAL' },
            },
          ],
        },
      ],
      dependencies,
    );
    expect(plan).toEqual({ load: ['cls', 'det', 'ocr'], unloaded: ['rec'] });
  });

  it('does not look inside a nested pipeline that a stub replaces', async () => {
    expect(await planLoads([{ model: 'outer', stubSets: [{ ocr: fixed }] }], dependencies)).toEqual(
      { load: ['outer', 'post'], unloaded: ['ocr'] },
    );
  });
});
