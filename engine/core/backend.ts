/**
 * @module The backend contracts: how the engine learns what a model file declares and gets
 * something to run it. A {@link Backend} makes model instances, which the engine's queue
 * scheduler feeds; a {@link SchedulerBackend} makes a version's whole {@link Scheduler}, for
 * models made of other models (pipelines, Triton's ensembles).
 */
import type { CancelSignal } from './cancel.js';
import type { DataType } from './datatype.js';
import type { ModelConfig } from './model-config.js';
import type { ExecutionStats, Scheduler } from './scheduler.js';
import type { TraceSpan } from './telemetry.js';
import type { TensorMap } from './tensor.js';

/** Where one version of a model lives on disk. */
export interface ModelFiles {
  readonly modelName: string;
  readonly version: number;
  /** `<repo>/<model>` */
  readonly modelDir: string;
  /** `<repo>/<model>/<version>` */
  readonly versionDir: string;
  /** The model file or directory, `<versionDir>/<default_model_filename>`. */
  readonly modelPath: string;
}

/** A tensor as the model file declares it. `shape` is the full shape; -1 marks a dynamic dimension. */
export interface TensorSignature {
  readonly name: string;
  readonly datatype: DataType;
  readonly shape: readonly number[];
  /** The model runs without this input (pipelines' optional inputs). Absent means required. */
  readonly optional?: boolean;
}

/** What auto-complete needs to know of a model file. */
export interface ModelSignature {
  readonly inputs: readonly TensorSignature[];
  readonly outputs: readonly TensorSignature[];
  /**
   * The model sends any number of responses per request (a pipeline whose last step calls a
   * decoupled model): auto-complete sets model_transaction_policy.decoupled.
   */
  readonly decoupled?: boolean;
}

/** Where a model's config was read from, so a backend's load errors can point into it. */
export interface ConfigSource {
  /** The config file as messages name it. */
  readonly file: string;
  /**
   * The 1-based position of a path into the config (`['input', 0, 'dims']`), whatever the file's
   * format; `key` asks for the last segment's key rather than its value. A path past what the
   * file holds resolves to the deepest part that exists.
   */
  readonly locate: (
    path: readonly PropertyKey[],
    opts?: { readonly key?: boolean },
  ) => { readonly line: number; readonly col: number } | undefined;
}

/**
 * What a backend may read besides the model's files: the config, for models that the config
 * itself declares (Triton's ensembles), and where it came from.
 */
export interface ModelContext {
  readonly config: ModelConfig;
  /** Absent when the config came from no file (auto-complete, a load request's override). */
  readonly source?: ConfigSource;
}

/** Options of {@link Backend.createInstance}. */
export interface InstanceOptions {
  /** Aborted when the load is cancelled (for example the model is unloaded while loading). */
  readonly signal: AbortSignal;
  /** 0-based index of this instance among all instances of the model version. */
  readonly index: number;
  /** Total instances of the model version, so backends can divide CPU threads between them. */
  readonly instanceCount: number;
  /** Placement chosen from the instance group: CPU, or a GPU with its device id. */
  readonly device:
    | { readonly kind: 'CPU' }
    | { readonly kind: 'GPU'; readonly id: number }
    | { readonly kind: 'AUTO'; readonly id: number };
  /** Where the config came from, for load errors that point into it (see {@link ModelContext}). */
  readonly source?: ConfigSource;
}

/** A point inside an execution, reported so statistics and traces can split compute time. */
export type ComputeMark = 'COMPUTE_INPUT_END' | 'COMPUTE_OUTPUT_START';

/** Options of {@link ModelInstance.execute}. */
export interface ExecuteOptions {
  /** Aborted when every request in the batch has been cancelled. */
  readonly signal: CancelSignal;
  /** Names of the outputs to compute; all outputs when absent. */
  readonly outputs?: readonly string[];
  /**
   * Called when input preparation ends and when output extraction starts, so the caller can
   * record compute_input / compute_infer / compute_output. Backends that cannot tell call neither.
   */
  readonly mark?: (point: ComputeMark) => void;
  /**
   * The batch's compute span when the request is traced: backends may add child spans or pass
   * its `traceparent` on (JS models). Absent when not traced.
   */
  readonly trace?: TraceSpan;
  /**
   * Inputs whose buffers the instance may take: the caller will not read them again, so a
   * backend that runs in another thread moves (transfers) them rather than copying. Absent or
   * not listed: the input stays the caller's, untouched.
   */
  readonly movable?: ReadonlySet<string>;
}

