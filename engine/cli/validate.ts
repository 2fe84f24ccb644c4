import { createOnnxRuntimeBackend } from '../../backends/onnxruntime/index.js';
import { toEngineError } from '../core/errors.js';
import { DEFAULT_MAX_BATCH_SIZE, missingVersions, scanRepository, selectVersions } from '../repository/index.js';
import { prepareVersion, readConfig } from '../runtime/model-loader.js';
import { parse } from './args.js';

/** Help text of `braid validate`. */
export const VALIDATE_HELP = `Usage: braid validate DIR [--strict-model-config]

Checks every model in the repository DIR without serving it: config syntax and schema (with file,
line and column), version directories, backend and model file, and that the config agrees with the
model file (tensor names, datatypes, ranks). Prints one line per problem; exits 1 if there is any.
`;

/**
 * Runs `braid validate`; returns the exit code.
 *
 * @example
 * const code = await runValidate(['examples/model_repository'], console.log);
 */
export async function runValidate(argv: string[], print: (line: string) => void): Promise<number> {
  const { values, positionals } = parse(argv, {
    'strict-model-config': { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  });
  if (values.help) {
    print(VALIDATE_HELP);
    return 0;
  }
  const dir = positionals[0];
  if (!dir || positionals.length > 1) {
    print(VALIDATE_HELP);
    return 2;
  }
  const opts = { backends: [createOnnxRuntimeBackend()], defaultMaxBatchSize: DEFAULT_MAX_BATCH_SIZE, gpuCount: 0 };
  const scan = await scanRepository(dir);
  let problems = 0;
  for (const model of [...scan.models.values()].sort((a, b) => a.name.localeCompare(b.name))) {
    const report = (msg: string) => {
      problems++;
      print(`ERROR ${model.name}: ${msg}`);
    };
    try {
      const { config, explicitMaxBatch } = await readConfig(model, { strictModelConfig: values['strict-model-config'] }, undefined);
      if (model.versions.length === 0) report(`no version directories in ${model.dir}`);
      const missing = missingVersions(config.version_policy, model.versions);
      if (missing.length > 0) report(`version_policy names version(s) ${missing.join(', ')} not found in ${model.dir}`);
      const ok: number[] = [];
      for (const v of selectVersions(config.version_policy, model.versions)) {
        try {
          await prepareVersion(model, v, config, explicitMaxBatch, opts);
          ok.push(v);
        } catch (e) {
          report(`version ${v}: ${toEngineError(e).message}`);
        }
      }
      if (ok.length > 0) print(`OK    ${model.name}: version(s) ${ok.join(', ')}${model.configFile ? '' : ' (auto-completed config)'}`);
    } catch (e) {
      report(toEngineError(e).message);
    }
  }
  print(problems === 0 ? `${scan.models.size} model(s), no problems` : `${problems} problem(s)`);
  return problems === 0 ? 0 : 1;
}
