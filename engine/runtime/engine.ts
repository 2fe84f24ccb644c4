import { systemClock, type Clock } from '../core/clock.js';
import { EngineError } from '../core/errors.js';
import { noopLogger, type Logger } from '../core/logger.js';
import type { ModelConfig } from '../core/model-config.js';
import type { ModelCatalog } from '../core/model-catalog.js';
import type { EngineOptions } from './engine-options.js';
import type { InferRequest, InferResponse } from '../core/request.js';
import { noopMetrics, type InferenceMetrics } from '../core/telemetry.js';
import { ModelRegistry } from '../lifecycle/model-registry.js';
import { DEFAULT_MAX_BATCH_SIZE, scanRepository, type RepositoryScan } from '../repository/index.js';
import type { ModelStatistics } from '../scheduling/stats.js';
import { DEFAULT_MAX_INSTANCE_COUNT } from './instance-limit.js';
import type { LoadedVersion } from './loaded-version.js';
import { modelMetadata } from './metadata.js';
import { catalogModel, loadWaves } from './load-order.js';
import { modelDependencies, planModelLoad, type ModelLoaderOptions } from './model-loader.js';
import { OverrideModels } from './override-models.js';
import { observeLoad, type LoadObserver } from './observe-load.js';
import { repositoryIndexRows } from './repository-index.js';
import { RepositoryPoller } from './repository-poller.js';
import type {
  InferContext,
  InferenceEngine,
  LoadOptions,
  ModelMetadata,
  RepositoryIndexEntry,
  ServerMetadata,
} from './types.js';
import { runRequest } from './run-request.js';

export type { EngineOptions, ModelControlMode } from './engine-options.js';

/** What every frontend serves, in Triton's order (HTTP adds trace and logging); sequence, shared
 * memory and model_repository(unload_dependents) are not served, so not listed. */
