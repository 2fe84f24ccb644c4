/*
 * The `braid/testing` example of README.md ("Testing pipelines"), as written there but importing
 * the entry point from source (paths are relative to the project root, where vitest runs): the
 * test engine over the example repository and its real OCR models, with a stub for one case.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  createTestEngine,
  expectOutputs,
  expectSteps,
  type TestEngine,
} from '../../engine/cli/testing/index.js';

let t: TestEngine;
beforeAll(async () => {
  t = await createTestEngine({ repository: 'examples/model_repository', models: ['ocr'] });
}, 120_000);
afterAll(() => t?.close());

it('reads the sign', async () => {
  const res = await t.infer('ocr', {
    IMAGE: { datatype: 'BYTES', shape: [1], file: 'examples/images/sign.png' },
  });
  await expectOutputs(res, {
    TEXT: { data: ['Welcome to Braid'] },
    SCORES: { shape: [1], min: 0.5 },
  });
  expectSteps(res, { no_text: 'skipped', recognize: 'ran' });
});

it('fails the request when the orientation classifier is down', async () => {
  const stubs = { ocr_cls: { error: 'UNAVAILABLE' as const } };
  await expect(
    t.infer(
      'ocr',
      { IMAGE: { datatype: 'BYTES', shape: [1], file: 'examples/images/sign.png' } },
      { stubs },
    ),
  ).rejects.toThrow("step 'orient'");
});
