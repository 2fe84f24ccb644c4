/**
 * @module ONNX Runtime's errors as EngineErrors. onnxruntime-node reports failures as plain
 * Errors with ORT's message text and no status code, so the few messages that blame the caller
 * or the model file are recognised by text.
 */
import type { ErrorCode } from '../../engine/core/errors.js';
import { EngineError } from '../../engine/core/errors.js';

// Input checks in ORT's InferenceSession::ValidateInputs and onnxruntime-common's run().
const BAD_INPUT = new RegExp(
  [
    'invalid dimensions',
    'invalid rank',
    'unexpected input data type',
    "missing in 'feeds'",
    'invalid (feed )?input name',
    'invalid_argument',
  ].join('|'),
  'i',
);
// Model file problems seen at session creation.
const BAD_MODEL =
  /protobuf parsing failed|load model|no such file|unsupported data type|invalid_graph|invalid model|opset/i;

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * Wraps an error thrown by `session.run`: INVALID_ARG when ORT rejected the inputs, INTERNAL
 * otherwise. The message names the model.
 *
 * @example
 * catch (e) { throw runError(e, 'simple'); }
 */
export function runError(e: unknown, model: string): EngineError {
  if (e instanceof EngineError) return e;
  const detail = messageOf(e);
  const code = BAD_INPUT.test(detail) ? 'INVALID_ARG' : 'INTERNAL';
  return new EngineError(code, `model '${model}': onnxruntime failed to run: ${detail}`, {
    cause: e,
  });
}

/**
 * Wraps an error thrown while opening a model file: INVALID_ARG when the file is unreadable
 * or not a model ORT can load, INTERNAL otherwise, unless `code` is given. The message names
 * the file.
 *
 * @example
 * catch (e) { throw loadError(e, "model 'simple' version 1", '/models/simple/1/model.onnx'); }
 */
export function loadError(e: unknown, what: string, path: string, code?: ErrorCode): EngineError {
  if (e instanceof EngineError) return e;
  let detail = messageOf(e);
  // onnxruntime-node 1.30 has no JS type for bfloat16 (ONNX element type 16).
  if (/unsupported data type: 16\b/i.test(detail)) {
    detail += ' (bfloat16 inputs and outputs are not supported by onnxruntime-node)';
  }
  const resolved = code ?? (BAD_MODEL.test(detail) ? 'INVALID_ARG' : 'INTERNAL');
  return new EngineError(resolved, `${what}: onnxruntime cannot load '${path}': ${detail}`, {
    cause: e,
  });
}