const EXTENSIONS = ['classification', 'model_repository', 'schedule_policy', 'model_configuration', 'binary_tensor_data', 'parameters', 'statistics'];

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
  readonly #opts: EngineOptions;
  readonly #loader: ModelLoaderOptions;
  readonly #clock: Clock;
  readonly #logger: Logger;
  readonly #metrics: InferenceMetrics;
  readonly #overrides = new OverrideModels();
  readonly #observer: LoadObserver;
  #poller?: RepositoryPoller;
  #shuttingDown = false;
  #draining = false;
  #shutdown?: Promise<void>;

  constructor(opts: EngineOptions) {
    this.#opts = opts;
    this.#clock = opts.clock ?? systemClock;
    this.#logger = opts.logger ?? noopLogger;
    this.#metrics = opts.metrics ?? noopMetrics;
    this.#registry = new ModelRegistry({ logger: this.#logger });
    this.#observer = { clock: this.#clock, logger: this.#logger, metrics: this.#metrics };
    this.#loader = {
      backends: typeof opts.backends === 'function' ? opts.backends(this.catalog()) : opts.backends,
      clock: this.#clock,
      logger: this.#logger,
      strictModelConfig: opts.strictModelConfig ?? false,
      defaultMaxBatchSize: opts.defaultMaxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
      gpuCount: opts.gpuCount ?? 0,
      maxInstanceCount: opts.maxInstanceCount ?? DEFAULT_MAX_INSTANCE_COUNT,
    };
  }

  /** Loads the models the control mode asks for. Failures are logged, never thrown. */
  async start(): Promise<void> {
    const mode = this.#opts.controlMode ?? 'none';
    const scan = await scanRepository(this.#opts.modelRepository);
    let names = [...scan.models.keys()];
    if (mode === 'explicit') {
      const wanted = this.#opts.loadModels ?? [];
      names = wanted.includes('*') ? names : [...wanted];
    }
    await this.#loadInOrder(scan, names);
    if (mode === 'poll') {
      this.#poller = new RepositoryPoller({
        scan: () => scanRepository(this.#opts.modelRepository),
        initial: scan,
        intervalMs: (this.#opts.pollSecs ?? 15) * 1000,
        clock: this.#clock,
        logger: this.#logger,
        apply: async (next, diff) => {
          await Promise.all([
            this.#loadInOrder(next, [...diff.added, ...diff.changed]),
            ...diff.removed.map(n => this.#registry.unload(n).catch(() => undefined)),
          ]);
        },
      });
      this.#poller.start();
    }
  }

  /** Runs one request; under a recording `ctx.trace` it gets Triton's model span. */
  infer(req: InferRequest, ctx: InferContext = {}): Promise<InferResponse> {
    if (this.#shuttingDown) return Promise.reject(new EngineError('UNAVAILABLE', 'server is shutting down'));
    return this.#infer(req, ctx);
  }

  /** Runs a request even while shutting down: pipeline steps of requests already accepted. */
  async #infer(req: InferRequest, ctx: InferContext): Promise<InferResponse> {
    return runRequest(this.#registry.get(req.modelName, req.modelVersion), req, ctx, this.#clock);
  }

  serverMetadata(): ServerMetadata {
    return { name: this.#opts.name ?? 'braid', version: this.#opts.version ?? '0.0.0', extensions: EXTENSIONS };
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
    const versions = version !== undefined ? [String(version)] : this.#registry.ready(name).map(v => String(v.version));
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
      if (version !== undefined) return [versionStatistics(this.#registry.get(name, version))];
      this.#registry.get(name);
      return this.#registry.ready(name).map(versionStatistics);
    }
    return this.#registry.ready().map(versionStatistics);
  }

  async repositoryIndex(readyOnly: boolean): Promise<RepositoryIndexEntry[]> {
    const scan = await scanRepository(this.#opts.modelRepository);
    return repositoryIndexRows(this.#registry.status(), scan.models.keys(), readyOnly);
  }

  /**
   * Loads or reloads `name`. A pipeline's models that are not ready are loaded first, as Triton
   * loads an ensemble's composing models; a failure among them shows in the pipeline's reason.
   */
  async load(name: string, opts: LoadOptions = {}): Promise<void> {
    this.#assertControlAllowed();
    if (opts.files !== undefined && opts.files.size > 0) return this.#loadOverride(name, opts.files, opts.config);
    const scan = await scanRepository(this.#opts.modelRepository);
    const missing = await this.#unreadyDependencies(scan, name);
    if (missing.length > 0) await this.#loadInOrder(scan, missing);
    await this.#loadFromScan(scan, name, opts.config);
    await this.#overrides.release(name);
  }

  /** Loads `name` from request files, as Triton does: the repository is not consulted. */
  async #loadOverride(name: string, files: ReadonlyMap<string, Uint8Array>, config: string | undefined): Promise<void> {
    if (config === undefined) {
      throw new EngineError('INVALID_ARG', `load failed for model '${name}': load parameter 'config' must be specified for model file override`);
    }
    const written = await this.#overrides.write(name, files);
    try {
      await this.#registry.load(name, observeLoad(this.#observer, await planModelLoad(written.model, this.#loader, config)));
    } catch (e) {
      await this.#overrides.discard(written);
      throw e;
    }
    await this.#overrides.adopt(name, written);
  }

  /** What `name` calls, transitively, that is in the repository and not ready. */
  async #unreadyDependencies(scan: RepositoryScan, name: string): Promise<string[]> {
    const found = new Set<string>();
    const queue = [name];
    while (queue.length > 0) {
      const model = scan.models.get(queue.pop()!);
      for (const d of (model ? await modelDependencies(model, this.#loader) : undefined) ?? []) {
        if (d.name === name || found.has(d.name) || !scan.models.has(d.name) || this.isModelReady(d.name, d.version)) continue;
        found.add(d.name);
        queue.push(d.name);
      }
    }
    return [...found];
  }

  async unload(name: string): Promise<void> {
    this.#assertControlAllowed();
    await this.#registry.unload(name);
    await this.#overrides.release(name);
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
      this.#poller?.stop();
      let timer: unknown;
      const grace = new Promise<void>(resolve => {
        timer = this.#clock.setTimeout(resolve, graceMs);
      });
      await Promise.race([this.#unloadAll().then(() => this.#overrides.releaseAll()), grace]);
      this.#clock.clearTimeout(timer as object);
    })();
    return this.#shutdown;
  }

  /** Unloads pipelines first, so requests they accepted can still call their models. */
  async #unloadAll(): Promise<void> {
    const pipelines = new Set(this.#registry.ready().filter(v => v.direct).map(v => v.name));
    await Promise.all([...pipelines].map(n => this.#registry.unload(n).catch(() => undefined)));
    await this.#registry.unloadAll();
  }

  /**
   * The engine's models as pipelines see them: signatures of ready versions, and inference
   * through the same path clients use (queues, batchers, statistics).
   */
  catalog(): ModelCatalog {
    return {
      metadata: async (name, version) => {
        const lv = this.#registry.get(name, version);
        return catalogModel(lv.config, name, lv.version);
      },
      infer: (req, ctx) => this.#infer(req, ctx ?? {}),
    };
  }

  /**
   * Loads `names`: ordinary models first, then pipelines in waves, each after the models it
   * uses. A dependency cycle or a missing model still gets its load tried, which reports why.
   */
  async #loadInOrder(scan: RepositoryScan, names: readonly string[]): Promise<void> {
    const load = (n: string) => this.#loadFromScan(scan, n).catch(() => undefined);
    const deps = new Map<string, string[]>();
    await Promise.all(
      names.map(async n => {
        const model = scan.models.get(n);
        const d = model ? await modelDependencies(model, this.#loader) : undefined;
        if (d) deps.set(n, d.map(x => x.name));
      }),
    );
    for (const wave of loadWaves(names, deps)) await Promise.all(wave.map(load));
  }

  async #loadFromScan(scan: RepositoryScan, name: string, configOverride?: string): Promise<void> {
    const model = scan.models.get(name);
    if (!model) throw new EngineError('NOT_FOUND', `failed to load '${name}', no version is available`);
    await this.#registry.load(name, observeLoad(this.#observer, await planModelLoad(model, this.#loader, configOverride)));
  }

  #assertControlAllowed(): void {
    const mode = this.#opts.controlMode ?? 'none';
    if (mode === 'poll') throw new EngineError('UNAVAILABLE', 'explicit model load / unload is not allowed if polling is enabled');
    if (mode === 'none') throw new EngineError('UNAVAILABLE', 'explicit model load / unload is not allowed if model control mode is none');
  }
}

/** A version's statistics; a pipeline's carry its steps' as `braid_steps`. */
function versionStatistics(lv: LoadedVersion): ModelStatistics {
  const stats = lv.stats.snapshot();
  const steps = lv.direct?.instance.stepStatistics?.();
  return steps ? { ...stats, braid_steps: steps } : stats;
}
