/**
 * @module The engine's facade: the one front door every frontend and every pipeline step goes
 * through (infer, metadata, readiness, statistics). Loading and unloading are model control's
 * (model-control.ts).
 */
import { systemClock, type Clock } from '../core/clock.js';
import { EngineError } from '../core/errors.js';
import { noopLogger } from '../core/logger.js';
import type { ModelConfig } from '../core/model-config.js';
import type { ModelCatalog } from '../core/model-catalog.js';
import type { EngineOptions } from './engine-options.js';
import type { InferRequest, InferResponse, ResponseSink } from '../core/request.js';
import { noopMetrics } from '../core/telemetry.js';
import { ModelRegistry } from '../lifecycle/model-registry.js';
import { DEFAULT_MAX_BATCH_SIZE } from '../repository/index.js';
import { DEFAULT_MAX_INSTANCE_COUNT } from './instance-limit.js';
import type { LoadedVersion } from './loaded-version.js';
import { modelMetadata } from './metadata.js';
import { catalogModel } from './load-order.js';
import { ModelControl } from './model-control.js';
import type {
  InferContext,
  InferenceEngine,
  LoadOptions,
  ModelMetadata,
  ModelStatistics,
  RepositoryIndexEntry,
  ServerMetadata,
} from './types.js';

export type { EngineOptions, ModelControlMode } from './engine-options.js';

/** What every frontend serves, in Triton's order (HTTP adds trace and logging); sequence, shared
 * memory and model_repository(unload_dependents) are not served, so not listed. */
const EXTENSIONS = [
  'classification',
  'model_repository',
  'schedule_policy',
  'model_configuration',
  'binary_tensor_data',
  'parameters',
  'statistics',
];

/**
 * Creates the engine and loads models according to the control mode. Models that fail to load
 * are UNAVAILABLE with their reason; the engine still starts.
 *
 * @example
 * const engine = await createEngine({ modelRepository: 'examples/model_repository', backends: [ort] });
 * const res = await engine.infer({ modelName: 'simple', inputs });
 */
export async function createEngine(opts: EngineOptions): Promise<Engine> {
  const engine = new Engine(opts);
  await engine.start();
  return engine;
}

/** The {@link InferenceEngine} over a model repository on disk. */
export class Engine implements InferenceEngine {
  readonly #registry: ModelRegistry<LoadedVersion>;
  readonly #control: ModelControl;
  readonly #opts: EngineOptions;
  readonly #clock: Clock;
  #shuttingDown = false;
  #draining = false;
  #shutdown?: Promise<void>;

