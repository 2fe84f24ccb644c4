/**
 * @module Stubs: what answers instead of a model or module a pipeline calls while a test runs.
 * Fixed outputs, a JS/TS module (or, from code, a function) with `execute`, a fault that fails
 * the first calls of each request, a delay, or a fault or delay in front of the real model.
 */
import path from 'node:path';
import { ERROR_CODES } from '../../core/errors.js';
import type { ErrorCode } from '../../core/errors.js';
import { EngineError } from '../../core/errors.js';
import type { Tensor, TensorMap } from '../../core/tensor.js';
import { isTensor, loadTensor } from './tensor-source.js';
import type { TensorSource } from './tensor-source.js';

/** What a function stub receives besides its inputs. */
export interface StubContext {
  /** The outputs the caller needs. */
  readonly outputs: readonly string[];
  /** The model or module path it replaces. */
  readonly replaces: string;
}

/** A function answering for a model: outputs as tensors or as written sources. */
export type StubFunction = (
  inputs: TensorMap,
  ctx: StubContext,
) =>
  | TensorMap
  | Record<string, Tensor | TensorSource>
  | Promise<TensorMap | Record<string, Tensor | TensorSource>>;

/**
 * A stub as tests give it: the test-file form (`outputs`, `module`, `error` + `times`,
 * `message`, `delay_ms`), plus `execute` from code.
 */
export interface StubSpec {
  readonly outputs?: Readonly<Record<string, Tensor | TensorSource>>;
  /** A .ts/.js module exporting `execute(inputs, { outputs })`, relative to the test's directory. */
  readonly module?: string;
  readonly execute?: StubFunction;
  readonly error?: ErrorCode;
  /** Calls of each request that fail before the stub answers normally; every call when absent. */
  readonly times?: number;
  readonly message?: string;
  readonly delay_ms?: number;
}

/** Stubs by what they replace: a model name, or a module path as the pipeline writes it. */
export type StubMap = Readonly<Record<string, StubSpec>>;

/** A stub checked and with its files read. */
export interface CompiledStub {
  readonly key: string;
  readonly outputs?: TensorMap;
  /** Absolute path of the replacement module. */
  readonly module?: string;
  readonly execute?: StubFunction;
  readonly error?: { readonly code: ErrorCode; readonly times?: number; readonly message?: string };
  readonly delayMs?: number;
}

/** Module files a stub key can name (anything else is a model name). */
const MODULE_KEY = /\.(c|m)?[jt]s$/;

/** Whether a stub key names a module (a path) rather than a model. */
export function isModuleKey(key: string): boolean {
  return MODULE_KEY.test(key) || key.includes('/') || key.includes('\\');
}

/**
 * Whether a stub answers every call itself, so the real model need not be loaded: fixed
 * outputs, a module or function, or a fault without `times`.
 *
 * @example
 * replacesEntirely({ error: 'UNAVAILABLE', times: 2 }); // false: the third call reaches the model
 */
export function replacesEntirely(s: StubSpec): boolean {
  return (
    s.outputs !== undefined ||
    s.module !== undefined ||
    s.execute !== undefined ||
    (s.error !== undefined && s.times === undefined)
  );
}

/**
 * Checks stubs and reads their files (`outputs` sources, `module` paths) relative to `baseDir`.
 * Throws INVALID_ARG naming the stub and what is wrong.
 *
 * @example
 * const stubs = await compileStubs({ ocr_cls: { error: 'UNAVAILABLE' } }, testDir);
 */
export async function compileStubs(
  stubs: StubMap,
  baseDir: string,
): Promise<Map<string, CompiledStub>> {
  const out = new Map<string, CompiledStub>();
  for (const [key, spec] of Object.entries(stubs))
    out.set(key, await compileStub(key, spec, baseDir));
  return out;
}

async function compileStub(key: string, s: StubSpec, baseDir: string): Promise<CompiledStub> {
  const where = `stub '${key}'`;
  const answers = (['outputs', 'module', 'execute'] as const).filter(k => s[k] !== undefined);
  if (answers.length > 1)
    throw new EngineError(
      'INVALID_ARG',
      `${where}: give one of outputs, module or execute, found ${answers.join(' and ')}`,
    );
  if (s.error !== undefined && !(s.error in ERROR_CODES))
    throw new EngineError(
      'INVALID_ARG',
      `${where}: error must be an error code (${Object.keys(ERROR_CODES).join(', ')}), found '${s.error}'`,
    );
  if (s.error === undefined && (s.times !== undefined || s.message !== undefined))
    throw new EngineError('INVALID_ARG', `${where}: times and message go with error`);
  if (s.times !== undefined && (!Number.isInteger(s.times) || s.times < 1))
    throw new EngineError(
      'INVALID_ARG',
      `${where}: times must be a positive integer, found ${s.times}`,
    );
  if (s.delay_ms !== undefined && !(s.delay_ms >= 0))
    throw new EngineError(
      'INVALID_ARG',
      `${where}: delay_ms must be at least 0, found ${s.delay_ms}`,
    );
  if (answers.length === 0 && s.error === undefined && s.delay_ms === undefined)
    throw new EngineError('INVALID_ARG', `${where}: give outputs, module, error or delay_ms`);
  let outputs: TensorMap | undefined;
  if (s.outputs) {
    outputs = new Map();
    for (const [name, src] of Object.entries(s.outputs))
      outputs.set(
        name,
        isTensor(src) ? src : await loadTensor(src, { baseDir, what: `${where} output '${name}'` }),
      );
  }
  return {
    key,
    ...(outputs ? { outputs } : {}),
    ...(s.module !== undefined ? { module: path.resolve(baseDir, s.module) } : {}),
    ...(s.execute ? { execute: s.execute } : {}),
    ...(s.error !== undefined
      ? {
          error: {
            code: s.error,
            ...(s.times === undefined ? {} : { times: s.times }),
            ...(s.message === undefined ? {} : { message: s.message }),
          },
        }
      : {}),
    ...(s.delay_ms !== undefined ? { delayMs: s.delay_ms } : {}),
  };
}

/**
 * The stubs in force for one request: file stubs overridden by case stubs, keyed by model name
 * or by absolute module path (module keys resolve against the tested pipeline's directory).
 */
export interface ActiveStubs {
  readonly models: ReadonlyMap<string, CompiledStub>;
  readonly modules: ReadonlyMap<string, CompiledStub>;
}

/**
 * Sorts compiled stubs into model and module stubs for a request to a pipeline whose file is in
 * `pipelineDir`.
 *
 * @example
 * activeStubs([fileStubs, caseStubs], '/repo/ocr/1');
 */
export function activeStubs(
  layers: readonly ReadonlyMap<string, CompiledStub>[],
  pipelineDir: string | undefined,
): ActiveStubs {
  const models = new Map<string, CompiledStub>();
  const modules = new Map<string, CompiledStub>();
  for (const layer of layers) {
    for (const [key, stub] of layer) {
      if (!isModuleKey(key)) models.set(key, stub);
      else if (path.isAbsolute(key)) modules.set(path.normalize(key), stub);
      else if (pipelineDir !== undefined) modules.set(path.resolve(pipelineDir, key), stub);
    }
  }
  return { models, modules };
}
