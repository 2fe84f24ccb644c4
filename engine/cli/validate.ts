/**
 * @module `braid validate`: checks every model config and pipeline of a repository without
 * serving it, with file:line:col errors; `--explain` prints plans (as text or xstate machines).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AnyBackend } from '../core/backend.js';
import { toEngineError } from '../core/errors.js';
import type { CatalogModel } from '../core/model-catalog.js';
import { noopLogger } from '../core/logger.js';
import {
  DEFAULT_MAX_BATCH_SIZE,
  missingVersions,
  scanRepository,
  selectVersions,
  type RepositoryModel,
} from '../repository/index.js';
import { catalogModel } from '../runtime/load-order.js';
import { prepareVersion } from '../runtime/load-version.js';
import { readWarmupSamples } from '../runtime/warmup-samples.js';
import { modelDependencies, readConfig } from '../runtime/model-loader.js';
import {
  createStaticCatalog,
  explainPlan,
  formatDiagnostic,
  planMachineConfig,
  type PipelineBackend,
  type PlanMachineConfig,
} from '../../pipelines/index.js';
import { parse } from './args.js';
import { standardBackends } from './backends.js';

/** Help text of `braid validate`. */
export const VALIDATE_HELP = `Usage: braid validate DIR [--strict-model-config] [--explain [--format text|xstate]]

Checks every model and pipeline in the repository DIR without serving it: config syntax and schema
(with file, line and column), version directories, backend and model file, that the config agrees
with the model file (tensor names, datatypes, ranks), and each pipeline's wiring, types and shapes
against the models it uses. Prints one line per problem; exits 1 if there is any. DIR may also be
one model of a repository (its directory, or its pipeline file): the repository is checked and
only that model explained.
--explain also prints each pipeline's compiled plan: steps in order, edge types, parallel levels.
--format xstate prints instead the state machine requests of each pipeline run through, as the
JSON config of an xstate machine (load it with createMachine or in Stately's tools): one machine
for one model, an array of them for a repository. Problems still print as ERROR lines.
`;

interface Context {
  readonly print: (line: string) => void;
  readonly strict: boolean;
  readonly backends: readonly AnyBackend[];
  /** What --explain prints, and of which model; undefined without --explain. */
  readonly explain?: { readonly format: 'text' | 'xstate'; readonly model?: string };
  readonly machines: PlanMachineConfig[];
  problems: number;
}

/** The repository to check and, when DIR is one model of it, that model's name. */
async function resolveTarget(dir: string): Promise<{ repository: string; model?: string }> {
  let at = path.resolve(dir);
  if ((await stat(at)).isFile()) at = path.dirname(at);
  const entries = await readdir(at);
  const isVersion = /^\d+$/.test(path.basename(at));
  const isModel =
    isVersion || entries.some(e => /^\d+$/.test(e) || /^config\.(pbtxt|ya?ml|json)$/.test(e));
  if (!isModel) return { repository: dir };
  const modelDir = isVersion ? path.dirname(at) : at;
  return {
    repository: path.relative('.', path.dirname(modelDir)) || '.',
    model: path.basename(modelDir),
  };
}

/**
 * Runs `braid validate`; returns the exit code. Models are checked first; pipelines are then
 * compiled against the signatures of the models that passed.
 *
 * @example
 * const code = await runValidate(['examples/model_repository', '--explain'], console.log);
 */
