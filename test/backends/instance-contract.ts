/**
 * The ModelInstance contract (engine/core/backend.ts) as one suite that every implementation
 * runs, as hono runs one router suite against each router (src/router/common.case.test.ts):
 *
 *   runInstanceContract('JsModelInstance', { newInstance: async () => ({ instance, inputs, ... }) });
 *
 * Each test gets a fresh instance from `newInstance` and disposes it.
 */
import { describe, expect, it } from 'vitest';
import type { ComputeMark, ModelInstance } from '../../engine/core/backend.js';
import { EngineError } from '../../engine/core/errors.js';
import { elementCount } from '../../engine/core/tensor.js';
import type { Tensor, TensorMap } from '../../engine/core/tensor.js';

/** An instance under test and the inputs that drive it. */
export interface InstanceUnderTest {
  readonly instance: ModelInstance;
  /** Inputs the model runs on; fresh tensors on each call, some of them views into a larger buffer. */
  readonly inputs: () => TensorMap;
  /** Inputs the model refuses as the caller's fault: INVALID_ARG naming the model. */
  readonly invalidInputs: () => TensorMap;
  /** Inputs the model itself fails on: INTERNAL naming the model. */
  readonly failingInputs: () => TensorMap;
  /** How many runs reached the model, where the implementation can tell. */
  readonly executions?: () => number;
}

/** Options of {@link runInstanceContract}. */
export interface InstanceContractOptions {
  readonly newInstance: () => Promise<InstanceUnderTest>;
}

const never = new AbortController().signal;

/** A copy of a tensor map whose arrays share nothing with the original. */
function snapshot(map: TensorMap): TensorMap {
  const copy = (t: Tensor): Tensor =>
    ({
      ...t,
      shape: [...t.shape],
      data: Array.isArray(t.data) ? t.data.map(e => e.slice()) : t.data.slice(),
    }) as Tensor;
  return new Map([...map].map(([name, t]) => [name, copy(t)]));
}

async function rejection(p: Promise<unknown>): Promise<EngineError> {
  const e: unknown = await p.then(
    () => new Error('expected the call to fail'),
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(EngineError);
  return e as EngineError;
}

/**
 * Runs the contract against instances from `newInstance`: results leave the caller's inputs
 * intact, marks come in order, calls are never concurrent, cancellation before execution,
 * classified errors, idempotent dispose and UNAVAILABLE afterwards.
 */
export function runInstanceContract(name: string, opts: InstanceContractOptions): void {
  const withInstance = (title: string, test: (t: InstanceUnderTest) => Promise<void>) =>
    it(title, async () => {
      const t = await opts.newInstance();
      try {
        await test(t);
      } finally {
        await t.instance.dispose();
      }
    });

  describe(`${name} keeps the ModelInstance contract`, () => {
    withInstance(
      'runs, leaving the caller its inputs, and marks input end before output start',
      async t => {
        const inputs = t.inputs();
        const before = snapshot(inputs);
        const marks: ComputeMark[] = [];
        const out = await t.instance.execute(inputs, { signal: never, mark: m => marks.push(m) });
        expect(inputs).toEqual(before);
        expect(out.size).toBeGreaterThan(0);
        for (const tensor of out.values())
          expect(tensor.data.length).toBe(elementCount(tensor.shape));
        expect([[], ['COMPUTE_INPUT_END', 'COMPUTE_OUTPUT_START']]).toContainEqual(marks);
      },
    );

    withInstance(
      'is never called concurrently: a second call in flight is refused, the first completes',
      async t => {
        const first = t.instance.execute(t.inputs(), { signal: never });
        const second = await rejection(t.instance.execute(t.inputs(), { signal: never }));
        expect(second.code).toBe('INTERNAL');
        expect(second.message).toContain('one at a time');
        expect((await first).size).toBeGreaterThan(0);
        expect((await t.instance.execute(t.inputs(), { signal: never })).size).toBeGreaterThan(0);
      },
    );

    withInstance(
      'fails CANCELLED before execution when the signal is already aborted, running nothing',
      async t => {
        const ran = t.executions?.();
        // Inputs the model would fail on: CANCELLED proves the check came first.
        const e = await rejection(
          t.instance.execute(t.failingInputs(), { signal: AbortSignal.abort() }),
        );
        expect(e.code).toBe('CANCELLED');
        expect(t.executions?.()).toBe(ran);
        expect((await t.instance.execute(t.inputs(), { signal: never })).size).toBeGreaterThan(0);
      },
    );

    withInstance(
      "classifies errors: the caller's fault INVALID_ARG, the model's INTERNAL, both naming the model, and keeps serving",
      async t => {
        const invalid = await rejection(t.instance.execute(t.invalidInputs(), { signal: never }));
        expect(invalid.code).toBe('INVALID_ARG');
        expect(invalid.message).toMatch(/model '[^']+'/);
        const failing = await rejection(t.instance.execute(t.failingInputs(), { signal: never }));
        expect(failing.code).toBe('INTERNAL');
        expect(failing.message).toMatch(/model '[^']+'/);
        expect((await t.instance.execute(t.inputs(), { signal: never })).size).toBeGreaterThan(0);
      },
    );

    withInstance('disposes idempotently and is UNAVAILABLE afterwards', async t => {
      await Promise.all([t.instance.dispose(), t.instance.dispose()]);
      await t.instance.dispose();
      const e = await rejection(t.instance.execute(t.inputs(), { signal: never }));
      expect(e.code).toBe('UNAVAILABLE');
    });
  });
}