  constructor(opts: EngineOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    const logger = opts.logger ?? noopLogger;
    this.#registry = new ModelRegistry({ logger });
    this.#control = new ModelControl({
      modelRepository: opts.modelRepository,
      registry: this.#registry,
      loader: {
        backends:
          typeof opts.backends === 'function' ? opts.backends(this.catalog()) : opts.backends,
        clock: this.#clock,
        logger,
        strictModelConfig: opts.strictModelConfig ?? false,
        defaultMaxBatchSize: opts.defaultMaxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
        gpuCount: opts.gpuCount ?? 0,
        maxInstanceCount: opts.maxInstanceCount ?? DEFAULT_MAX_INSTANCE_COUNT,
        ...(opts.responseCache ? { responseCache: opts.responseCache } : {}),
      },
      controlMode: opts.controlMode ?? 'none',
      loadModels: opts.loadModels ?? [],
      pollSecs: opts.pollSecs ?? 15,
      clock: this.#clock,
      logger,
      metrics: opts.metrics ?? noopMetrics,
      isReady: (name, version) => this.isModelReady(name, version),
    });
  }

  /** Loads the models the control mode asks for. Failures are logged, never thrown. */
  start(): Promise<void> {
    return this.#control.start();
  }

  /** Runs one request; under a recording `ctx.trace` it gets Triton's model span. */
  infer(req: InferRequest, ctx: InferContext = {}): Promise<InferResponse> {
    if (this.#shuttingDown)
      return Promise.reject(new EngineError('UNAVAILABLE', 'server is shutting down'));
    return this.#run(req, ctx);
  }

  /** Runs one request on any model, its responses to `sink` as they are sent (see {@link InferenceEngine.stream}). */
  stream(req: InferRequest, sink: ResponseSink, ctx: InferContext = {}): Promise<void> {
    if (this.#shuttingDown)
      return Promise.reject(new EngineError('UNAVAILABLE', 'server is shutting down'));
    return this.#stream(req, sink, ctx);
  }

  /** Streams a request on the version it names, even while shutting down (steps of accepted requests). */
  #stream(req: InferRequest, sink: ResponseSink, ctx: InferContext): Promise<void> {
    try {
      return this.#registry.get(req.modelName, req.modelVersion).stream(req, ctx, sink);
    } catch (e) {
      return Promise.reject(e as Error);
    }
  }

  /** Runs a request on the version it names, even while shutting down (steps of accepted requests). */
  #run(req: InferRequest, ctx: InferContext): Promise<InferResponse> {
    let lv: LoadedVersion;
    try {
      lv = this.#registry.get(req.modelName, req.modelVersion);
    } catch (e) {
      return Promise.reject(e as Error);
    }
    return lv.run(req, ctx);
  }

  serverMetadata(): ServerMetadata {
    return {
      name: this.#opts.name ?? 'braid',
      version: this.#opts.version ?? '0.0.0',
      extensions: EXTENSIONS,
    };
  }

  isLive(): boolean {
    return true;
  }

  isReady(): boolean {
    if (this.#shuttingDown || this.#draining) return false;
    if (this.#opts.strictReadiness === false) return true;
    return this.#registry.allReady();
  }

  modelMetadata(name: string, version?: number): ModelMetadata {
    const lv = this.#registry.get(name, version);
    const versions =
      version !== undefined
        ? [String(version)]
        : this.#registry.ready(name).map(v => String(v.version));
    return modelMetadata(lv.config, name, versions);
  }

  modelConfig(name: string, version?: number): ModelConfig {
    return this.#registry.get(name, version).config;
  }

  isModelReady(name: string, version?: number): boolean {
    try {
      this.#registry.get(name, version);
      return true;
    } catch {
      return false;
    }
  }

  statistics(name?: string, version?: number): ModelStatistics[] {
    if (name !== undefined) {
      if (version !== undefined) return [this.#registry.get(name, version).statistics()];
      this.#registry.get(name);
      return this.#registry.ready(name).map(v => v.statistics());
    }
    return this.#registry.ready().map(v => v.statistics());
  }

  repositoryIndex(readyOnly: boolean): Promise<RepositoryIndexEntry[]> {
    return this.#control.repositoryIndex(readyOnly);
  }

  /**
   * Loads or reloads `name`. A pipeline's models that are not ready are loaded first, as Triton
   * loads an ensemble's composing models; a failure among them shows in the pipeline's reason.
   */
  load(name: string, opts: LoadOptions = {}): Promise<void> {
    return this.#control.load(name, opts);
  }

  unload(name: string): Promise<void> {
    return this.#control.unload(name);
  }

  /**
   * Reports not-ready from now on (so load balancers stop routing here) while still serving
   * requests; the first step of a graceful shutdown, before the frontends close.
   */
  beginDrain(): void {
    this.#draining = true;
  }

  shutdown(graceMs = 30_000): Promise<void> {
    this.#shutdown ??= (async () => {
      this.#shuttingDown = true;
      let timer: unknown;
      const grace = new Promise<void>(resolve => {
        timer = this.#clock.setTimeout(resolve, graceMs);
      });
      await Promise.race([this.#control.unloadAll(), grace]);
      this.#clock.clearTimeout(timer as object);
    })();
    return this.#shutdown;
  }

  /**
   * The engine's models as pipelines see them: signatures of ready versions, and inference
   * through the same path clients use (queues, batchers, statistics). Steps of requests already
   * accepted still run while the engine shuts down.
   */
  catalog(): ModelCatalog {
    return {
      metadata: async (name, version) => {
        const lv = this.#registry.get(name, version);
        return catalogModel(lv.config, name, lv.version);
      },
      infer: (req, ctx) => this.#run(req, ctx ?? {}),
      stream: (req, sink, ctx) => this.#stream(req, sink, ctx ?? {}),
    };
  }
}