export async function runValidate(argv: string[], print: (line: string) => void): Promise<number> {
  const { values, positionals } = parse(argv, {
    'strict-model-config': { type: 'boolean', default: false },
    explain: { type: 'boolean', default: false },
    format: { type: 'string', default: 'text' },
    help: { type: 'boolean', short: 'h', default: false },
  });
  const dir = positionals[0];
  if (values.help || !dir || positionals.length > 1) {
    print(VALIDATE_HELP);
    return values.help ? 0 : 2;
  }
  if (values.format !== 'text' && values.format !== 'xstate') {
    print(`--format must be text or xstate, got '${values.format}'`);
    return 2;
  }
  if (values.format !== 'text' && !values.explain) {
    print('--format applies to --explain; add --explain');
    return 2;
  }
  const target = await resolveTarget(dir);
  const xstate = values.format === 'xstate';
  const scan = await scanRepository(target.repository);
  const catalogModels: CatalogModel[] = [];
  const catalog = createStaticCatalog(catalogModels);
  const explain = values.explain
    ? {
        format: xstate ? ('xstate' as const) : ('text' as const),
        ...(target.model ? { model: target.model } : {}),
      }
    : undefined;
  const ctx: Context = {
    // The machine is JSON for other tools: only problems print beside it.
    print: xstate
      ? line => (line.startsWith('ERROR') || line.startsWith('  ') ? print(line) : undefined)
      : print,
    strict: values['strict-model-config'],
    backends: standardBackends(catalog, { logger: noopLogger }),
    ...(explain ? { explain } : {}),
    machines: [],
    problems: 0,
  };
  const models = [...scan.models.values()].sort((a, b) => a.name.localeCompare(b.name));
  const pipelines: RepositoryModel[] = [];
  for (const model of models) {
    if (await modelDependencies(model, { backends: ctx.backends, strictModelConfig: ctx.strict }))
      pipelines.push(model);
    else catalogModels.push(...(await validateModel(model, ctx)));
  }
  for (const model of pipelines) catalogModels.push(...(await validateModel(model, ctx)));
  if (target.model !== undefined && !scan.models.has(target.model)) {
    ctx.problems++;
    print(`ERROR ${target.model}: not a model of repository ${target.repository}`);
  }
  if (xstate && ctx.problems === 0)
    print(
      JSON.stringify(
        target.model === undefined ? ctx.machines : (ctx.machines[0] ?? null),
        null,
        2,
      ),
    );
  else if (!xstate)
    print(
      ctx.problems === 0
        ? `${scan.models.size} model(s), no problems`
        : `${ctx.problems} problem(s)`,
    );
  return ctx.problems === 0 ? 0 : 1;
}

async function validateModel(model: RepositoryModel, ctx: Context): Promise<CatalogModel[]> {
  const explain =
    ctx.explain !== undefined &&
    (ctx.explain.model === undefined || ctx.explain.model === model.name);
  const report = (msg: string) => {
    ctx.problems++;
    ctx.print(`ERROR ${model.name}: ${msg}`);
  };
  const described: CatalogModel[] = [];
  try {
    const { config, explicitMaxBatch, source } = await readConfig(
      model,
      { strictModelConfig: ctx.strict, warn: line => ctx.print(`WARN  ${model.name}: ${line}`) },
      undefined,
    );
    if (model.versions.length === 0) report(`no version directories in ${model.dir}`);
    const missing = missingVersions(config.version_policy, model.versions);
    if (missing.length > 0)
      report(`version_policy names version(s) ${missing.join(', ')} not found in ${model.dir}`);
    const opts = {
      backends: ctx.backends,
      defaultMaxBatchSize: DEFAULT_MAX_BATCH_SIZE,
      gpuCount: 0,
      ...(source ? { source } : {}),
    };
    for (const v of selectVersions(config.version_policy, model.versions)) {
      try {
        const prepared = await prepareVersion(model, v, config, explicitMaxBatch, opts);
        // Samples are checked as a load checks them, short of running them.
        await readWarmupSamples(model.dir, prepared.config);
        described.push(catalogModel(prepared.config, model.name, v));
        if (explain && 'compile' in prepared.backend) {
          const context = { config: prepared.config, ...(source ? { source } : {}) };
          const compiled = await (prepared.backend as PipelineBackend).compile(
            prepared.files,
            context,
          );
          for (const d of compiled.diagnostics) ctx.print(`WARN  ${formatDiagnostic(d)}`);
          if (ctx.explain?.format === 'xstate') ctx.machines.push(planMachineConfig(compiled.plan));
          else ctx.print(explainPlan(compiled.plan));
        }
      } catch (e) {
        report(`version ${v}: ${toEngineError(e).message}`);
      }
    }
    if (described.length > 0) {
      const how = model.configFile
        ? ` (${path.basename(model.configFile)})`
        : ' (auto-completed config)';
      ctx.print(
        `OK    ${model.name}: version(s) ${described.map(d => d.version).join(', ')}${how}`,
      );
    }
  } catch (e) {
    report(toEngineError(e).message);
  }
  return described;
}