/**
 * One executable copy of a model version (an ONNX Runtime session, a JS worker, ...).
 * Instances of one version run concurrently; one instance is never called concurrently.
 */
export interface ModelInstance {
  /**
   * Runs the model. Inputs carry the batch dimension as axis 0 when max_batch_size > 0. The
   * caller keeps ownership of the inputs, except those named in `opts.movable`; the returned
   * tensors belong to the caller.
   * Errors are thrown as EngineError (INVALID_ARG for bad inputs, INTERNAL for backend failures).
   */
  execute(inputs: TensorMap, opts: ExecuteOptions): Promise<TensorMap>;
  /**
   * Runs a decoupled model (model_transaction_policy.decoupled) on one request: `send` gets the
   * outputs of each response as the model produces it, in order, 0..n times; resolves once the
   * model sent its last. When `opts.signal` aborts the model is asked to stop (a JS generator is
   * returned). Errors as {@link execute}. Absent: the backend serves no decoupled models.
   */
  executeDecoupled?(
    inputs: TensorMap,
    opts: ExecuteOptions,
    send: (outputs: TensorMap) => void,
  ): Promise<void>;
  /** Releases the instance. Idempotent. */
  dispose(): Promise<void>;
}

/** What every kind of backend declares: how the repository picks it, and what a model file says. */
export interface BackendBase {
  /** Name used in the config's `backend` field, e.g. `onnxruntime`. */
  readonly name: string;
  /** Config `platform` values that select this backend, e.g. `onnxruntime_onnx`. */
  readonly platforms: readonly string[];
  /** File name looked for in a version directory when the config names none, e.g. `model.onnx`. */
  readonly defaultModelFilename: string;
  /** Other file names whose presence in a version directory also selects this backend. */
  readonly modelFilenames?: readonly string[];
  /**
   * Reads the model file and returns its signature. Throws EngineError INVALID_ARG if unreadable.
   * `context` carries the config for backends whose model the config declares; others ignore it.
   */
  describe(files: ModelFiles, context?: ModelContext): Promise<ModelSignature>;
}

/**
 * A kind of model the server can run on instances, which the engine's queue scheduler feeds.
 * Backends are registered by the composition root (engine/cli); the engine knows them only
 * through this contract.
 */
export interface Backend extends BackendBase {
  /** Creates one instance. Throws EngineError with a message naming the model on failure. */
  createInstance(
    config: ModelConfig,
    files: ModelFiles,
    opts: InstanceOptions,
  ): Promise<ModelInstance>;
}

/** A model that another model calls (a pipeline step's model). */
export interface ModelDependency {
  readonly name: string;
  /** Absent: whichever version is ready. */
  readonly version?: number;
}

/** Options of {@link SchedulerBackend.createScheduler}. */
export interface CreateSchedulerOptions {
  /** Aborted when the load is cancelled (for example the model is unloaded while loading). */
  readonly signal: AbortSignal;
  /** Where the config came from, for load errors that point into it (see {@link ModelContext}). */
  readonly source?: ConfigSource;
  /**
   * What `describe` returned for these files earlier in the same load, so a backend can reuse
   * the work behind it (a pipeline's compiled plan) instead of doing it again.
   */
  readonly signature?: ModelSignature;
  /** The version's statistics, where the scheduler records its executions. */
  readonly stats: ExecutionStats;
}

/**
 * A kind of model that schedules its own requests: one scheduler per version and no instances
 * of the engine's, as Triton's ensemble scheduler. Such a model calls other models, which are
 * loaded before it and unloaded after it.
 */
export interface SchedulerBackend extends BackendBase {
  /**
   * The models a version calls, read from its files (or from the config in `context`, for a
   * model the config declares) without checking them: an unreadable file yields none, and
   * `describe` reports why.
   */
  dependencies(files: ModelFiles, context?: ModelContext): Promise<ModelDependency[]>;
  /**
   * Creates the scheduler of one version from its completed config. Throws EngineError with a
   * message naming the model on failure, having released whatever it had made.
   */
  createScheduler(
    config: ModelConfig,
    files: ModelFiles,
    opts: CreateSchedulerOptions,
  ): Promise<Scheduler>;
}

/** Any backend the engine can be given; `'createScheduler' in b` tells which kind. */
export type AnyBackend = Backend | SchedulerBackend;
