/**
 * @module Finds the signature of every step's target: models through the catalog (so a
 * pipeline loads only against models that are ready), modules through the JS backend.
 */
import path from 'node:path';
import type { Backend, ModelFiles } from '../engine/core/backend.js';
import { isEngineError } from '../engine/core/errors.js';
import { checkModelPath } from '../engine/core/model-path.js';
import type { CatalogTensor, ModelCatalog } from '../engine/core/model-catalog.js';
import type { Diagnostics } from './diagnostics.js';
import type { NormStep } from './normalize.js';

/** What a step's target takes and returns. */
export interface StepSignature {
  /** How messages name the target: `model 'det' version 2`, `module 'pre.ts'`. */
  readonly label: string;
  readonly maxBatchSize: number;
  readonly inputs: readonly CatalogTensor[];
  readonly outputs: readonly CatalogTensor[];
  /** Model steps: the model sends any number of responses per request. */
  readonly decoupled?: boolean;
  /** Module steps: the module file, absolute. */
  readonly modulePath?: string;
}

/** Where signatures come from. */
export interface ResolveOptions {
  readonly catalog: ModelCatalog;
  /** Runs `module:` steps; without it such steps are an error. */
  readonly modules?: Backend;
  /** Directory module paths are relative to (the pipeline file's). */
  readonly baseDir: string;
  /**
   * The pipeline's model directory, which no module may leave (issue #10). Default `baseDir`.
   */
  readonly modelDir?: string;
  readonly pipeline: string;
}

/**
 * Looks up every model and module step. Missing or unready models are errors with code
 * UNAVAILABLE naming them; the pipeline then stays unavailable until they load.
 *
 * @example
 * const sigs = await resolveSignatures(steps, { catalog, baseDir, pipeline: 'ocr' }, diagnostics);
 */
export async function resolveSignatures(
  steps: readonly NormStep[],
  opts: ResolveOptions,
  diag: Diagnostics,
): Promise<Map<number, StepSignature>> {
  const found = new Map<number, StepSignature>();
  await Promise.all(
    steps.map(async s => {
      const sig =
        s.kind === 'model'
          ? await modelSignature(s, opts, diag)
          : s.kind === 'module'
            ? await moduleSignature(s, opts, diag)
            : undefined;
      if (sig) found.set(s.index, sig);
    }),
  );
  return found;
}

async function modelSignature(
  s: NormStep,
  opts: ResolveOptions,
  diag: Diagnostics,
): Promise<StepSignature | undefined> {
  const name = s.decl.model!;
  const version = s.decl.version;
  const wanted = `model '${name}'${version === undefined ? '' : ` version ${version}`}`;
  try {
    const m = await opts.catalog.metadata(name, version);
    return {
      label: `model '${m.name}' version ${m.version}`,
      maxBatchSize: m.maxBatchSize,
      inputs: m.inputs,
      outputs: m.outputs,
      ...(m.decoupled ? { decoupled: true } : {}),
    };
  } catch (e) {
    const site = { path: [...s.path, 'model'], step: s.name, code: 'UNAVAILABLE' as const };
    const code = isEngineError(e) ? e.code : 'INTERNAL';
    const why = e instanceof Error ? e.message : String(e);
    if (code === 'NOT_FOUND')
      diag.error(
        site,
        `${wanted} is not in the repository: expected a loaded model, found none (${why})`,
      );
    else diag.error(site, `${wanted} is not ready: expected READY, found ${code} (${why})`);
    return undefined;
  }
}

async function moduleSignature(
  s: NormStep,
  opts: ResolveOptions,
  diag: Diagnostics,
): Promise<StepSignature | undefined> {
  const site = { path: [...s.path, 'module'], step: s.name };
  // Checked on the text before the module is looked at: importing it runs it.
  const modelDir = path.resolve(opts.modelDir ?? opts.baseDir);
  const check = checkModelPath(s.decl.module!, path.relative(modelDir, path.resolve(opts.baseDir)));
  if (!check.ok) {
    diag.error(site, `module ${check.problem}`);
    return undefined;
  }
  const file = path.join(modelDir, check.path);
  if (!opts.modules) {
    diag.error(
      site,
      `module '${s.decl.module}' needs the JS backend, which this server has not registered`,
    );
    return undefined;
  }
  try {
    const sig = await opts.modules.describe(moduleFiles(opts.pipeline, s.name, file));
    return {
      label: `module '${s.decl.module}'`,
      maxBatchSize: 0,
      inputs: sig.inputs,
      outputs: sig.outputs,
      modulePath: file,
    };
  } catch (e) {
    diag.error(
      site,
      `module '${s.decl.module}' cannot be loaded: ${e instanceof Error ? e.message : String(e)}`,
    );
    return undefined;
  }
}

/**
 * The files of a module step, named `<pipeline>.<step>` so the JS backend's messages say where
 * the module is used.
 *
 * @example
 * moduleFiles('ocr', 'decode', '/models/ocr/1/decode.ts').modelName; // 'ocr.decode'
 */
export function moduleFiles(pipeline: string, step: string, file: string): ModelFiles {
  const dir = path.dirname(file);
  return {
    modelName: `${pipeline}.${step}`,
    version: 1,
    modelDir: dir,
    versionDir: dir,
    modelPath: file,
  };
}
