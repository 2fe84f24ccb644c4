/**
 * @module The ModelCatalog port: what a pipeline step needs from the engine. Pipelines read step
 * signatures through it at load and call models through it at run time, exactly as a client
 * would, so a model used by pipelines and by clients shares one queue, batcher and statistics.
 */
import type { DataType } from './datatype.js';
import type { InferRequest, InferResponse, ResponseSink } from './request.js';
import type { TraceSpan } from './telemetry.js';

/** A tensor of a catalog model, shaped as model metadata reports it. */
export interface CatalogTensor {
  readonly name: string;
  readonly datatype: DataType;
  /** Full shape as clients send it: -1 first when the model batches, -1 for variable sizes. */
  readonly shape: readonly number[];
  /** The model runs without this input (config `optional`). Absent means required. */
  readonly optional?: boolean;
}

/** A ready model version as a pipeline sees it. */
export interface CatalogModel {
  readonly name: string;
  /** The version that answered (the highest ready one when none was asked for). */
  readonly version: number;
  readonly platform: string;
  /** 0 when the model does not batch; axis 0 is then not a batch dimension. */
  readonly maxBatchSize: number;
  readonly inputs: readonly CatalogTensor[];
  readonly outputs: readonly CatalogTensor[];
  /** It sends any number of responses per request (model_transaction_policy.decoupled). */
  readonly decoupled?: boolean;
}

/** Per-call context of {@link ModelCatalog.infer}; the same shape as the engine's InferContext. */
export interface CatalogCallContext {
  /** The span the model's request span opens under (the pipeline step's span). */
  readonly trace?: TraceSpan;
  /**
   * Serve the call from the model's response cache even when its config does not enable it (a
   * pipeline step with `cache: true`). Without a cache on the server it runs uncached.
   */
  readonly cache?: boolean;
}

/**
 * The models a pipeline may call. The engine implements it over its registry; tests use an
 * in-memory one.
 */
export interface ModelCatalog {
  /**
   * Signature of a ready model version. Rejects with EngineError NOT_FOUND for an unknown model
   * or version and UNAVAILABLE for one that is not ready.
   */
  metadata(name: string, version?: number): Promise<CatalogModel>;
  /**
   * Runs one request through the model's scheduler, as `POST /v2/models/{m}/infer` does. Safe
   * to call concurrently. The caller keeps ownership of the inputs; outputs belong to it.
   * Rejects with the model's EngineError; CANCELLED when `req.signal` aborts first.
   */
  infer(req: InferRequest, ctx?: CatalogCallContext): Promise<InferResponse>;
  /**
   * Runs one request whose responses go to `sink` as they are sent: 0..n for a decoupled model
   * (whose `infer` is refused), exactly one for any other; resolves once the last was sent.
   * Rejects as `infer`. Absent in catalogs that serve no decoupled models.
   */
  stream?(req: InferRequest, sink: ResponseSink, ctx?: CatalogCallContext): Promise<void>;
}
