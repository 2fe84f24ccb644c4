/**
 * @module Triton's ensembles (`platform: "ensemble"` with `ensemble_scheduling`) as pipelines:
 * the config's inputs, outputs and steps become a pipeline in the file's shape, compiled and
 * checked like any pipeline against the models the steps call, with every diagnostic pointing
 * at the config file's lines (config.pbtxt or config.yaml). Semantics follow Triton's ensemble
 * scheduler: `model_version: -1` is the latest ready version; `input_map` maps a model input to
 * the ensemble tensor it reads, `output_map` a model output to the tensor it becomes; with
 * max_batch_size > 0 every ensemble tensor has a batch dimension first.
 */
import type { ConfigSource, ModelDependency } from '../engine/core/backend.js';
import { fromConfigDataType } from '../engine/core/datatype.js';
import type { DataType } from '../engine/core/datatype.js';
import type { ModelCatalog } from '../engine/core/model-catalog.js';
import type { ModelConfig, ModelInput, ModelOutput } from '../engine/core/model-config.js';
import { compilePipelineFile } from './compile.js';
import type { CompiledPipeline } from './compile.js';
import { Diagnostics } from './diagnostics.js';
import type { PipelineFile, StepDecl, TensorDecl } from './schema.js';
import type { SourceLocator, YamlPath } from './source.js';

/** Options of {@link compileEnsemble}. */
export interface EnsembleOptions {
  /** The ensemble's name (its directory in the repository). */
  readonly name: string;
  /** The models the steps call. */
  readonly catalog: ModelCatalog;
  /** The config file, for positions; without it diagnostics name `fallbackFile` at line 0. */
  readonly source?: ConfigSource;
  readonly fallbackFile: string;
}

type Ensemble = NonNullable<ModelConfig['ensemble_scheduling']>;

/**
 * Compiles an ensemble config into an execution plan. Throws PipelineLoadError listing every
 * problem with the config file's line and column (UNAVAILABLE when a step's model is not ready).
 *
 * @example
 * const { plan } = await compileEnsemble(config, { name: 'ens', catalog, source, fallbackFile: 'ens/config.pbtxt' });
 */
export async function compileEnsemble(
  config: ModelConfig,
  opts: EnsembleOptions,
): Promise<CompiledPipeline> {
  const file = opts.source?.file ?? opts.fallbackFile;
  const diag = new Diagnostics(file, ensembleLocator(config, opts.source));
  const name = `ensemble '${opts.name}'`;
  return compilePipelineFile(
    ensemblePipeline(config),
    diag,
    { name: opts.name, file, baseDir: '.', catalog: opts.catalog },
    {
      afterResolve: (steps, sigs, d) => {
        for (const s of steps) {
          const mbs = sigs.get(s.index)?.maxBatchSize ?? 0;
          if (mbs !== 0 && mbs < config.max_batch_size) {
            d.error(
              { path: [...s.path, 'model'], step: s.name },
              `${name} allows maximum batch size ${config.max_batch_size}, but it contains model '${s.decl.model}' which only allows maximum batch size to be ${mbs}`,
            );
          }
        }
      },
    },
  );
}

/**
 * The pipeline an ensemble config stands for. Steps are named after their model (`model#2` when
 * a model is called by more than one step); tensors keep the config's names.
 *
 * @example
 * ensemblePipeline(config).steps[0]; // { name: 'simple', model: 'simple', inputs: { INPUT0: 'IN' }, ... }
 */
export function ensemblePipeline(config: ModelConfig): PipelineFile {
  const ens = config.ensemble_scheduling!;
  const batch = config.max_batch_size > 0;
  const decl = (t: ModelInput | ModelOutput, optional: boolean): TensorDecl => ({
    datatype: fromConfigDataType(t.data_type) as DataType,
    shape: [...(batch ? [-1] : []), ...(t.reshape?.shape ?? t.dims)],
    optional,
  });
  return {
    inputs: Object.fromEntries(config.input.map(i => [i.name, decl(i, i.optional)])),
    outputs: Object.fromEntries(config.output.map(o => [o.name, decl(o, false)])),
    steps: ens.step.map((s, k) => stepDecl(ens, k, s)),
  };
}

function stepDecl(ens: Ensemble, k: number, s: Ensemble['step'][number]): StepDecl {
  const sameModel = ens.step.filter(x => x.model_name === s.model_name).length > 1;
  return {
    name: sameModel ? `${s.model_name}#${k + 1}` : s.model_name,
    model: s.model_name,
    ...(s.model_version === -1 ? {} : { version: s.model_version }),
    instances: 1,
    inputs: { ...s.input_map },
    outputs: { ...s.output_map },
  };
}

/**
 * The models an ensemble's steps call, as load order needs them.
 *
 * @example
 * ensembleDependencies(config); // [{ name: 'simple' }, { name: 'simple_mul', version: 2 }]
 */
export function ensembleDependencies(config: ModelConfig): ModelDependency[] {
  const seen = new Map<string, ModelDependency>();
  for (const s of config.ensemble_scheduling?.step ?? []) {
    const dep =
      s.model_version === -1
        ? { name: s.model_name }
        : { name: s.model_name, version: s.model_version };
    seen.set(`${dep.name}@${dep.version ?? ''}`, dep);
  }
  return [...seen.values()];
}

const STEP_FIELDS: Readonly<Record<string, string>> = {
  model: 'model_name',
  version: 'model_version',
  inputs: 'input_map',
  outputs: 'output_map',
};

/**
 * Maps a pipeline path (`steps[0].inputs.X`) to the config's (`ensemble_scheduling.step[0].input_map.X`);
 * an ensemble input or output points at its name.
 */
function ensembleLocator(config: ModelConfig, source: ConfigSource | undefined): SourceLocator {
  return (path, opts = {}) => {
    if (!source) return undefined;
    const { to, key } = configPath(config, path, opts.key ?? false);
    return source.locate(to, { key });
  };
}

function configPath(
  config: ModelConfig,
  path: YamlPath,
  key: boolean,
): { to: PropertyKey[]; key: boolean } {
  const [head, second, third, ...rest] = path;
  if (head === 'inputs' || head === 'outputs') {
    const field = head === 'inputs' ? 'input' : 'output';
    const at = (config[field] as readonly { name: string }[]).findIndex(t => t.name === second);
    return { to: at === -1 ? [field] : [field, at, 'name'], key: false };
  }
  if (head !== 'steps' || typeof second !== 'number') return { to: [], key: false };
  const step = ['ensemble_scheduling', 'step', second];
  const field = third === undefined ? undefined : STEP_FIELDS[String(third)];
  const whole = third === undefined || field !== undefined;
  return { to: field === undefined ? step : [...step, field, ...rest], key: key && whole };
}
