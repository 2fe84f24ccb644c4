/**
 * @module What a model's client sees of its instance's outputs: the requested outputs in the
 * requested order, with each output's `reshape` undone so shapes follow the config's dims.
 */
import { EngineError } from '../core/errors.js';
import type { ModelConfig, ModelOutput } from '../core/model-config.js';
import { elementCount, type TensorMap } from '../core/tensor.js';

/** Shapes the outputs an instance produced for one request; throws INTERNAL for a missing one. */
export type OutputShaper = (names: readonly string[] | undefined, produced: TensorMap) => TensorMap;

/**
 * The output shaper of one model version, with its config indexed once. `names` absent means
 * every output, in config order.
 *
 * @example
 * const shape = outputShaper(config, 'simple');
 * const outputs = shape(['OUTPUT1'], produced);
 */
export function outputShaper(config: ModelConfig, model: string): OutputShaper {
  const specs = new Map<string, ModelOutput>(config.output.map(o => [o.name, o]));
  const all = config.output.map(o => o.name);
  const reshapes = config.output.some(o => o.reshape);
  const batching = config.max_batch_size > 0;
  return (names = all, produced) => {
    if (!reshapes && sameKeys(produced, names)) return produced;
    const out: TensorMap = new Map();
    for (const name of names) {
      const t = produced.get(name);
      if (!t)
        throw new EngineError('INTERNAL', `model '${model}' did not produce output '${name}'`);
      const spec = specs.get(name);
      if (!spec?.reshape) {
        out.set(name, t);
        continue;
      }
      const per = batching ? elementCount(t.shape) / t.shape[0]! : elementCount(t.shape);
      const dims = resolveWildcard(spec.dims, per);
      out.set(name, { ...t, shape: batching ? [t.shape[0]!, ...dims] : dims });
    }
    return out;
  };
}

/**
 * Replaces a single -1 in `shape` so the shape holds `count` elements.
 *
 * @example
 * resolveWildcard([-1, 4], 12); // [3, 4]
 */
export function resolveWildcard(shape: readonly number[], count: number): number[] {
  const known = shape.reduce((n, d) => (d === -1 ? n : n * d), 1);
  return shape.map(d => (d === -1 ? count / known : d));
}

/** Whether `map` holds exactly `names`, in that order. */
function sameKeys(map: TensorMap, names: readonly string[]): boolean {
  if (map.size !== names.length) return false;
  let i = 0;
  for (const key of map.keys()) if (key !== names[i++]) return false;
  return true;
}
