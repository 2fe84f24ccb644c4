/**
 * @module `braid/testing`: pipelines and models tested from code (vitest, jest, node:test) with
 * the engine, stubs and checks `braid test` uses.
 *
 * ```ts
 * import { afterAll, beforeAll, it } from 'vitest';
 * import { createTestEngine, expectOutputs, expectSteps, type TestEngine } from 'braid/testing';
 *
 * let t: TestEngine;
 * beforeAll(async () => (t = await createTestEngine({ repository: 'examples/model_repository', models: ['ocr'] })));
 * afterAll(() => t.close());
 *
 * it('reads the sign', async () => {
 *   const res = await t.infer('ocr', { IMAGE: { datatype: 'BYTES', shape: [1], file: 'examples/images/sign.png' } });
 *   await expectOutputs(res, { TEXT: { data: ['Welcome to Braid'], ignore_case: true } });
 *   expectSteps(res, { no_text: 'skipped', recognize: 'ran' });
 * });
 * ```
 */
import type { TensorMap } from '../../core/tensor.js';
import { checkOutputs, checkSteps } from './expect.js';
import type { OutputExpectation, StepExpectation } from './expect.js';
import type { TestResponse } from './test-requests.js';

export { createTestEngine, TestEngine } from './test-engine.js';
export type {
  TestEngineOptions,
  TestInferOptions,
  TestInputs,
  TestOutcome,
  TestResponse,
} from './test-requests.js';
export type { StubContext, StubFunction, StubMap, StubSpec } from './stubs.js';
export type { OutputExpectation, StepExpectation, ErrorExpectation } from './expect.js';
export type { StepOutcome, StepRecord } from './step-records.js';
export type { TensorSource } from './tensor-source.js';
export { loadTensor } from './tensor-source.js';
export { elements } from './values.js';
export type { Element } from './values.js';
export { parseNpy, writeNpy } from './npy.js';

/** Thrown by the `expect*` functions; the message lists every difference, one per line. */
export class TestExpectationError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    super(problems.join('\n'));
    this.name = 'TestExpectationError';
    this.problems = problems;
  }
}

/**
 * Checks outputs as a test file's `expect.outputs` does; throws {@link TestExpectationError}
 * describing every difference (for tensors: shape, first differing indices, largest errors).
 * Files named by expectations are relative to `opts.baseDir` (default: the current directory).
 *
 * @example
 * await expectOutputs(res, { SCORES: { shape: [1], min: 0.5 }, BOXES: { file: 'boxes.npy', atol: 1 } });
 */
export async function expectOutputs(
  res: TestResponse | TensorMap,
  expected: Readonly<Record<string, OutputExpectation>>,
  opts: { readonly baseDir?: string } = {},
): Promise<void> {
  const outputs = res instanceof Map ? res : res.outputs;
  const problems = await checkOutputs(outputs, expected, {
    baseDir: opts.baseDir ?? process.cwd(),
  });
  if (problems.length > 0) throw new TestExpectationError(problems);
}

/**
 * Checks how named steps of the pipeline asked ended, as a test file's `expect.steps` does.
 *
 * @example
 * expectSteps(res, { no_text: 'returned', crop_for_cls: 'not_run' });
 */
export function expectSteps(
  res: TestResponse,
  expected: Readonly<Record<string, StepExpectation>>,
): void {
  const problems = checkSteps(res.steps, res.model, expected);
  if (problems.length > 0) throw new TestExpectationError(problems);
}
