import { availableParallelism } from 'node:os';
import { InferenceSession } from 'onnxruntime-node';
import type {
  Backend,
  InstanceOptions,
  ModelFiles,
  ModelInstance,
  ModelSignature,
} from '../../engine/core/backend.js';
import { EngineError } from '../../engine/core/errors.js';
import type { Logger } from '../../engine/core/logger.js';
import { noopLogger } from '../../engine/core/logger.js';
import type { ModelConfig } from '../../engine/core/model-config.js';
import { OnnxRuntimeInstance } from './instance.js';
import { loadError } from './ort-errors.js';
import type { ProviderAvailability } from './providers.js';
import { detectProviders } from './providers.js';
import type { ProviderPlan } from './session-options.js';
import { buildSessionOptions, executionThread, resolveProviders } from './session-options.js';
import { signatureOf } from './signature.js';
import { OnnxRuntimeWorkerInstance } from './worker-instance.js';
import { RestartingInstance } from './restarting-instance.js';

type ProviderConfig = InferenceSession.ExecutionProviderConfig;

/** Options of {@link createOnnxRuntimeBackend}. */
export interface OnnxRuntimeBackendOptions {
  /**
   * Cores divided between a model's instances when the config sets no thread counts.
   * Default `os.availableParallelism()`.
   */
  readonly cores?: number;
  /** Which GPU providers can be loaded. Default: probed once from onnxruntime-node on first use. */
  readonly providers?: ProviderAvailability;
  readonly logger?: Logger;
}

// Reading names and types needs no optimisation passes and no thread pools.
const DESCRIBE_OPTIONS: InferenceSession.SessionOptions = {
  graphOptimizationLevel: 'disabled',
  intraOpNumThreads: 1,
  interOpNumThreads: 1,
};

function label(files: ModelFiles): string {
  return `model '${files.modelName}' version ${files.version}`;
}

function cancelled(files: ModelFiles): EngineError {
  return new EngineError('CANCELLED', `${label(files)}: load cancelled`);
}

/**
 * Tries each provider list of `plan` in order and returns the first session `open` creates,
 * logging each fallback; the last failure is classified as a load error.
 */
async function openWithFallback<T>(
  files: ModelFiles,
  plan: ProviderPlan,
  logger: Logger,
  open: (providers: readonly ProviderConfig[]) => Promise<T>,
): Promise<T> {
  let failure: unknown;
  for (const [i, executionProviders] of plan.entries()) {
    try {
      return await open(executionProviders);
    } catch (e) {
      failure = e;
      if (i + 1 === plan.length) break;
      logger.log('warn', 'execution providers failed, trying the next ones', {
        model: files.modelName,
        version: files.version,
        providers: executionProviders.map(p => (typeof p === 'string' ? p : p.name)),
        error: e instanceof Error ? e.message : String(e),
      });
    }
  }
  throw loadError(failure, label(files), files.modelPath);
}

async function mainThreadInstance(
  files: ModelFiles,
  base: InferenceSession.SessionOptions,
  plan: ProviderPlan,
  logger: Logger,
): Promise<ModelInstance> {
  const session = await openWithFallback(files, plan, logger, providers =>
    InferenceSession.create(files.modelPath, { ...base, executionProviders: [...providers] }),
  );
  return new OnnxRuntimeInstance(session, files.modelName);
}

async function workerInstance(
  files: ModelFiles,
  base: InferenceSession.SessionOptions,
  plan: ProviderPlan,
  logger: Logger,
): Promise<ModelInstance> {
  const start = () => startWorkerInstance(files, base, plan, logger);
  return new RestartingInstance(await start(), start, logger.child({ model: files.modelName, version: files.version }));
}

async function startWorkerInstance(
  files: ModelFiles,
  base: InferenceSession.SessionOptions,
  plan: ProviderPlan,
  logger: Logger,
): Promise<OnnxRuntimeWorkerInstance> {
  const instance = OnnxRuntimeWorkerInstance.start({ model: files.modelName });
  try {
    await openWithFallback(files, plan, logger, providers =>
      instance.open(files.modelPath, { ...base, executionProviders: [...providers] }),
    );
  } catch (e) {
    await instance.dispose();
    throw e;
  }
  return instance;
}

class OnnxRuntimeBackend implements Backend {
  readonly name = 'onnxruntime';
  readonly platforms = ['onnxruntime_onnx'] as const;
  readonly defaultModelFilename = 'model.onnx';
  readonly #cores: number;
  readonly #logger: Logger;
  #providers: ProviderAvailability | undefined;

  constructor(opts: OnnxRuntimeBackendOptions) {
    this.#cores = opts.cores ?? availableParallelism();
    this.#logger = opts.logger ?? noopLogger;
    this.#providers = opts.providers;
  }

  async describe(files: ModelFiles): Promise<ModelSignature> {
    let session: InferenceSession;
    try {
      session = await InferenceSession.create(files.modelPath, DESCRIBE_OPTIONS);
    } catch (e) {
      throw loadError(e, label(files), files.modelPath, 'INVALID_ARG');
    }
    try {
      return signatureOf(files.modelName, session);
    } finally {
      await session.release();
    }
  }

  async createInstance(
    config: ModelConfig,
    files: ModelFiles,
    opts: InstanceOptions,
  ): Promise<ModelInstance> {
    if (opts.signal.aborted) throw cancelled(files);
    this.#providers ??= detectProviders();
    const plan = resolveProviders(config, files.modelName, opts.device, this.#providers);
    const base = buildSessionOptions(config, {
      modelName: files.modelName,
      cores: this.#cores,
      instanceCount: opts.instanceCount,
      logId: `${files.modelName}:${files.version}:${opts.index}`,
    });
    const thread = executionThread(config.parameters, files.modelName);
    const create = thread === 'main' ? mainThreadInstance : workerInstance;
    const instance = await create(files, base, plan, this.#logger);
    if (opts.signal.aborted) {
      await instance.dispose();
      throw cancelled(files);
    }
    return instance;
  }
}

/**
 * The ONNX Runtime backend: serves `model.onnx` files through onnxruntime-node, one session
 * per instance, each in the instance's own worker thread unless the config's
 * `execution_thread` parameter is `main`. Thread, optimisation and execution-provider rules
 * are in this folder's README.
 *
 * @example
 * const backend = createOnnxRuntimeBackend();
 * const signature = await backend.describe(files);
 * const instance = await backend.createInstance(config, files, {
 *   signal, index: 0, instanceCount: 1, device: { kind: 'CPU' },
 * });
 * const outputs = await instance.execute(inputs, { signal });
 */
export function createOnnxRuntimeBackend(opts: OnnxRuntimeBackendOptions = {}): Backend {
  return new OnnxRuntimeBackend(opts);
}
