/**
 * HTTP infer codecs: JSON and the binary tensor data extension, as Triton speaks them.
 *
 * @module
 */
export { decodeInferBody } from './decode-infer.js';
export { encodeInferResponse } from './encode-infer.js';
export { decodeBytesElements, encodeBytesElements } from '../../core/bytes-elements.js';
export type {
  DecodedInferBody,
  EncodedResponse,
  EncodeOptions,
  InferResponse,
  RawInputResolver,
} from './types.js';
