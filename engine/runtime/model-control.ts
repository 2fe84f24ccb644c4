/**
 * @module Model control, kept apart from the engine's request facade as Triton keeps its
 * model_repository_manager apart from the server: which models load at start (control mode),
 * load and unload requests, the repository poller, load order by dependency (a pipeline after
 * the models it calls) and unload order at shutdown (a pipeline before them), and each loaded
 * version's metrics registration.
 */
import type { Clock } from '../core/clock.js';
import { EngineError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { InferenceMetrics, VersionMetrics } from '../core/telemetry.js';
import type { LoadPlan, ModelRegistry } from '../lifecycle/model-registry.js';
import { scanRepository, type RepositoryScan } from '../repository/index.js';
import type { LoadedVersion } from './loaded-version.js';
import { loadWaves } from './load-order.js';
import { modelDependencies, planModelLoad, type ModelLoaderOptions } from './model-loader.js';
import { RepositoryPoller } from './repository-poller.js';
import type { LoadOptions, RepositoryIndexEntry } from './types.js';

/** How models are loaded, as Triton's --model-control-mode. */
export type ModelControlMode = 'none' | 'explicit' | 'poll';

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
  #poller?: RepositoryPoller;

  constructor(opts: ModelControlOptions) {
    this.#o = opts;
  }

  /** Loads the models the control mode asks for and starts polling in `poll` mode. Never throws for a model. */
  async start(): Promise<void> {
    const { controlMode: mode, modelRepository } = this.#o;
    const scan = await scanRepository(modelRepository);
    let names = [...scan.models.keys()];
    if (mode === 'explicit') names = this.#o.loadModels.includes('*') ? names : [...this.#o.loadModels];
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
    const scan = await scanRepository(this.#o.modelRepository);
    const missing = await this.#unreadyDependencies(scan, name);
    if (missing.length > 0) await this.#loadInOrder(scan, missing);
    await this.#loadFromScan(scan, name, opts.config);
  }

  async unload(name: string): Promise<void> {
    this.#assertControlAllowed();
    await this.#o.registry.unload(name);
  }

  /** Every model of the repository and every version the registry knows, by name then version. */
  async repositoryIndex(readyOnly: boolean): Promise<RepositoryIndexEntry[]> {
    const scan = await scanRepository(this.#o.modelRepository);
    const rows: RepositoryIndexEntry[] = [];
    const seen = new Set<string>();
    for (const s of this.#o.registry.status()) {
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
   * Stops polling and unloads everything, each model only after every loaded model that calls
   * it, so requests a pipeline accepted can still reach its models.
   */
  async unloadAll(): Promise<void> {
    this.#poller?.stop();
    const deps = new Map<string, string[]>();
    const names = new Set<string>();
    for (const v of this.#o.registry.ready()) {
      names.add(v.name);
      if (v.dependencies.length > 0) deps.set(v.name, [...(deps.get(v.name) ?? []), ...v.dependencies.map(d => d.name)]);
    }
    const callersFirst = loadWaves([...names], deps).reverse();
    for (const wave of callersFirst) await Promise.all(wave.map(n => this.#o.registry.unload(n).catch(() => undefined)));
    await this.#o.registry.unloadAll();
  }

  /** What `name` calls, transitively, that is in the repository and not ready. */
  async #unreadyDependencies(scan: RepositoryScan, name: string): Promise<string[]> {
    const found = new Set<string>();
    const queue = [name];
    while (queue.length > 0) {
      const model = scan.models.get(queue.pop()!);
      for (const d of (model ? await modelDependencies(model, this.#o.loader) : undefined) ?? []) {
        if (d.name === name || found.has(d.name) || !scan.models.has(d.name) || this.#o.isReady(d.name, d.version)) continue;
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
        if (d) deps.set(n, d.map(x => x.name));
      }),
    );
    for (const wave of loadWaves(names, deps)) await Promise.all(wave.map(load));
  }

  async #loadFromScan(scan: RepositoryScan, name: string, configOverride?: string): Promise<void> {
    const model = scan.models.get(name);
    if (!model) throw new EngineError('NOT_FOUND', `failed to load '${name}', no version is available`);
    await this.#o.registry.load(name, this.#observed(await planModelLoad(model, this.#o.loader, configOverride)));
  }

  /** Times each version's load and registers it with the metrics; logs its unload with its duration. */
  #observed(plan: LoadPlan<LoadedVersion>): LoadPlan<LoadedVersion> {
    if ('error' in plan) return plan;
    const loadVersion = async (v: number, signal: AbortSignal): Promise<LoadedVersion> => {
      const t0 = this.#o.clock.now();
      return this.#register(await plan.loadVersion(v, signal), t0);
    };
    return { versions: plan.versions, loadVersion };
  }

  #register(lv: LoadedVersion, loadStart: number): LoadedVersion {
    const { name, stats, scheduler } = lv;
    const metrics = this.#o.metrics.registerVersion({
      model: name,
      version: String(lv.version),
      tags: lv.config.metric_tags,
      loadSeconds: (this.#o.clock.now() - loadStart) / 1000,
      counters: () => {
        const { pending, inflight } = scheduler.stats();
        return { stats: stats.snapshot(), failures: stats.failures(), pending, inflight };
      },
    });
    stats.observe(metrics);
    let unloading: Promise<void> | undefined;
    return { ...lv, unload: () => (unloading ??= this.#unloadVersion(lv, metrics)) };
  }

  async #unloadVersion(lv: LoadedVersion, metrics: VersionMetrics): Promise<void> {
    const t0 = this.#o.clock.now();
    try {
      await lv.unload();
    } finally {
      metrics.retire();
      const fields = { model: lv.name, version: lv.version, duration_ms: Math.round(this.#o.clock.now() - t0) };
      this.#o.logger.log('info', 'model version unloaded', fields);
    }
  }

  #assertControlAllowed(): void {
    const mode = this.#o.controlMode;
    if (mode === 'poll') throw new EngineError('UNAVAILABLE', 'explicit model load / unload is not allowed if polling is enabled');
    if (mode === 'none') throw new EngineError('UNAVAILABLE', 'explicit model load / unload is not allowed if model control mode is none');
  }
}
