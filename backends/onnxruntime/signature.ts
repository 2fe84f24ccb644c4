/**
 * @module The signature of an open ONNX Runtime session (names, datatypes, shapes), what
 * auto-complete fills a model config from.
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { ModelSignature, TensorSignature } from '../../engine/core/backend.js';
import { EngineError } from '../../engine/core/errors.js';
import { fromOrtType } from './tensor-convert.js';

type ValueMetadata = InferenceSession.ValueMetadata;

function toTensorSignature(
  kind: 'input' | 'output',
  model: string,
  m: ValueMetadata,
): TensorSignature {
  if (!m.isTensor) {
    throw new EngineError(
      'UNSUPPORTED',
      `${kind} '${m.name}' of model '${model}' is not a tensor (a sequence or map); ` +
        'the onnxruntime backend serves tensors only',
    );
  }
  const datatype = fromOrtType(m.type);
  if (datatype === undefined) {
    throw new EngineError(
      'UNSUPPORTED',
      `${kind} '${m.name}' of model '${model}' has element type '${m.type}', ` +
        'which the protocol cannot carry',
    );
  }
  // Symbolic dimensions ('batch', or '' for an unnamed dynamic one) are dynamic: -1.
  const shape = m.shape.map(d => (typeof d === 'number' ? d : -1));
  return { name: m.name, datatype, shape };
}

/**
 * The signature of an open session: names, protocol datatypes and full shapes (-1 for
 * dynamic dimensions). A model whose shapes ORT cannot tell reports `[]`.
 *
 * @example
 * signatureOf('simple', session);
 * // { inputs: [{ name: 'INPUT0', datatype: 'FP32', shape: [-1, 16] }, ...], outputs: [...] }
 */
export function signatureOf(
  model: string,
  session: Pick<InferenceSession, 'inputMetadata' | 'outputMetadata'>,
): ModelSignature {
  return {
    inputs: session.inputMetadata.map(m => toTensorSignature('input', model, m)),
    outputs: session.outputMetadata.map(m => toTensorSignature('output', model, m)),
  };
}
