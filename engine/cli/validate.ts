/**
 * @module `braid validate`: checks every model config and pipeline of a repository without
 * serving it, with file:line:col errors.
 */
import path from 'node:path';
import type { AnyBackend } from '../core/backend.js';
import { toEngineError } from '../core/errors.js';
import type { CatalogModel } from '../core/model-catalog.js';
import { noopLogger } from '../core/logger.js';
import { DEFAULT_MAX_BATCH_SIZE, missingVersions, scanRepository, selectVersions, type RepositoryModel } from '../repository/index.js';
import { catalogModel } from '../runtime/load-order.js';
import { prepareVersion } from '../runtime/load-version.js';
import { modelDependencies, readConfig } from '../runtime/model-loader.js';
import { createStaticCatalog, explainPlan, formatDiagnostic, type PipelineBackend } from '../../pipelines/index.js';
import { parse } from './args.js';
import { standardBackends } from './backends.js';

/** Help text of `braid validate`. */
export const VALIDATE_HELP = `Usage: braid validate DIR [--strict-model-config] [--explain]

Checks every model and pipeline in the repository DIR without serving it: config syntax and schema
(with file, line and column), version directories, backend and model file, that the config agrees
with the model file (tensor names, datatypes, ranks), and each pipeline's wiring, types and shapes
against the models it uses. Prints one line per problem; exits 1 if there is any.
--explain also prints each pipeline's compiled plan: steps in order, edge types, parallel levels.
`;

interface Context {
  readonly print: (line: string) => void;
  readonly strict: boolean;
  readonly backends: readonly AnyBackend[];
  problems: number;
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
    help: { type: 'boolean', short: 'h', default: false },
  });
  const dir = positionals[0];
  if (values.help || !dir || positionals.length > 1) {
    print(VALIDATE_HELP);
    return values.help ? 0 : 2;
  }
  const scan = await scanRepository(dir);
  const catalogModels: CatalogModel[] = [];
  const catalog = createStaticCatalog(catalogModels);
  const ctx: Context = { print, strict: values['strict-model-config'], backends: standardBackends(catalog, { logger: noopLogger }), problems: 0 };
  const models = [...scan.models.values()].sort((a, b) => a.name.localeCompare(b.name));
  const pipelines: RepositoryModel[] = [];
  for (const model of models) {
    if (await modelDependencies(model, { backends: ctx.backends, strictModelConfig: ctx.strict })) pipelines.push(model);
    else catalogModels.push(...(await validateModel(model, ctx)));
  }
  for (const model of pipelines) catalogModels.push(...(await validateModel(model, ctx, values.explain)));
  print(ctx.problems === 0 ? `${scan.models.size} model(s), no problems` : `${ctx.problems} problem(s)`);
  return ctx.problems === 0 ? 0 : 1;
}

async function validateModel(model: RepositoryModel, ctx: Context, explain = false): Promise<CatalogModel[]> {
  const report = (msg: string) => {
    ctx.problems++;
    ctx.print(`ERROR ${model.name}: ${msg}`);
  };
  const described: CatalogModel[] = [];
  try {
    const { config, explicitMaxBatch, source } = await readConfig(model, { strictModelConfig: ctx.strict, warn: line => ctx.print(`WARN  ${model.name}: ${line}`) }, undefined);
    if (model.versions.length === 0) report(`no version directories in ${model.dir}`);
    const missing = missingVersions(config.version_policy, model.versions);
    if (missing.length > 0) report(`version_policy names version(s) ${missing.join(', ')} not found in ${model.dir}`);
    const opts = { backends: ctx.backends, defaultMaxBatchSize: DEFAULT_MAX_BATCH_SIZE, gpuCount: 0, ...(source ? { source } : {}) };
    for (const v of selectVersions(config.version_policy, model.versions)) {
      try {
        const prepared = await prepareVersion(model, v, config, explicitMaxBatch, opts);
        described.push(catalogModel(prepared.config, model.name, v));
        if (explain && 'compile' in prepared.backend) {
          const context = { config: prepared.config, ...(source ? { source } : {}) };
          const compiled = await (prepared.backend as PipelineBackend).compile(prepared.files, context);
          for (const d of compiled.diagnostics) ctx.print(`WARN  ${formatDiagnostic(d)}`);
          ctx.print(explainPlan(compiled.plan));
        }
      } catch (e) {
        report(`version ${v}: ${toEngineError(e).message}`);
      }
    }
    if (described.length > 0) {
      const how = model.configFile ? ` (${path.basename(model.configFile)})` : ' (auto-completed config)';
      ctx.print(`OK    ${model.name}: version(s) ${described.map(d => d.version).join(', ')}${how}`);
    }
  } catch (e) {
    report(toEngineError(e).message);
  }
  return described;
}
