/**
 * @module What the engine shows its frontends (HTTP, gRPC, the CLI): the InferenceEngine
 * contract and the shapes it answers with.
 */
import type { DataType } from '../core/datatype.js';
import type { ModelConfig } from '../core/model-config.js';
import type { InferRequest, InferResponse, ResponseSink } from '../core/request.js';
import type { TraceSpan } from '../core/telemetry.js';
import type { ModelStatistics } from '../scheduling/stats.js';

export type { ModelStatistics };

/** Tensor metadata as the protocol reports it (shape with -1 prepended when batching). */
export interface TensorMetadata {
  readonly name: string;
  readonly datatype: DataType;
  readonly shape: readonly number[];
}

/** Response of GET /v2/models/{m}[/versions/{v}] (reference §1.5). */
export interface ModelMetadata {
  readonly name: string;
  readonly versions: readonly string[];
  readonly platform: string;
  readonly inputs: readonly TensorMetadata[];
  readonly outputs: readonly TensorMetadata[];
}

/** Response of GET /v2 (reference §1.4). */
export interface ServerMetadata {
  readonly name: string;
  readonly version: string;
  readonly extensions: readonly string[];
}

/** Model version states, as Triton names them (model_lifecycle.cc). */
export type ModelState = 'UNKNOWN' | 'READY' | 'UNAVAILABLE' | 'LOADING' | 'UNLOADING';

/** One row of POST /v2/repository/index (reference §1.12). */
export interface RepositoryIndexEntry {
  readonly name: string;
  readonly version?: string;
  readonly state?: ModelState;
  readonly reason?: string;
}

/** Options of {@link InferenceEngine.load}. */
export interface LoadOptions {
  /** A model config as JSON text that replaces the one on disk (`parameters.config`). */
  readonly config?: string;
  /**
   * The model's files (`file:<version>/<name>` parameter → content): the model is loaded from a
   * private directory holding them instead of the repository. Requires `config`.
   */
  readonly files?: ReadonlyMap<string, Uint8Array>;
}

/** Per-call context of {@link InferenceEngine.infer} that is not part of the request itself. */
export interface InferContext {
  /**
   * The span the request's model span opens under: a frontend's root span, or a pipeline
   * step's span. Absent or not recording: the request is not traced.
   */
  readonly trace?: TraceSpan;
  /**
   * Serve the request through the response cache even when the model's config does not enable
   * it (a pipeline step with `cache: true`); needs a cache configured on the server.
   */
  readonly cache?: boolean;
}

/**
 * The engine's front door, used by every frontend (HTTP, gRPC, pipelines, the CLI). All
 * failures are EngineError; lookups throw NOT_FOUND for unknown models or versions.
 */
export interface InferenceEngine {
  /** Validates and runs one request. Safe to call concurrently. */
  infer(req: InferRequest, ctx?: InferContext): Promise<InferResponse>;
  /**
   * Validates and runs one request whose responses go to `sink` as they are sent: 0..n for a
   * decoupled model (model_transaction_policy.decoupled), exactly one for any other. Resolves
   * once the last was sent (Triton's final flag). `infer` refuses decoupled models with
   * UNSUPPORTED; this serves every model.
   */
  stream(req: InferRequest, sink: ResponseSink, ctx?: InferContext): Promise<void>;
  serverMetadata(): ServerMetadata;
  /** The server process is up. */
  isLive(): boolean;
  /** Live, not shutting down, and every model that should be loaded is READY. */
  isReady(): boolean;
  modelMetadata(name: string, version?: number): ModelMetadata;
  /** The completed config of the model version (defaults filled in). */
  modelConfig(name: string, version?: number): ModelConfig;
  /** False for unknown or not-ready models; never throws. */
  isModelReady(name: string, version?: number): boolean;
  /** Statistics of every loaded version, of one model, or of one version. */
  statistics(name?: string, version?: number): ModelStatistics[];
  repositoryIndex(readyOnly: boolean): Promise<RepositoryIndexEntry[]>;
  /** Loads or reloads a model; resolves when its versions are READY, rejects with the reason. */
  load(name: string, opts?: LoadOptions): Promise<void>;
  /** Unloads a model after its in-flight requests finish. */
  unload(name: string): Promise<void>;
  /** Stops accepting requests, drains in-flight ones (up to `graceMs`), disposes instances. Idempotent. */
  shutdown(graceMs?: number): Promise<void>;
}
