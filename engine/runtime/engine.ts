import type { Backend } from '../core/backend.js';
import { systemClock, type Clock } from '../core/clock.js';
import { EngineError } from '../core/errors.js';
import { noopLogger, type Logger } from '../core/logger.js';
import type { ModelConfig } from '../core/model-config.js';
import type { ModelCatalog } from '../core/model-catalog.js';
import type { InferRequest, InferResponse } from '../core/request.js';
import { noopMetrics, type InferenceMetrics, type VersionMetrics } from '../core/telemetry.js';
import { ModelRegistry, type LoadPlan } from '../lifecycle/model-registry.js';
import { DEFAULT_MAX_BATCH_SIZE, scanRepository, type RepositoryScan } from '../repository/index.js';
import type { ModelStatistics } from '../scheduling/stats.js';
import { DEFAULT_MAX_INSTANCE_COUNT } from './instance-limit.js';
import type { LoadedVersion } from './loaded-version.js';
import { modelMetadata } from './metadata.js';
import { catalogModel, loadWaves } from './load-order.js';
import { modelDependencies, planModelLoad, type ModelLoaderOptions } from './model-loader.js';
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

/** How models are loaded, as Triton's --model-control-mode. */
export type ModelControlMode = 'none' | 'explicit' | 'poll';

/** Options of {@link createEngine}. */
export interface EngineOptions {
  readonly modelRepository: string;
  /**
   * The backends, or a function making them from the engine's model catalog, for backends whose
   * models call other models (pipelines).
   */
  readonly backends: readonly Backend[] | ((catalog: ModelCatalog) => readonly Backend[]);
  /** Default `none`: load everything at start; load/unload APIs are refused. */
  readonly controlMode?: ModelControlMode;
  /** Models to load at start in `explicit` mode; `*` loads all. */
  readonly loadModels?: readonly string[];
  /** Rescan interval in `poll` mode (default 15 s, as Triton). */
  readonly pollSecs?: number;
  readonly strictModelConfig?: boolean;
  /** Server is ready only when every loaded model is READY (Triton's default). */
  readonly strictReadiness?: boolean;
  readonly defaultMaxBatchSize?: number;
  readonly gpuCount?: number;
  /** Most instances one model version may have (default {@link DEFAULT_MAX_INSTANCE_COUNT}). */
  readonly maxInstanceCount?: number;
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Where each loaded model version's statistics are exported. Default: nowhere. */
  readonly metrics?: InferenceMetrics;
  readonly version?: string;
  /** The server's name in server metadata (Triton's --id). Default `braid`. */
  readonly name?: string;
}

const EXTENSIONS = ['binary_tensor_data', 'model_repository', 'model_configuration', 'schedule_policy', 'statistics', 'parameters'];

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
    const rows: RepositoryIndexEntry[] = [];
    const seen = new Set<string>();
    for (const s of this.#registry.status()) {
      seen.add(s.name);
      if (readyOnly && s.state !== 'READY') continue;
      rows.push({
        name: s.name,
        ...(s.version === undefined ? {} : { version: String(s.version) }),
        state: s.state,
        ...(s.reason === undefined ? {} : { reason: s.reason }),
      });
    }
    if (!readyOnly) for (const name of scan.models.keys()) if (!seen.has(name)) rows.push({ name });
    return rows.sort((a, b) => (a.name === b.name ? Number(a.version ?? 0) - Number(b.version ?? 0) : a.name < b.name ? -1 : 1));
  }

  /**
   * Loads or reloads `name`. A pipeline's models that are not ready are loaded first, as Triton
   * loads an ensemble's composing models; a failure among them shows in the pipeline's reason.
   */
  async load(name: string, opts: LoadOptions = {}): Promise<void> {
    this.#assertControlAllowed();
    const scan = await scanRepository(this.#opts.modelRepository);
    const missing = await this.#unreadyDependencies(scan, name);
    if (missing.length > 0) await this.#loadInOrder(scan, missing);
    await this.#loadFromScan(scan, name, opts.config);
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
      await Promise.race([this.#unloadAll(), grace]);
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
    await this.#registry.load(name, this.#observed(await planModelLoad(model, this.#loader, configOverride)));
  }

  /** Times each version's load and registers it with the metrics; logs its unload with its duration. */
  #observed(plan: LoadPlan<LoadedVersion>): LoadPlan<LoadedVersion> {
    if ('error' in plan) return plan;
    const loadVersion = async (v: number, signal: AbortSignal): Promise<LoadedVersion> => {
      const t0 = this.#clock.now();
      return this.#register(await plan.loadVersion(v, signal), t0);
    };
    return { versions: plan.versions, loadVersion };
  }

  #register(lv: LoadedVersion, loadStart: number): LoadedVersion {
    const { name, stats, scheduler } = lv;
    const metrics = this.#metrics.registerVersion({
      model: name,
      version: String(lv.version),
      tags: lv.config.metric_tags,
      loadSeconds: (this.#clock.now() - loadStart) / 1000,
      counters: () => ({ stats: stats.snapshot(), failures: stats.failures(), pending: scheduler.pendingCount(), inflight: scheduler.inflightCount() }),
    });
    stats.observe(metrics);
    let unloading: Promise<void> | undefined;
    return { ...lv, unload: () => (unloading ??= this.#unloadVersion(lv, metrics)) };
  }

  async #unloadVersion(lv: LoadedVersion, metrics: VersionMetrics): Promise<void> {
    const t0 = this.#clock.now();
    try {
      await lv.unload();
    } finally {
      metrics.retire();
      const fields = { model: lv.name, version: lv.version, duration_ms: Math.round(this.#clock.now() - t0) };
      this.#logger.log('info', 'model version unloaded', fields);
    }
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
