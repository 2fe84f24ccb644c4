/**
 * @module What a JS/TS model module exports, and what it receives. A model directory holds
 * `<version>/model.ts` (or `model.js`, `.mjs`, `.mts`):
 *
 * ```ts
 * import type { JsExecuteContext, JsModelContext, JsTensor } from 'braid/backends/js/module-api.js';
 * export const inputs = [{ name: 'x', datatype: 'FP32', shape: [-1, 4] }];
 * export const outputs = [{ name: 'y', datatype: 'FP32', shape: [-1, 4] }];
 * export async function initialize(ctx: JsModelContext) {}            // optional
 * export function execute(inputs: Record<string, JsTensor>, ctx: JsExecuteContext) {
 *   const x = inputs.x!;
 *   return { y: { datatype: 'FP32', shape: x.shape, data: (x.data as Float32Array).map(v => v * 2) } };
 * }
 * export async function finalize() {}                                  // optional
 * ```
 *
 * A decoupled model (config `model_transaction_policy: { decoupled: true }`) answers a request
 * with any number of responses: its `execute` is an async generator (or returns an iterable) that
 * yields each response's outputs as they are ready, and returning ends the request (Triton's
 * final flag). It may also return one result, or nothing for no response at all:
 *
 * ```ts
 * export async function* execute(inputs: Record<string, JsTensor>, ctx: JsExecuteContext) {
 *   for (const word of words(inputs)) yield { TOKEN: { datatype: 'BYTES', shape: [1], data: [word] } };
 * }
 * ```
 *
 * `execute` runs in a worker thread, one call at a time per worker, with batches along axis 0
 * when the model batches (first dims -1 and `max_batch_size` > 0). Returned typed arrays are
 * transferred to the server thread, so a module must not keep using arrays it returned.
 */
import type { DataType } from '../../engine/core/datatype.js';
import type { TensorData } from '../../engine/core/tensor.js';

/** A tensor as a module sees it. BYTES data is one Uint8Array per element. */
export interface JsTensor {
  readonly datatype: DataType;
  readonly shape: readonly number[];
  readonly data: TensorData;
}

/**
 * A tensor as a module may return it: besides the typed array of its datatype, `data` may be
 * a plain array of numbers (or bigints / booleans) or, for BYTES, of strings.
 */
export interface JsTensorLike {
  readonly datatype: DataType;
  readonly shape: readonly number[];
  readonly data:
    TensorData | ArrayLike<number | bigint | boolean> | readonly (string | Uint8Array)[];
}

/** Passed to `initialize`. */
export interface JsModelContext {
  readonly name: string;
  readonly version: number;
  readonly modelDir: string;
  readonly versionDir: string;
  /** The config's `parameters`, as plain strings. */
  readonly parameters: Readonly<Record<string, string>>;
  readonly maxBatchSize: number;
  readonly instance: { readonly index: number; readonly count: number };
  /**
   * The absolute path of a file a parameter names, relative to `versionDir`, under the rule every
   * config-named file follows: inside the model directory, no absolute path, no `..` that leaves
   * it. Throws INVALID_ARG otherwise, so a load override cannot point a module at a host file.
   *
   * @example
   * const file = ctx.resolveFile(ctx.parameters['dictionary'] ?? 'keys.txt');
   */
  resolveFile(name: string): string;
}

/** What the server sends a worker to build its {@link JsModelContext} from. */
export type JsModelContextData = Omit<JsModelContext, 'resolveFile'>;

/** Passed to each `execute` call. */
export interface JsExecuteContext {
  /** The outputs the caller needs; a module may compute only these. */
  readonly outputs: readonly string[];
  /**
   * Decoupled models: aborted when the client cancels the request. The generator is returned
   * at its next `yield` anyway; a model that waits between responses can stop waiting on it.
   */
  readonly signal?: AbortSignal;
}

/** The exports of a model module. */
export interface JsModelModule {
  readonly inputs: readonly {
    name: string;
    datatype: DataType;
    shape: readonly number[];
    optional?: boolean;
  }[];
  readonly outputs: readonly { name: string; datatype: DataType; shape: readonly number[] }[];
  initialize?(ctx: JsModelContext): unknown;
  execute(inputs: Record<string, JsTensor>, ctx: JsExecuteContext): unknown;
  finalize?(): unknown;
}
