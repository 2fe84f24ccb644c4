/**
 * @module The checks Triton makes on an ensemble's own config (ensemble_scheduling), as problems
 * at paths into the config.
 */
import type { ModelConfig } from '../core/model-config.js';

/** A problem of an ensemble's config, at a path into the config (for file:line:col). */
export interface EnsembleProblem {
  readonly path: readonly PropertyKey[];
  /** Point at the key of the last path segment rather than its value. */
  readonly key?: boolean;
  readonly message: string;
}

type Ensemble = NonNullable<ModelConfig['ensemble_scheduling']>;

/**
 * The checks Triton's ValidateEnsembleSchedulingConfig makes on an ensemble's own config
 * (triton-inference-server/core, src/model_config_utils.cc), with its messages: the platform is
 * `ensemble`; no instance groups, optimization or dynamic batcher; every step names a model,
 * an input_map and an output_map; and the dataflow: each ensemble tensor written once, every
 * input used, every output written, nothing written that nobody reads. Checks that need the
 * models the steps call (names, types, shapes) run when the ensemble loads. `raw` is the config
 * as written, to tell an `optimization` block from the defaults. Pure; empty when the config has
 * no ensemble_scheduling.
 *
 * @example
 * ensembleProblems(config, raw); // [{ path: ['input', 0], message: "ensemble input 'X' for ensemble 'e' is not used" }]
 */
export function ensembleProblems(config: ModelConfig, raw: unknown): EnsembleProblem[] {
  const ens = config.ensemble_scheduling;
  if (!ens) return [];
  const name = `ensemble '${config.name}'`;
  const out: EnsembleProblem[] = [];
  if (config.platform !== 'ensemble') {
    const found = config.platform === '' ? 'none' : `'${config.platform}'`;
    out.push({
      path: ['ensemble_scheduling'],
      key: true,
      message: `ensemble scheduling cannot be set for model '${config.name}' whose platform is not ensemble (found ${found})`,
    });
  }
  const written = raw !== null && typeof raw === 'object' ? raw : {};
  if (config.instance_group.length > 0)
    out.push({
      path: ['instance_group'],
      key: true,
      message: `instance group should not be specified for ${name}`,
    });
  if ('optimization' in written)
    out.push({
      path: ['optimization'],
      key: true,
      message: `optimization should not be specified for ${name}`,
    });
  if (config.dynamic_batching)
    out.push({
      path: ['dynamic_batching'],
      key: true,
      message: `dynamic_batching cannot be set with ensemble_scheduling: model_config.proto's scheduling_choice holds one of them (${name})`,
    });
  if (config.sequence_batching)
    out.push({
      path: ['sequence_batching'],
      key: true,
      message: `sequence_batching cannot be set with ensemble_scheduling: model_config.proto's scheduling_choice holds one of them (${name})`,
    });
  for (const io of ['input', 'output'] as const) {
    if (config[io].length === 0)
      out.push({
        path: ['ensemble_scheduling'],
        key: true,
        message: `${name} must specify '${io}': an ensemble's ${io}s are not auto-completed`,
      });
  }
  if (ens.step.length === 0) {
    out.push({
      path: ['ensemble_scheduling'],
      key: true,
      message: `must specify 'step' for ${name}`,
    });
    return out;
  }
  out.push(...stepProblems(ens, name));
  if (out.length === 0) out.push(...dataflowProblems(config, ens, name));
  return out;
}

function stepProblems(ens: Ensemble, name: string): EnsembleProblem[] {
  const out: EnsembleProblem[] = [];
  ens.step.forEach((s, k) => {
    const path = ['ensemble_scheduling', 'step', k];
    if (s.model_name === '')
      out.push({ path, message: `must specify 'model_name' in step ${k} of ${name}` });
    if (Object.keys(s.input_map).length === 0)
      out.push({ path, message: `must specify 'input_map' in step ${k} of ${name}` });
    if (Object.keys(s.output_map).length === 0)
      out.push({ path, message: `must specify 'output_map' in step ${k} of ${name}` });
    if (s.model_version !== -1 && s.model_version < 1) {
      out.push({
        path: [...path, 'model_version'],
        message: `model_version in step ${k} of ${name} must be -1 (the latest version) or a version number >= 1, found ${s.model_version}`,
      });
    }
  });
  return out;
}

function dataflowProblems(config: ModelConfig, ens: Ensemble, name: string): EnsembleProblem[] {
  const out: EnsembleProblem[] = [];
  const inputs = new Set(config.input.map(i => i.name));
  const outputs = new Set(config.output.map(o => o.name));
  const writer = new Map<string, number>();
  const read = new Set<string>();
  ens.step.forEach((s, k) => {
    for (const t of Object.values(s.input_map)) read.add(t);
    for (const [param, t] of Object.entries(s.output_map)) {
      const path = ['ensemble_scheduling', 'step', k, 'output_map', param];
      const first = writer.get(t);
      if (inputs.has(t))
        out.push({
          path,
          message: `ensemble tensor '${t}' is an input of ${name}: step ${k} cannot write it`,
        });
      else if (first !== undefined)
        out.push({
          path,
          message: `ensemble tensor '${t}' can appear in an output map only once for ${name} step ${k} (step ${first} writes it too)`,
        });
      else writer.set(t, k);
    }
  });
  config.input.forEach((i, n) => {
    if (!read.has(i.name) && !outputs.has(i.name))
      out.push({
        path: ['input', n, 'name'],
        message: `ensemble input '${i.name}' for ${name} is not used`,
      });
  });
  config.output.forEach((o, n) => {
    if (!writer.has(o.name) && !inputs.has(o.name))
      out.push({
        path: ['output', n, 'name'],
        message: `output '${o.name}' for ${name} is not written`,
      });
  });
  ens.step.forEach((s, k) => {
    for (const [param, t] of Object.entries(s.input_map)) {
      if (!writer.has(t) && !inputs.has(t)) {
        out.push({
          path: ['ensemble_scheduling', 'step', k, 'input_map', param],
          message: `ensemble tensor '${t}' read by step ${k} of ${name} is written by no step and is not an ensemble input`,
        });
      }
    }
    for (const [param, t] of Object.entries(s.output_map)) {
      if (writer.get(t) === k && !read.has(t) && !outputs.has(t)) {
        out.push({
          path: ['ensemble_scheduling', 'step', k, 'output_map', param],
          message: `ensemble tensor '${t}' is unused in ${name}`,
        });
      }
    }
  });
  return out;
}
