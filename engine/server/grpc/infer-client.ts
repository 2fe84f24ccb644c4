/**
 * @module A small client of `inference.GRPCInferenceService` for load generation (`braid perf
 * --protocol grpc`): the model's metadata, config and statistics as plain objects, and
 * ModelInfer with a request serialized once and sent as bytes, its response read to the end but
 * not decoded, as the HTTP load generator does with its bodies. It speaks to any server of
 * Triton's service, Triton included. One client is one channel (one HTTP/2 connection), on
 * which concurrent calls are multiplexed, as perf_analyzer's gRPC client does by default.
 */
import { Client, credentials, loadPackageDefinition, status } from '@grpc/grpc-js';
import type { ServiceDefinition, ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { EngineError } from '../../core/errors.js';
import { GRPC_PROTO_INCLUDE_DIRS, GRPC_SERVICE_PROTO } from './protos.js';

/** One input of a ModelInferRequest, its bytes in Triton's raw layout (BYTES length-prefixed). */
export interface RawInput {
  readonly name: string;
  readonly datatype: string;
  readonly shape: readonly number[];
  readonly raw: Uint8Array;
}

/** What names a model version in a request: version '' is the server's choice. */
export interface ModelRef {
  readonly model: string;
  readonly version?: string;
}

const SERVICE = '/inference.GRPCInferenceService/';

// Unlike the server's loading, 64-bit integers come back as numbers, so shapes, counts and
// nanoseconds read as they do in the HTTP JSON responses.
let definition: ServiceDefinition | undefined;
function service(): ServiceDefinition {
  if (definition) return definition;
  const pkg = loadSync(GRPC_SERVICE_PROTO, {
    keepCase: true,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
    includeDirs: [...GRPC_PROTO_INCLUDE_DIRS],
  });
  const inference = loadPackageDefinition(pkg)['inference'] as Record<string, unknown>;
  definition = (inference['GRPCInferenceService'] as { service: ServiceDefinition }).service;
  return definition;
}

const identity = (b: Buffer): Buffer => b;

function describe(e: ServiceError): string {
  return `gRPC status ${e.code}: ${e.details || e.message}`;
}

/** A failed call as an EngineError: NOT_FOUND when the server said so, else UNAVAILABLE. */
function failure(method: string, e: ServiceError): EngineError {
  const code = e.code === status.NOT_FOUND ? 'NOT_FOUND' : 'UNAVAILABLE';
  return new EngineError(code, `${method}: ${describe(e)}`);
}

/**
 * A client of one server's inference service.
 *
 * @example
 * const client = new GrpcInferClient('127.0.0.1:8001');
 * const bytes = client.encodeInfer({ model: 'simple' }, inputs);
 * client.inferBytes(bytes, error => console.log(error ?? 'ok'));
 * client.close();
 */
export class GrpcInferClient {
  readonly #client: Client;
  readonly #service = service();

  /** @param address - `host:port` of the server's gRPC endpoint (plaintext) */
  constructor(address: string) {
    this.#client = new Client(address, credentials.createInsecure());
  }

  /** ModelMetadata, as an object with the proto's field names. */
  metadata(ref: ModelRef): Promise<Record<string, unknown>> {
    return this.#call('ModelMetadata', { name: ref.model, version: ref.version ?? '' });
  }

  /** ModelConfig: the `config` field of the response. */
  async config(ref: ModelRef): Promise<Record<string, unknown>> {
    const res = await this.#call('ModelConfig', { name: ref.model, version: ref.version ?? '' });
    return (res['config'] ?? {}) as Record<string, unknown>;
  }

  /** ModelStatistics: `{ model_stats: [...] }`, shaped as the HTTP statistics response. */
  statistics(ref: ModelRef): Promise<Record<string, unknown>> {
    return this.#call('ModelStatistics', { name: ref.model, version: ref.version ?? '' });
  }

  /** A serialized ModelInferRequest asking for every output. */
  encodeInfer(ref: ModelRef, inputs: readonly RawInput[], id = 'perf'): Buffer {
    return this.#service['ModelInfer']!.requestSerialize({
      model_name: ref.model,
      model_version: ref.version ?? '',
      id,
      inputs: inputs.map(i => ({ name: i.name, datatype: i.datatype, shape: [...i.shape] })),
      raw_input_contents: inputs.map(i =>
        Buffer.from(i.raw.buffer, i.raw.byteOffset, i.raw.byteLength),
      ),
    });
  }

  /** Sends a serialized ModelInferRequest; `done` gets undefined on OK, else the status. */
  inferBytes(request: Buffer, done: (error: string | undefined) => void): void {
    this.#client.makeUnaryRequest(`${SERVICE}ModelInfer`, identity, identity, request, e =>
      done(e ? describe(e) : undefined),
    );
  }

  /** Closes the channel; calls in flight fail. */
  close(): void {
    this.#client.close();
  }

  #call(method: string, request: object): Promise<Record<string, unknown>> {
    const m = this.#service[method]!;
    return new Promise((resolve, reject) => {
      this.#client.makeUnaryRequest(
        `${SERVICE}${method}`,
        m.requestSerialize,
        m.responseDeserialize as (b: Buffer) => Record<string, unknown>,
        request,
        (e, res) => (e ? reject(failure(method, e)) : resolve(res ?? {})),
      );
    });
  }
}
