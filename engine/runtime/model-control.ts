/**
 * @module Model control, kept apart from the engine's request facade as Triton keeps its
 * model_repository_manager apart from the server: which models load at start (control mode),
 * load and unload requests, the repository poller, load order by dependency (a pipeline after
 * the models it calls) and unload order at shutdown (a pipeline before them), models loaded from
 * request files (override-models.ts), and each loaded version's metrics registration
 * (observe-load.ts).
 */
import type { Clock } from '../core/clock.js';
import { EngineError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { InferenceMetrics } from '../core/telemetry.js';
import type { ModelRegistry } from '../lifecycle/model-registry.js';
import { scanRepository, type RepositoryScan } from '../repository/index.js';
import type { ModelControlMode } from './engine-options.js';
import type { LoadedVersion } from './loaded-version.js';
import { loadWaves } from './load-order.js';
import { modelDependencies, planModelLoad, type ModelLoaderOptions } from './model-loader.js';
import { observeLoad, type LoadObserver } from './observe-load.js';
import { OverrideModels } from './override-models.js';
import { repositoryIndexRows } from './repository-index.js';
import { RepositoryPoller } from './repository-poller.js';
import type { LoadOptions, RepositoryIndexEntry } from './types.js';

export type { ModelControlMode };

/** Options of {@link ModelControl}. */
export interface ModelControlOptions {
  readonly modelRepository: string;
  readonly registry: ModelRegistry<LoadedVersion>;
  readonly loader: ModelLoaderOptions;
  readonly controlMode: ModelControlMode;
  /** Models to load at start in `explicit` mode; `*` loads all. */
  readonly loadModels: readonly string[];
  /** Rescan interval in `poll` mode. */
  readonly pollSecs: number;
  readonly clock: Clock;
  readonly logger: Logger;
  readonly metrics: InferenceMetrics;
  /** Whether `name` (at `version`) is loaded and READY. */
  readonly isReady: (name: string, version?: number) => boolean;
}

/**
 * Loads and unloads the models of one repository into a registry.
 *
 * @example
 * const control = new ModelControl({ modelRepository, registry, loader, controlMode: 'none', ... });
 * await control.start();
 */
export class ModelControl {
  readonly #o: ModelControlOptions;
  readonly #observer: LoadObserver;
  readonly #overrides = new OverrideModels();
  #poller?: RepositoryPoller;

  constructor(opts: ModelControlOptions) {
    this.#o = opts;
    this.#observer = { clock: opts.clock, logger: opts.logger, metrics: opts.metrics };
  }

  /** Loads the models the control mode asks for and starts polling in `poll` mode. Never throws for a model. */
  async start(): Promise<void> {
    const { controlMode: mode, modelRepository } = this.#o;
    const scan = await scanRepository(modelRepository);
    let names = [...scan.models.keys()];
    if (mode === 'explicit')
      names = this.#o.loadModels.includes('*') ? names : [...this.#o.loadModels];
    await this.#loadInOrder(scan, names);
    if (mode !== 'poll') return;
    this.#poller = new RepositoryPoller({
      scan: () => scanRepository(modelRepository),
      initial: scan,
      intervalMs: this.#o.pollSecs * 1000,
      clock: this.#o.clock,
      logger: this.#o.logger,
      apply: async (next, diff) => {
        await Promise.all([
          this.#loadInOrder(next, [...diff.added, ...diff.changed]),
          ...diff.removed.map(n => this.#o.registry.unload(n).catch(() => undefined)),
        ]);
      },
    });
    this.#poller.start();
  }

  /**
   * Loads or reloads `name`. A pipeline's models that are not ready are loaded first, as Triton
   * loads an ensemble's composing models; a failure among them shows in the pipeline's reason.
   */
  async load(name: string, opts: LoadOptions = {}): Promise<void> {
    this.#assertControlAllowed();
    if (opts.files !== undefined && opts.files.size > 0)
      return this.#loadOverride(name, opts.files, opts.config);
    const scan = await scanRepository(this.#o.modelRepository);
    const missing = await this.#unreadyDependencies(scan, name);
    if (missing.length > 0) await this.#loadInOrder(scan, missing);
    await this.#loadFromScan(scan, name, opts.config);
    await this.#overrides.release(name);
  }

  /** Loads `name` from request files, as Triton does: the repository is not consulted. */
  async #loadOverride(
    name: string,
    files: ReadonlyMap<string, Uint8Array>,
    config: string | undefined,
  ): Promise<void> {
    if (config === undefined) {
      throw new EngineError(
        'INVALID_ARG',
        `load failed for model '${name}': load parameter 'config' must be specified for model file override`,
      );
    }
    const written = await this.#overrides.write(name, files);
    try {
      await this.#o.registry.load(
        name,
        observeLoad(this.#observer, await planModelLoad(written.model, this.#o.loader, config)),
      );
    } catch (e) {
      await this.#overrides.discard(written);
      throw e;
    }
    await this.#overrides.adopt(name, written);
  }

  async unload(name: string): Promise<void> {
    this.#assertControlAllowed();
    await this.#o.registry.unload(name);
    await this.#overrides.release(name);
  }

  /** Every model of the repository and every version the registry knows, by name then version. */
  async repositoryIndex(readyOnly: boolean): Promise<RepositoryIndexEntry[]> {
    const scan = await scanRepository(this.#o.modelRepository);
    return repositoryIndexRows(this.#o.registry.status(), scan.models.keys(), readyOnly);
  }

  /**
   * Stops polling and unloads everything, each model only after every loaded model that calls
   * it, so requests a pipeline accepted can still reach its models; then removes the directories
   * of models loaded from request files.
   */
  async unloadAll(): Promise<void> {
    this.#poller?.stop();
    const deps = new Map<string, string[]>();
    const names = new Set<string>();
    for (const v of this.#o.registry.ready()) {
      names.add(v.name);
      if (v.dependencies.length > 0)
        deps.set(v.name, [...(deps.get(v.name) ?? []), ...v.dependencies.map(d => d.name)]);
    }
    const callersFirst = loadWaves([...names], deps).reverse();
    for (const wave of callersFirst)
      await Promise.all(wave.map(n => this.#o.registry.unload(n).catch(() => undefined)));
    await this.#o.registry.unloadAll();
    await this.#overrides.releaseAll();
  }

  /** What `name` calls, transitively, that is in the repository and not ready. */
  async #unreadyDependencies(scan: RepositoryScan, name: string): Promise<string[]> {
    const found = new Set<string>();
    const queue = [name];
    while (queue.length > 0) {
      const model = scan.models.get(queue.pop()!);
      for (const d of (model ? await modelDependencies(model, this.#o.loader) : undefined) ?? []) {
        if (
          d.name === name ||
          found.has(d.name) ||
          !scan.models.has(d.name) ||
          this.#o.isReady(d.name, d.version)
        )
          continue;
        found.add(d.name);
        queue.push(d.name);
      }
    }
    return [...found];
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
        const d = model ? await modelDependencies(model, this.#o.loader) : undefined;
        if (d)
          deps.set(
            n,
            d.map(x => x.name),
          );
      }),
    );
    for (const wave of loadWaves(names, deps)) await Promise.all(wave.map(load));
  }

  async #loadFromScan(scan: RepositoryScan, name: string, configOverride?: string): Promise<void> {
    const model = scan.models.get(name);
    if (!model)
      throw new EngineError('NOT_FOUND', `failed to load '${name}', no version is available`);
    await this.#o.registry.load(
      name,
      observeLoad(this.#observer, await planModelLoad(model, this.#o.loader, configOverride)),
    );
  }

  #assertControlAllowed(): void {
    const mode = this.#o.controlMode;
    if (mode === 'poll')
      throw new EngineError(
        'UNAVAILABLE',
        'explicit model load / unload is not allowed if polling is enabled',
      );
    if (mode === 'none')
      throw new EngineError(
        'UNAVAILABLE',
        'explicit model load / unload is not allowed if model control mode is none',
      );
  }
}
