/**
 * @module What a test engine is created with, asked and answers: its options, a request's
 * options and inputs, and the response or failure with the steps the request went through.
 */
import type { EngineError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { ParameterValue } from '../../core/request.js';
import type { Tensor, TensorMap } from '../../core/tensor.js';
import type { LoadTarget } from './load-plan.js';
import type { StepRecord } from './step-records.js';
import type { CompiledStub, StubMap } from './stubs.js';
import { isTensor, loadTensor } from './tensor-source.js';
import type { TensorSource } from './tensor-source.js';

/** Options of `createTestEngine`. */
export interface TestEngineOptions {
  /** The model repository. */
  readonly repository: string;
  /** Stubs in force for every request; each request may add its own over them. */
  readonly stubs?: StubMap;
  /** Directory that stub and input files are relative to (default: the current directory). */
  readonly baseDir?: string;
  /** The models and pipelines to test: only they and what they call are loaded (default: all). */
  readonly models?: readonly string[];
  /**
   * The tested models with the stubs of each of their requests, when known in advance
   * (`braid test` knows every case's): models stubbed in every request are then not loaded.
   * Overrides `models`.
   */
  readonly targets?: readonly LoadTarget[];
  readonly logger?: Logger;
}

/** Options of one request. */
export interface TestInferOptions {
  readonly version?: number;
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
  /** Outputs to ask for; all when absent. */
  readonly outputs?: readonly string[];
  /** Stubs of this request, over the engine's. */
  readonly stubs?: StubMap | ReadonlyMap<string, CompiledStub>;
  /** Directory this request's files are relative to (default: the engine's). */
  readonly baseDir?: string;
}

/** A successful request. */
export interface TestResponse {
  /** The model or pipeline asked. */
  readonly model: string;
  readonly outputs: TensorMap;
  /** Each pipeline step's outcome, nested pipelines' included; empty for a plain model. */
  readonly steps: readonly StepRecord[];
  /** On the engine's clock, stub delays included. */
  readonly durationMs: number;
}

/** A request that may have failed: the error with its HTTP status, and the steps until then. */
export type TestOutcome =
  | ({ readonly ok: true } & TestResponse)
  | {
      readonly ok: false;
      readonly error: EngineError;
      readonly status: number;
      readonly steps: readonly StepRecord[];
      readonly durationMs: number;
    };

/** Inputs by name: tensors, or tensors as test files write them (`data`, `file`). */
export type TestInputs = TensorMap | Readonly<Record<string, Tensor | TensorSource>>;

/**
 * The tensors of `inputs`, reading those written as test files write them relative to `baseDir`.
 *
 * @example
 * const map = await toTensorMap({ IMAGE: { datatype: 'BYTES', shape: [1], file: 'sign.png' } }, 'tests');
 */
export async function toTensorMap(inputs: TestInputs, baseDir: string): Promise<TensorMap> {
  if (inputs instanceof Map) return inputs;
  const out: TensorMap = new Map();
  for (const [name, v] of Object.entries(inputs))
    out.set(name, isTensor(v) ? v : await loadTensor(v, { baseDir, what: `input '${name}'` }));
  return out;
}
