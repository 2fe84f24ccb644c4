/**
 * @module Which models a test engine loads: the tested models and what they call, except those
 * that stubs replace in every request that reaches them. A model stubbed in one case and real
 * in another is loaded; a pipeline replaced entirely is not looked into.
 */
import { replacesEntirely } from './stubs.js';
import type { StubSpec } from './stubs.js';

/** One tested model and the stub sets of its requests (one per case; file stubs merged in). */
export interface LoadTarget {
  readonly model: string;
  readonly stubSets: readonly Readonly<Record<string, StubSpec>>[];
}

/** What to load, and what is left to stubs. */
export interface LoadPlan {
  readonly load: readonly string[];
  /** Models only ever answered by stubs: not loaded; their signatures come from their configs. */
  readonly unloaded: readonly string[];
}

/**
 * Walks from each target through what it calls, per stub set.
 *
 * @example
 * await planLoads([{ model: 'ocr', stubSets: [{ ocr_det: { outputs } }] }], dependencies);
 * // { load: ['ocr', 'ocr_preprocess', 'ocr_db_post', ...], unloaded: ['ocr_det'] }
 */
export async function planLoads(
  targets: readonly LoadTarget[],
  dependencies: (model: string) => Promise<readonly string[]>,
): Promise<LoadPlan> {
  const deps = new Map<string, Promise<readonly string[]>>();
  const depsOf = (m: string) => {
    let d = deps.get(m);
    if (!d) deps.set(m, (d = dependencies(m)));
    return d;
  };
  const real = new Set<string>();
  const stubbed = new Set<string>();
  for (const target of targets) {
    const sets = target.stubSets.length > 0 ? target.stubSets : [{}];
    for (const stubs of sets) {
      real.add(target.model);
      const queue = [...(await depsOf(target.model))];
      const seen = new Set<string>([target.model]);
      while (queue.length > 0) {
        const m = queue.shift()!;
        if (seen.has(m)) continue;
        seen.add(m);
        const stub = stubs[m];
        if (stub && replacesEntirely(stub)) {
          stubbed.add(m);
          continue;
        }
        real.add(m);
        queue.push(...(await depsOf(m)));
      }
    }
  }
  return { load: [...real].sort(), unloaded: [...stubbed].filter(m => !real.has(m)).sort() };
}
