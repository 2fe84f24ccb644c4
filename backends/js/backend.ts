/**
 * @module The JS backend: models written as TypeScript or JavaScript modules, each instance in
 * its own worker thread so user code never blocks the thread that serves HTTP.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Backend, InstanceOptions, ModelFiles, ModelInstance, ModelSignature } from '../../engine/core/backend.js';
import { systemClock } from '../../engine/core/clock.js';
import type { Clock } from '../../engine/core/clock.js';
import { EngineError } from '../../engine/core/errors.js';
import { noopLogger } from '../../engine/core/logger.js';
import type { Logger } from '../../engine/core/logger.js';
import type { ModelConfig } from '../../engine/core/model-config.js';
import { JsModelInstance } from './instance.js';
import { WorkerLink } from './worker-link.js';

/** File names looked for in a version directory, in order. */
export const JS_MODEL_FILES = ['model.js', 'model.ts', 'model.mjs', 'model.mts'] as const;

/** Options of {@link createJsBackend}. */
export interface JsBackendOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Longest a module's import and `inputs`/`outputs` read may take in `describe` (default 30 s). */
  readonly describeTimeoutMs?: number;
  /** Worker entry (tests); default the backend's worker-main. */
  readonly script?: URL;
}

/**
 * Creates the JS backend. A model version holds `model.js` or `model.ts` (also `.mjs`, `.mts`)
 * exporting `inputs`, `outputs`, `execute` and optionally `initialize` and `finalize` (see
 * module-api.ts). Config `parameters.execute_timeout_ms` stops and replaces a worker whose call
 * hangs. A `model.ts` is found when the config names `backend: js`; TypeScript loads through
 * tsx, with no build step.
 *
 * @example
 * const js = createJsBackend();
 * const engine = await createEngine({ modelRepository, backends: [ort, js] });
 */
export function createJsBackend(opts: JsBackendOptions = {}): Backend {
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? noopLogger;
  return {
    name: 'js',
    platforms: ['js'],
    defaultModelFilename: 'model.js',
    modelFilenames: ['model.ts', 'model.mjs', 'model.mts'],
    async describe(files: ModelFiles): Promise<ModelSignature> {
      const file = await moduleFile(files);
      return describeModule(files.modelName, file, clock, opts.describeTimeoutMs ?? 30_000, opts.script);
    },
    async createInstance(config: ModelConfig, files: ModelFiles, inst: InstanceOptions): Promise<ModelInstance> {
      const file = await moduleFile(files);
      if (inst.signal.aborted) throw new EngineError('CANCELLED', `model '${files.modelName}': load cancelled`);
      return JsModelInstance.start({
        path: file,
        clock,
        logger,
        executeTimeoutMs: timeoutParameter(config, files.modelName),
        ...(opts.script ? { script: opts.script } : {}),
        context: {
          name: files.modelName,
          version: files.version,
          modelDir: files.modelDir,
          versionDir: files.versionDir,
          parameters: Object.fromEntries(Object.entries(config.parameters).map(([k, v]) => [k, v.string_value])),
          maxBatchSize: config.max_batch_size,
          instance: { index: inst.index, count: inst.instanceCount },
        },
      });
    },
  };
}

/**
 * The module file of a version: the configured file when it exists, else the first of
 * {@link JS_MODEL_FILES} in the version directory.
 */
async function moduleFile(files: ModelFiles): Promise<string> {
  const candidates = [files.modelPath, ...JS_MODEL_FILES.map(f => path.join(path.dirname(files.modelPath), f))];
  for (const c of candidates) {
    if (await access(c).then(() => true, () => false)) return path.resolve(c);
  }
  throw new EngineError('INVALID_ARG', `model '${files.modelName}' version ${files.version}: no module found: looked for ${path.basename(files.modelPath)}, ${JS_MODEL_FILES.join(', ')} in ${path.dirname(files.modelPath)}`);
}

async function describeModule(model: string, file: string, clock: Clock, timeoutMs: number, script?: URL): Promise<ModelSignature> {
  const link = new WorkerLink(model, () => undefined, script);
  let timer: ReturnType<Clock['setTimeout']> | undefined;
  try {
    const timeout = new Promise<never>((_, reject) => {
      timer = clock.setTimeout(() => reject(new EngineError('INVALID_ARG', `model '${model}': importing ${file} took longer than ${timeoutMs} ms`)), timeoutMs);
    });
    const reply = await Promise.race([link.request({ type: 'describe', model, path: file }), timeout]);
    if (reply.type === 'failed') throw new EngineError(reply.error.code ?? 'INVALID_ARG', reply.error.message);
    if (reply.type !== 'described') throw new EngineError('INTERNAL', `model '${model}': its worker replied '${reply.type}' to describe`);
    return { inputs: reply.inputs, outputs: reply.outputs };
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer);
    await link.terminate();
  }
}

function timeoutParameter(config: ModelConfig, model: string): number {
  const raw = config.parameters['execute_timeout_ms']?.string_value;
  if (raw === undefined) return 0;
  const ms = Number(raw);
  if (!Number.isFinite(ms) || ms < 0) {
    throw new EngineError('INVALID_ARG', `model '${model}': parameter execute_timeout_ms must be a non-negative number of milliseconds, found '${raw}'`);
  }
  return ms;
}
