/**
 * @module The ModelInfer handler: decode, run through the engine with the call's cancellation,
 * encode; traced as the HTTP infer route is when the tracer samples the call.
 */
import type { ServerUnaryCall } from '@grpc/grpc-js';
import { CancelSource } from '../../core/cancel.js';
import { EngineError, isEngineError } from '../../core/errors.js';
import { NOOP_SPAN, noopTracer } from '../../core/telemetry.js';
import type { RequestTracer, TraceSpan } from '../../core/telemetry.js';
import type { InferenceEngine } from '../../runtime/types.js';
import { ERROR_STATUS, GRPC_STATUS } from '../errors.js';
import type { GrpcInferRequest } from './infer-codec.js';
import { decodeGrpcInfer, encodeGrpcInfer } from './infer-codec.js';

/**
 * ModelInfer under Triton's root span `InferRequest` when the tracer samples it, with the W3C
 * context of the call's `traceparent`/`tracestate` metadata, as the HTTP route does.
 *
 * @example
 * rpc('ModelInfer', (r, call) => tracedInfer(engine, r, call, tracer));
 */
export async function tracedInfer(
  engine: InferenceEngine,
  msg: GrpcInferRequest,
  call: ServerUnaryCall<GrpcInferRequest, unknown>,
  tracer: RequestTracer,
) {
  if (tracer === noopTracer) return infer(engine, msg, call, NOOP_SPAN);
  const span = tracer.startRequest('InferRequest', {
    model: msg.model_name,
    header: h => {
      const v = call.metadata.get(h)[0];
      return typeof v === 'string' ? v : undefined;
    },
  });
  if (!span.recording) return infer(engine, msg, call, span);
  span.setAttributes({ 'rpc.system': 'grpc', 'rpc.method': 'ModelInfer' });
  try {
    const res = await infer(engine, msg, call, span);
    span.setAttributes({ 'rpc.grpc.status_code': 0 });
    return res;
  } catch (e) {
    span.setAttributes({
      'rpc.grpc.status_code': isEngineError(e) ? GRPC_STATUS[ERROR_STATUS[e.code].grpc] : 2,
    });
    span.fail(e);
    throw e;
  } finally {
    span.end();
  }
}

async function infer(
  engine: InferenceEngine,
  msg: GrpcInferRequest,
  call: ServerUnaryCall<GrpcInferRequest, unknown>,
  span: TraceSpan,
) {
  const decoded = decodeGrpcInfer(msg);
  if (span.recording && decoded.id) span.setAttributes({ 'braid.request_id': decoded.id });
  // The call's 'cancelled' event: the client went away or its deadline passed.
  const cancel = new CancelSource();
  const onCancel = () =>
    cancel.abort(
      new EngineError(
        'CANCELLED',
        `the client cancelled the request to model '${decoded.modelName}'`,
      ),
    );
  call.once('cancelled', onCancel);
  try {
    const request = { ...decoded, signal: cancel };
    const res = await (span.recording
      ? engine.infer(request, { trace: span })
      : engine.infer(request));
    span.event('INFER_RESPONSE_COMPLETE');
    return encodeGrpcInfer(res, decoded.outputs);
  } finally {
    call.off('cancelled', onCancel);
  }
}
