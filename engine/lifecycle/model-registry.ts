/**
 * @module The registry of loaded models: each version's lifecycle, loads and unloads of one model
 * serialized, and a reload swapped in only once it is READY.
 */
import { EngineError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { noopLogger } from '../core/logger.js';
import {
  sendEvent,
  settled,
  startModelVersion,
  stateOf,
  type ModelVersionActor,
  type ModelVersionState,
  type Unloadable,
} from './model-version.machine.js';

/**
 * How to load a model: the versions to serve and how to load one, or why it cannot load.
 */
export type LoadPlan<V> =
  | {
      readonly versions: readonly number[];
      readonly loadVersion: (version: number, signal: AbortSignal) => Promise<V>;
    }
  | { readonly error: string };

/** One row of the repository index as the registry knows it. */
export interface VersionStatus {
  readonly name: string;
  readonly version?: number;
  readonly state: ModelVersionState;
  readonly reason?: string;
}

interface ModelEntry {
  /** The versions that serve requests now. */
  versions: Map<number, ModelVersionActor>;
  /** Set when the model failed before any version could be tried (bad config, no versions). */
  error?: string;
  /** Set by an unload: the model is no longer meant to be loaded, so readiness ignores it. */
  unloaded?: boolean;
}

/**
 * The loaded models and their version lifecycles. Loads and unloads of one model are serialized;
 * a reload swaps the new versions in only once all of them are READY, then drains the old ones,
 * so no request fails because of a reload.
 *
 * @example
 * const registry = new ModelRegistry<LoadedVersion>();
 * await registry.load('simple', { versions: [1], loadVersion: (v, signal) => loadIt(v, signal) });
 * registry.get('simple').scheduler.enqueue(req);
 */
export class ModelRegistry<V extends Unloadable> {
  readonly #models = new Map<string, ModelEntry>();
  readonly #locks = new Map<string, Promise<unknown>>();
  readonly #retiring = new Set<Promise<unknown>>();
  readonly #logger: Logger;

  constructor(opts: { logger?: Logger } = {}) {
    this.#logger = opts.logger ?? noopLogger;
  }

  /**
   * Loads or reloads `name`. Rejects with INVALID_ARG, `load failed for model '<name>': …` naming
   * every version that failed, as Triton's repository manager does for any failed load.
   */
  load(name: string, plan: LoadPlan<V>): Promise<void> {
    return this.#serialize(name, () => this.#load(name, plan));
  }

  /** Unloads every version of `name` after its in-flight requests finish. */
  unload(name: string): Promise<void> {
    return this.#serialize(name, async () => {
      const entry = this.#models.get(name);
      if (!entry)
        throw new EngineError('NOT_FOUND', `failed to unload '${name}', model is not loaded`);
      await Promise.all([...entry.versions.values()].map(a => retire(a)));
      entry.unloaded = true;
      this.#logger.log('info', 'model unloaded', { model: name });
    });
  }

  /**
   * The loaded value serving `name` at `version`, or at the highest READY version.
   * Throws NOT_FOUND for unknown models or versions and UNAVAILABLE when not READY.
   */
  get(name: string, version?: number): V {
    const entry = this.#models.get(name);
    if (!entry)
      throw new EngineError('NOT_FOUND', `Request for unknown model: '${name}' is not found`);
    if (version !== undefined) {
      const actor = entry.versions.get(version);
      if (!actor)
        throw new EngineError(
          'NOT_FOUND',
          `Request for unknown model: '${name}' version ${version} is not found`,
        );
      if (stateOf(actor) !== 'READY') {
        throw new EngineError(
          'UNAVAILABLE',
          `Request for unknown model: '${name}' version ${version} is not at ready state`,
        );
      }
      return loadedOf<V>(actor);
    }
    let best: ModelVersionActor | undefined;
    let bestVersion = -1;
    for (const [v, actor] of entry.versions) {
      if (v > bestVersion && stateOf(actor) === 'READY') {
        best = actor;
        bestVersion = v;
      }
    }
    if (!best)
      throw new EngineError(
        'UNAVAILABLE',
        `Request for unknown model: '${name}' has no available versions`,
      );
    return loadedOf<V>(best);
  }

  /** READY values of `name` (all models when absent), highest version first per model. */
  ready(name?: string): V[] {
    const out: V[] = [];
    for (const [model, entry] of this.#models) {
      if (name !== undefined && model !== name) continue;
      const versions = [...entry.versions.entries()].sort((a, b) => b[0] - a[0]);
      for (const [, actor] of versions)
        if (stateOf(actor) === 'READY') out.push(loadedOf<V>(actor));
    }
    return out;
  }

  /** Whether `name` has been loaded (in any state). */
  has(name: string): boolean {
    return this.#models.has(name);
  }

  /** Every known model version with its state and reason. */
  status(): VersionStatus[] {
    const rows: VersionStatus[] = [];
    for (const [name, entry] of this.#models) {
      if (entry.error !== undefined) rows.push({ name, state: 'UNAVAILABLE', reason: entry.error });
      for (const [version, actor] of [...entry.versions].sort((a, b) => a[0] - b[0])) {
        const reason = actor.getSnapshot().context.reason;
        rows.push({
          name,
          version,
          state: stateOf(actor),
          ...(reason === undefined ? {} : { reason }),
        });
      }
    }
    return rows;
  }

  /**
   * Triton's strict readiness (server.cc `InferenceServer::IsReady`) over the models meant to be
   * loaded: each has at least one version, and every version is READY or was unloaded. A model
   * unloaded since its last load never counts, whatever state its versions were left in.
   */
  allReady(): boolean {
    for (const entry of this.#models.values()) {
      if (entry.unloaded) continue;
      if (entry.error !== undefined || entry.versions.size === 0) return false;
      for (const actor of entry.versions.values()) {
        if (stateOf(actor) !== 'READY' && actor.getSnapshot().context.reason !== 'unloaded')
          return false;
      }
    }
    return true;
  }

  /** Unloads everything and waits for retiring versions. Idempotent. */
  async unloadAll(): Promise<void> {
    await Promise.all([...this.#models.keys()].map(n => this.unload(n).catch(() => undefined)));
    await Promise.all([...this.#retiring]);
  }

  async #load(name: string, plan: LoadPlan<V>): Promise<void> {
    const previous = this.#models.get(name);
    if ('error' in plan) {
      // A model still serving keeps serving; otherwise the failure is what the model is now.
      if (!isServing(previous)) this.#models.set(name, { versions: new Map(), error: plan.error });
      throw loadFailed(name, plan.error);
    }
    const fresh = new Map<number, ModelVersionActor>();
    for (const v of plan.versions) {
      const actor = startModelVersion(signal => plan.loadVersion(v, signal));
      sendEvent(actor, { type: 'LOAD' });
      fresh.set(v, actor);
    }
    await Promise.all([...fresh.values()].map(settled));
    const failures = [...fresh].filter(([, a]) => stateOf(a) !== 'READY');
    if (failures.length > 0 && isServing(previous)) {
      // A failed reload leaves the old versions serving and discards the new ones.
      await Promise.all([...fresh.values()].map(a => retire(a)));
    } else {
      this.#models.set(name, { versions: fresh });
      if (previous) this.#retireInBackground([...previous.versions.values()]);
    }
    if (failures.length > 0) {
      const why = failures.map(
        ([v, a]) => `version ${v}: ${a.getSnapshot().context.reason ?? 'unknown'}`,
      );
      throw loadFailed(name, why.join('; '));
    }
  }

  #retireInBackground(actors: ModelVersionActor[]): void {
    const p = Promise.all(actors.map(a => retire(a))).finally(() => this.#retiring.delete(p));
    this.#retiring.add(p);
  }

  #serialize<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.#locks.get(name) ?? Promise.resolve();
    const next = prev.then(fn, fn);
    const tail = next.catch(() => undefined);
    this.#locks.set(name, tail);
    void tail.then(() => {
      if (this.#locks.get(name) === tail) this.#locks.delete(name);
    });
    return next;
  }
}

function isServing(entry: ModelEntry | undefined): boolean {
  return entry !== undefined && [...entry.versions.values()].some(a => stateOf(a) === 'READY');
}

/** Triton's answer to a failed load (model_repository_manager.cc `LoadUnloadModels`). */
function loadFailed(name: string, why: string): EngineError {
  return new EngineError('INVALID_ARG', `load failed for model '${name}': ${why}`);
}

async function retire(actor: ModelVersionActor): Promise<void> {
  const s = stateOf(actor);
  if (s === 'READY' || s === 'LOADING') sendEvent(actor, { type: 'UNLOAD' });
  await settled(actor);
}

function loadedOf<V>(actor: ModelVersionActor): V {
  return actor.getSnapshot().context.loaded as V;
}
