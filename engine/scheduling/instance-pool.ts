/**
 * @module The instances of one model version: each runs one batch at a time, all of them in
 * parallel.
 */
import { EngineError } from '../core/errors.js';
import type { ModelInstance } from '../core/backend.js';

/**
 * Hands out free instances, least recently used first so work spreads over all of them.
 *
 * @example
 * const pool = new InstancePool(instances, "model 'm' version 1");
 * const inst = pool.acquire();
 * if (inst) { try { await inst.execute(inputs, opts); } finally { pool.release(inst); } }
 */
export class InstancePool {
  readonly #label: string;
  readonly #all: ReadonlySet<ModelInstance>;
  /** Free instances, the one freed longest ago first. */
  readonly #free: ModelInstance[];
  readonly #busy = new Set<ModelInstance>();

  /** Throws EngineError INTERNAL when `instances` is empty: such a model could never run. */
  constructor(instances: readonly ModelInstance[], label: string) {
    if (instances.length === 0)
      throw new EngineError('INTERNAL', `${label} has no instances to schedule on`);
    this.#label = label;
    this.#all = new Set(instances);
    this.#free = [...instances];
  }

  /** Total instances. */
  get size(): number {
    return this.#all.size;
  }

  /** Instances executing a batch now. */
  get busyCount(): number {
    return this.#busy.size;
  }

  /** Whether {@link acquire} would return an instance. */
  get hasFree(): boolean {
    return this.#free.length > 0;
  }

  /** Takes a free instance, or `undefined` when all are busy. */
  acquire(): ModelInstance | undefined {
    const inst = this.#free.shift();
    if (inst) this.#busy.add(inst);
    return inst;
  }

  /** Returns an instance taken with {@link acquire}. Throws EngineError INTERNAL otherwise. */
  release(inst: ModelInstance): void {
    if (!this.#busy.delete(inst)) {
      const why = this.#all.has(inst) ? 'it is not busy' : 'it is not one of its instances';
      throw new EngineError('INTERNAL', `${this.#label}: cannot release an instance: ${why}`);
    }
    this.#free.push(inst);
  }
}
