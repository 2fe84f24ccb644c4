/**
 * @module
 * `POST /v2/models/{m}[/versions/{v}]/infer`: bytes in, codec, engine, codec, bytes out
 * (reference §1.6–§1.8). Nothing here looks inside tensors; the codecs do.
 */
import { quote } from '../../core/client-value.js';
import { EngineError, isEngineError } from '../../core/errors.js';
import type { InferRequest } from '../../core/request.js';
import { NOOP_SPAN, noopTracer } from '../../core/telemetry.js';
import type { RequestTracer, TraceSpan } from '../../core/telemetry.js';
import type { InferenceEngine } from '../../runtime/types.js';
import { decodeContentEncoding, readBody } from '../body.js';
import { clientSignal } from '../client-signal.js';
import { decodeInferBody, encodeInferResponse } from '../codec/index.js';
import type { EncodedResponse } from '../codec/types.js';
import { compressBody, MIN_COMPRESS_BYTES, negotiateEncoding } from '../compression.js';
import { httpStatusOf } from '../errors.js';
import { modelPaths, modelTarget, route } from '../routing.js';
import type { BraidApp, ServerContext } from '../routing.js';

/** Header carrying the byte length of the JSON part of a binary-extension body (§1.8). */
export const HEADER_LENGTH_HEADER = 'Inference-Header-Content-Length';

const DIGITS = /^[0-9]+$/;

/**
 * Registers the infer endpoint. The body is read once as bytes under `maxInputSize` (checked
 * on the wire and again after decompression), decoded by the codec, run by the engine with the
 * client connection's abort signal, and encoded back, compressed when the client accepts it.
 * A request the tracer samples gets Triton's root span `InferRequest` (HTTP events, route,
 * status, request id), under which the engine opens the model span.
 *
 * @example
 * registerInferRoutes(app, engine, 1 << 26, tracer);
 */
export function registerInferRoutes(
  app: BraidApp,
  engine: InferenceEngine,
  maxInputSize: number,
  tracer: RequestTracer = noopTracer,
): void {
  route(app, modelPaths('/infer'), { POST: c => tracedInfer(c, engine, maxInputSize, tracer) });
}

async function tracedInfer(
  c: ServerContext,
  engine: InferenceEngine,
  maxInputSize: number,
  tracer: RequestTracer,
): Promise<Response> {
  const { name, version } = modelTarget(c);
  if (tracer === noopTracer) return handleInfer(c, engine, maxInputSize, name, version, NOOP_SPAN);
  const span = tracer.startRequest('InferRequest', { model: name, header: h => c.req.header(h) });
  if (!span.recording) return handleInfer(c, engine, maxInputSize, name, version, span);
  span.setAttributes({
    'http.request.method': c.req.method,
    'http.route': c.req.routePath,
    'url.path': c.req.path,
  });
  span.event('HTTP_RECV_START');
  try {
    const res = await handleInfer(c, engine, maxInputSize, name, version, span);
    span.setAttributes({ 'http.response.status_code': res.status });
    return res;
  } catch (e) {
    span.setAttributes({
      'http.response.status_code': isEngineError(e) ? httpStatusOf(e.code) : 500,
    });
    span.fail(e);
    throw e;
  } finally {
    span.end();
  }
}

async function handleInfer(
  c: ServerContext,
  engine: InferenceEngine,
  maxInputSize: number,
  name: string,
  version: number | undefined,
  span: TraceSpan,
): Promise<Response> {
  const what = `the infer request for model ${quote(name)}`;
  let body = await readBody(c, maxInputSize);
  const encoding = c.req.header('content-encoding');
  if (encoding !== undefined)
    body = await decodeContentEncoding(body, encoding, maxInputSize, what);
  const headerLength = parseHeaderLength(c.req.header(HEADER_LENGTH_HEADER), name);
  span.event('HTTP_RECV_END');
  const decoded = decodeInferBody(
    body,
    headerLength,
    () => engine.modelMetadata(name, version).inputs,
  );
  if (span.recording && decoded.id) span.setAttributes({ 'braid.request_id': decoded.id });
  const request: InferRequest = {
    id: decoded.id,
    modelName: name,
    modelVersion: version,
    inputs: decoded.inputs,
    outputs: decoded.outputs,
    parameters: decoded.parameters,
    signal: clientSignal(c),
  };
  const response = await (span.recording
    ? engine.infer(request, { trace: span })
    : engine.infer(request));
  span.event('INFER_RESPONSE_COMPLETE');
  span.event('HTTP_SEND_START');
  const encoded = encodeInferResponse(response, {
    requested: decoded.outputs,
    binaryDefault: decoded.parameters?.['binary_data_output'] === true,
    allBinary: decoded.raw,
  });
  return send(encoded, c.req.header('accept-encoding'));
}

/**
 * Parses `Inference-Header-Content-Length`: absent means the whole body is JSON; otherwise it
 * must be a non-negative integer (the codec checks it against the body length).
 */
export function parseHeaderLength(raw: string | undefined, model: string): number | undefined {
  if (raw === undefined) return undefined;
  const value = raw.trim();
  const n = Number(value);
  if (!DIGITS.test(value) || !Number.isSafeInteger(n)) {
    throw new EngineError(
      'INVALID_ARG',
      `${HEADER_LENGTH_HEADER} of the infer request for model ${quote(model)} must be a non-negative integer, got ${quote(raw)}`,
    );
  }
  return n;
}

async function send(
  encoded: EncodedResponse,
  acceptEncoding: string | undefined,
): Promise<Response> {
  const headers: Record<string, string> = { 'Content-Type': encoded.contentType };
  if (encoded.headerLength !== undefined)
    headers[HEADER_LENGTH_HEADER] = String(encoded.headerLength);
  let body: Uint8Array = encoded.body;
  const encoding =
    body.byteLength >= MIN_COMPRESS_BYTES ? negotiateEncoding(acceptEncoding) : undefined;
  if (encoding !== undefined) {
    // The header length keeps describing the uncompressed body, as Triton sends it.
    body = await compressBody(body, encoding);
    headers['Content-Encoding'] = encoding;
  }
  return new Response(body, { status: 200, headers });
}
