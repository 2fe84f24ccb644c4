/**
 * @module `ModelStreamInfer`, Triton's bidirectional stream (src/grpc/stream_infer_handler.cc):
 * many requests in, their responses out. A decoupled model's responses are written as it sends
 * them, each with `triton_final_response: false`; a request with parameter
 * `triton_enable_empty_final_response: true` then gets an empty response with the flag true once
 * its model is done. Any other model's one response carries `triton_final_response: true`, and
 * those responses leave in the order their requests came. A failed request is one message with
 * `error_message` (and the request's id); the stream goes on. The stream ends, OK, once the
 * client has half-closed and every request has been answered.
 */
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { CancelSource } from '../../core/cancel.js';
import { EngineError, toEngineError } from '../../core/errors.js';
import type { Logger } from '../../core/logger.js';
import type { InferResponse, ParameterValue } from '../../core/request.js';
import type { InferenceEngine } from '../../runtime/types.js';
import { shuttingDown } from '../drain.js';
import type { InFlight } from '../drain.js';
import { clientMessage } from '../errors.js';
import type { GrpcInferRequest, GrpcInferResponse } from './infer-codec.js';
import { decodeGrpcInfer, encodeGrpcInfer, grpcVersion } from './infer-codec.js';

/** Triton's request parameter opting in to an empty final response per decoupled request. */
export const EMPTY_FINAL_PARAMETER = 'triton_enable_empty_final_response';
/** Triton's response parameter telling the last message of a request. */
export const FINAL_PARAMETER = 'triton_final_response';

/** One message of the response stream. */
export interface StreamMessage {
  readonly error_message: string;
  readonly infer_response: Partial<GrpcInferResponse>;
}

/** Options of {@link streamInfer}. */
export interface StreamInferOptions {
  readonly logger: Logger;
  readonly isDraining: () => boolean;
  readonly inFlight: InFlight;
}

type Call = ServerDuplexStream<GrpcInferRequest, StreamMessage>;

/**
 * Serves one ModelStreamInfer call over `engine`.
 *
 * @example
 * const handler = (call: Call) => streamInfer(engine, call, { logger, isDraining, inFlight });
 */
export function streamInfer(engine: InferenceEngine, call: Call, opts: StreamInferOptions): void {
  const ordered = new OrderedWrites(call);
  const cancels = new Set<CancelSource>();
  let open = 0;
  let halfClosed = false;
  let gone = false;
  const finishIfDone = () => {
    if (halfClosed && open === 0 && !gone) call.end();
  };
  call.on('cancelled', () => {
    gone = true;
    for (const c of cancels)
      c.abort(new EngineError('CANCELLED', 'the client cancelled the stream'));
  });
  call.on('error', () => undefined);
  call.on('end', () => {
    halfClosed = true;
    finishIfDone();
  });
  call.on('data', (msg: GrpcInferRequest) => {
    open++;
    const done = opts.inFlight.begin();
    const cancel = new CancelSource();
    cancels.add(cancel);
    const write = (m: StreamMessage) => gone || call.write(m);
    void serveOne(engine, msg, { ...opts, cancel, write, ordered }).finally(() => {
      cancels.delete(cancel);
      done();
      open--;
      finishIfDone();
    });
  });
}

interface OneRequest extends StreamInferOptions {
  readonly cancel: CancelSource;
  readonly write: (m: StreamMessage) => void;
  readonly ordered: OrderedWrites;
}

/** Runs one request of the stream and writes its messages; never rejects. */
async function serveOne(
  engine: InferenceEngine,
  msg: GrpcInferRequest,
  o: OneRequest,
): Promise<void> {
  let decoupled = false;
  let slot: ((m: StreamMessage) => void) | undefined;
  try {
    decoupled = isDecoupled(engine, msg);
  } catch {
    // An unknown model: the request fails below, in its turn among the ordered ones.
  }
  if (!decoupled) slot = o.ordered.reserve();
  const send = slot ?? o.write;
  let decoded: ReturnType<typeof decodeGrpcInfer>;
  let emptyFinal: boolean;
  try {
    if (o.isDraining()) throw shuttingDown();
    ({ decoded, emptyFinal } = readRequest(msg));
  } catch (e) {
    send(failure(e, { id: msg.id }, o.logger));
    return;
  }
  const request = { ...decoded, signal: o.cancel };
  try {
    await engine.stream(request, res => send(message(res, decoded.outputs, !decoupled)));
    if (decoupled && emptyFinal)
      send({
        error_message: '',
        infer_response: { ...echo(msg), parameters: { [FINAL_PARAMETER]: { bool_param: true } } },
      });
  } catch (e) {
    send(
      failure(
        e,
        { ...echo(msg), parameters: { [FINAL_PARAMETER]: { bool_param: true } } },
        o.logger,
      ),
    );
  }
}

function isDecoupled(engine: InferenceEngine, msg: GrpcInferRequest): boolean {
  return engine.modelConfig(msg.model_name, grpcVersion(msg.model_version, msg.model_name))
    .model_transaction_policy.decoupled;
}

/** The decoded request, without Triton's stream parameter (which the model does not see). */
function readRequest(msg: GrpcInferRequest) {
  const decoded = decodeGrpcInfer(msg);
  const params = decoded.parameters;
  if (!params || !(EMPTY_FINAL_PARAMETER in params)) return { decoded, emptyFinal: false };
  const { [EMPTY_FINAL_PARAMETER]: flag, ...rest } = params;
  if (typeof flag !== 'boolean') {
    throw new EngineError(
      'INVALID_ARG',
      `parameter '${EMPTY_FINAL_PARAMETER}' must be a bool, got ${typeof flag}`,
    );
  }
  const parameters: Record<string, ParameterValue> | undefined =
    Object.keys(rest).length > 0 ? rest : undefined;
  return { decoded: { ...decoded, parameters }, emptyFinal: flag };
}

/** What identifies a request in the messages about it: its id, model and version as sent. */
function echo(msg: GrpcInferRequest): Partial<GrpcInferResponse> {
  return { id: msg.id, model_name: msg.model_name, model_version: msg.model_version };
}

function message(
  res: InferResponse,
  outputs: Parameters<typeof encodeGrpcInfer>[1],
  final: boolean,
): StreamMessage {
  const encoded = encodeGrpcInfer(res, outputs);
  encoded.parameters[FINAL_PARAMETER] = { bool_param: final };
  return { error_message: '', infer_response: encoded };
}

function failure(
  e: unknown,
  infer_response: Partial<GrpcInferResponse>,
  logger: Logger,
): StreamMessage {
  const err = toEngineError(e);
  if (err.code === 'INTERNAL')
    logger.log('error', 'gRPC stream request failed', {
      rpc: 'ModelStreamInfer',
      error: err.message,
    });
  return { error_message: clientMessage(err.message), infer_response };
}

/**
 * Writes the messages of requests to models that are not decoupled in the order the requests
 * came, as Triton does, whatever order they finish in.
 */
class OrderedWrites {
  readonly #call: Call;
  readonly #queue: { message?: StreamMessage }[] = [];

  constructor(call: Call) {
    this.#call = call;
  }

  /** A place in line; calling the returned function fills it, and writes whatever is ready. */
  reserve(): (m: StreamMessage) => void {
    const entry: { message?: StreamMessage } = {};
    this.#queue.push(entry);
    return m => {
      entry.message = m;
      this.#flush();
    };
  }

  #flush(): void {
    while (this.#queue[0]?.message) {
      const m = this.#queue.shift()!.message!;
      if (!this.#call.cancelled) this.#call.write(m);
    }
  }
}
