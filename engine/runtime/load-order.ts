/**
 * @module Load order by dependency: plain models first, then pipelines after the models they call;
 * and a loaded version as the catalog shows it to pipelines.
 */
import type { ModelConfig } from '../core/model-config.js';
import type { CatalogModel } from '../core/model-catalog.js';
import { modelMetadata } from './metadata.js';

/**
 * Groups models into load waves: every ordinary model (no entry in `deps`) first, then models
 * that call others (pipelines), each in a wave after the ones it uses. Models left in a cycle or
 * waiting on a missing model form a last wave, so their loads run and report why they fail.
 * Pure.
 *
 * @example
 * loadWaves(['ocr', 'det', 'rec'], new Map([['ocr', ['det', 'rec']]])); // [['det', 'rec'], ['ocr']]
 */
export function loadWaves(
  names: readonly string[],
  deps: ReadonlyMap<string, readonly string[]>,
): string[][] {
  const waves = [names.filter(n => !deps.has(n))];
  const pending = new Set(names.filter(n => deps.has(n)));
  while (pending.size > 0) {
    const ready = [...pending].filter(n => deps.get(n)!.every(d => !pending.has(d)));
    const wave = ready.length > 0 ? ready : [...pending];
    waves.push(wave);
    for (const n of wave) pending.delete(n);
  }
  return waves.filter(w => w.length > 0);
}

/**
 * A loaded model version as a pipeline sees it through the catalog: the protocol's metadata
 * plus batching and optional inputs.
 */
export function catalogModel(config: ModelConfig, name: string, version: number): CatalogModel {
  const md = modelMetadata(config, name, [String(version)]);
  const optional = new Set(config.input.filter(i => i.optional).map(i => i.name));
  return {
    name,
    version,
    platform: md.platform,
    maxBatchSize: config.max_batch_size,
    inputs: md.inputs.map(i => (optional.has(i.name) ? { ...i, optional: true } : i)),
    outputs: md.outputs,
    ...(config.model_transaction_policy.decoupled ? { decoupled: true } : {}),
  };
}
