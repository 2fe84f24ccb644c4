/**
 * @module The JS backend: models written as TypeScript or JavaScript modules, each instance in
 * its own worker thread so user code never blocks the thread that serves HTTP.
 */
import { access } from 'node:fs/promises';
import path from 'node:path';
import type {
  Backend,
  InstanceOptions,
  ModelFiles,
  ModelInstance,
  ModelSignature,
} from '../../engine/core/backend.js';
import { systemClock } from '../../engine/core/clock.js';
import type { Clock } from '../../engine/core/clock.js';
import { EngineError } from '../../engine/core/errors.js';
import { noopLogger } from '../../engine/core/logger.js';
import type { Logger } from '../../engine/core/logger.js';
import type { ModelConfig } from '../../engine/core/model-config.js';
import { workerEntry } from '../worker-host/bootstrap.js';
import { WorkerLink } from '../worker-host/link.js';
import { EXECUTE_TIMEOUT, MAX_HEAP, numberParameter } from '../worker-host/parameters.js';
import { expectReply } from '../worker-host/protocol.js';
import { watch } from '../worker-host/watchdog.js';
import { JS_SETTINGS, JsModelInstance } from './instance.js';
import type { JsWorkerReply, JsWorkerRequest } from './protocol.js';

/**
 * Default execute timeout. Long enough for any request a client would wait for synchronously
 * (HTTP clients and load balancers commonly give up after 30-60 s), short enough that a model
 * stuck in a loop frees its instance within a client's patience rather than never.
 */
export const DEFAULT_EXECUTE_TIMEOUT_MS = 30_000;

/**
 * Default heap limit of a JS model's worker. Tensors live in ArrayBuffers outside this heap, so
 * it bounds the objects, strings and plain arrays a module makes: ample for pre- and
 * post-processing, yet 64 instances (the default --max-instance-count) stay within 32 GB.
 */
export const DEFAULT_MAX_HEAP_MB = 512;

/** File names looked for in a version directory, in order. */
export const JS_MODEL_FILES = ['model.js', 'model.ts', 'model.mjs', 'model.mts'] as const;

/** Options of {@link createJsBackend}. */
export interface JsBackendOptions {
  readonly clock?: Clock;
  readonly logger?: Logger;
  /** Longest a module's import and `inputs`/`outputs` read may take in `describe` (default 30 s). */
  readonly describeTimeoutMs?: number;
  /**
   * Longest an `execute` may run before its worker is stopped and replaced, for models whose
   * config sets no `parameters.execute_timeout_ms`; 0 never stops one. Default
   * {@link DEFAULT_EXECUTE_TIMEOUT_MS}.
   */
  readonly executeTimeoutMs?: number;
  /**
   * Heap limit of each worker in MB, for models whose config sets no `parameters.max_heap_mb`
   * (and for `describe`). Default {@link DEFAULT_MAX_HEAP_MB}.
   */
  readonly maxHeapMb?: number;
  /** How long a cancelled `execute` may go on before its worker is replaced (default 1 s). */
  readonly cancelGraceMs?: number;
  /** Worker entry (tests); default the backend's worker-main. */
  readonly script?: URL;
}

/**
 * Creates the JS backend. A model version holds `model.js` or `model.ts` (also `.mjs`, `.mts`)
 * exporting `inputs`, `outputs`, `execute` and optionally `initialize` and `finalize` (see
 * module-api.ts). Config `parameters.execute_timeout_ms` (default `opts.executeTimeoutMs`) stops
 * and replaces a worker whose call hangs; `parameters.max_heap_mb` (default `opts.maxHeapMb`)
 * limits each worker's heap. A `model.ts` is found when the config names `backend: js`;
 * TypeScript loads through tsx, with no build step.
 *
 * @example
 * const js = createJsBackend();
 * const engine = await createEngine({ modelRepository, backends: [ort, js] });
 */
export function createJsBackend(opts: JsBackendOptions = {}): Backend {
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? noopLogger;
  const executeTimeoutMs = opts.executeTimeoutMs ?? DEFAULT_EXECUTE_TIMEOUT_MS;
  const maxHeapMb = opts.maxHeapMb ?? DEFAULT_MAX_HEAP_MB;
  const cancelGraceMs = opts.cancelGraceMs ?? 1000;
  const script = opts.script ?? workerEntry(import.meta.url, 'worker-main');
  return {
    name: 'js',
    platforms: ['js'],
    defaultModelFilename: 'model.js',
    modelFilenames: ['model.ts', 'model.mjs', 'model.mts'],
    async describe(files: ModelFiles): Promise<ModelSignature> {
      const file = await moduleFile(files);
      return describeModule(files.modelName, file, {
        clock,
        timeoutMs: opts.describeTimeoutMs ?? 30_000,
        maxHeapMb,
        script,
      });
    },
    async createInstance(
      config: ModelConfig,
      files: ModelFiles,
      inst: InstanceOptions,
    ): Promise<ModelInstance> {
      const file = await moduleFile(files);
      if (inst.signal.aborted)
        throw new EngineError('CANCELLED', `model '${files.modelName}': load cancelled`);
      return JsModelInstance.start({
        path: file,
        clock,
        logger,
        executeTimeoutMs:
          numberParameter(config, files.modelName, EXECUTE_TIMEOUT) ?? executeTimeoutMs,
        maxHeapMb: numberParameter(config, files.modelName, MAX_HEAP) ?? maxHeapMb,
        cancelGraceMs,
        script,
        context: {
          name: files.modelName,
          version: files.version,
          modelDir: files.modelDir,
          versionDir: files.versionDir,
          parameters: Object.fromEntries(
            Object.entries(config.parameters).map(([k, v]) => [k, v.string_value]),
          ),
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
  const candidates = [
    files.modelPath,
    ...JS_MODEL_FILES.map(f => path.join(path.dirname(files.modelPath), f)),
  ];
  for (const c of candidates) {
    if (
      await access(c).then(
        () => true,
        () => false,
      )
    )
      return path.resolve(c);
  }
  throw new EngineError(
    'INVALID_ARG',
    `model '${files.modelName}' version ${files.version}: no module found: looked for ${path.basename(files.modelPath)}, ${JS_MODEL_FILES.join(', ')} in ${path.dirname(files.modelPath)}`,
  );
}

interface DescribeOptions {
  readonly clock: Clock;
  readonly timeoutMs: number;
  readonly maxHeapMb: number;
  readonly script: URL;
}

async function describeModule(
  model: string,
  file: string,
  opts: DescribeOptions,
): Promise<ModelSignature> {
  const { clock, timeoutMs, maxHeapMb, script } = opts;
  const link = new WorkerLink<JsWorkerRequest, JsWorkerReply>({
    model,
    script,
    threadName: `braid js ${model}`,
    maxHeapMb,
    heapSetting: JS_SETTINGS.heap,
  });
  try {
    const reply = await watch(link.request({ type: 'describe', model, path: file }), {
      clock,
      timeoutMs,
      onOverrun: () =>
        new EngineError(
          'INVALID_ARG',
          `model '${model}': importing ${file} took longer than ${timeoutMs} ms`,
        ),
    });
    const { inputs, outputs } = expectReply(
      model,
      reply,
      'described',
      e => new EngineError(e.code ?? 'INVALID_ARG', e.message),
    );
    return { inputs, outputs };
  } finally {
    await link.terminate();
  }
}
