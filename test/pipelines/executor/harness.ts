import type { Clock } from '../../../engine/core/clock.js';
import { EngineError } from '../../../engine/core/errors.js';
import type { CatalogTensor } from '../../../engine/core/model-catalog.js';
import type { InferRequest } from '../../../engine/core/request.js';
import type { TensorMap } from '../../../engine/core/tensor.js';
import type { ExecutionStats } from '../../../engine/core/scheduler.js';
import { PipelineRunner } from '../../../pipelines/executor/pipeline-runner.js';
import { PipelineScheduler } from '../../../pipelines/scheduler.js';
import type { PipelineObserver } from '../../../pipelines/executor/step-stats.js';
import { compile } from '../compile-helpers.js';
import type { FakeCatalog, FakeModel } from '../fake-catalog.js';

/** A call to a {@link manualModel} waiting for the test to answer it. */
export interface PendingCall {
  readonly req: InferRequest;
  readonly inputs: TensorMap;
  answer(outputs: TensorMap): void;
  fail(e: Error): void;
}

/** A model whose calls wait until the test answers them; `calls` lists those not yet answered. */
export function manualModel(
  name: string,
  inputs: CatalogTensor[],
  outputs: CatalogTensor[],
  maxBatchSize = 0,
): FakeModel & { pending: PendingCall[] } {
  const pending: PendingCall[] = [];
  return {
    name,
    maxBatchSize,
    inputs,
    outputs,
    pending,
    run: (ins, req) =>
      new Promise<TensorMap>((resolve, reject) => {
        const call: PendingCall = {
          req,
          inputs: ins,
          answer: out => (pending.splice(pending.indexOf(call), 1), resolve(out)),
          fail: e => (pending.splice(pending.indexOf(call), 1), reject(e)),
        };
        pending.push(call);
        req.signal?.addEventListener('abort', () => {
          if (pending.includes(call))
            call.fail(new EngineError('CANCELLED', `model '${name}': cancelled`));
        });
      }),
  };
}

/** Lets promise callbacks and queued actor events run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>(r => setImmediate(r));
}

/** Compiles a pipeline against `catalog` and returns its runner. */
export async function runnerFor(
  text: string,
  catalog: FakeCatalog,
  opts: { clock?: Clock; observer?: PipelineObserver } = {},
): Promise<PipelineRunner> {
  const { plan } = await compile(text, catalog);
  return new PipelineRunner({ plan, catalog, ...opts });
}

/** Executions a scheduler recorded, by kind. */
export class CountingStats implements ExecutionStats {
  queuedCount = 0;
  executions = 0;
  inferences = 0;
  queued(): void {
    this.queuedCount++;
  }
  execution(batchSize: number): void {
    this.executions++;
    this.inferences += batchSize;
  }
  ranWhole(batchSize: number): void {
    this.executions++;
    this.inferences += batchSize;
  }
}

/** The scheduler of pipeline version 1 over `runner`, without module steps. */
export function schedulerOver(
  runner: PipelineRunner,
  stats: ExecutionStats = new CountingStats(),
): PipelineScheduler {
  return new PipelineScheduler({ runner, pools: [], stats, version: 1 });
}

/** What a promise settled with, without awaiting it forever. */
export function track<T>(p: Promise<T>): { value?: T; error?: EngineError; done: boolean } {
  const state: { value?: T; error?: EngineError; done: boolean } = { done: false };
  p.then(
    v => Object.assign(state, { value: v, done: true }),
    (e: unknown) => Object.assign(state, { error: e as EngineError, done: true }),
  );
  return state;
}
