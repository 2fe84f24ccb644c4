/**
 * @module The shapes the HTTP codecs share: a decoded infer request body and how to encode a
 * response.
 */
import type { ParameterValue, RequestedOutput, InferResponse } from '../../core/request.js';
import type { TensorMap } from '../../core/tensor.js';
import type { TensorMetadata } from '../../runtime/types.js';

/** The parts of an infer request body, decoded from JSON or the binary tensor extension. */
export interface DecodedInferBody {
  readonly id?: string;
  readonly inputs: TensorMap;
  readonly outputs?: readonly RequestedOutput[];
  readonly parameters?: Readonly<Record<string, ParameterValue>>;
  /** True for a raw binary request (Inference-Header-Content-Length: 0): all outputs go binary. */
  readonly raw: boolean;
}

/**
 * Supplies the model's inputs for a raw binary request, which carries no JSON header.
 * Called only for raw requests.
 */
export type RawInputResolver = () => readonly TensorMetadata[];

/** How to encode a response. */
export interface EncodeOptions {
  /** The outputs the client requested, with their `binary_data` / `classification` parameters. */
  readonly requested?: readonly RequestedOutput[];
  /** Request-level `binary_data_output`. */
  readonly binaryDefault: boolean;
  /** Every output binary (raw requests). */
  readonly allBinary: boolean;
}

/** An encoded response body and the headers that describe it. */
export interface EncodedResponse {
  readonly body: Uint8Array;
  /** `application/json`, or `application/octet-stream` when any output is binary. */
  readonly contentType: string;
  /** Byte length of the JSON header; set only when the body carries binary outputs. */
  readonly headerLength?: number;
}

export type { InferResponse };
