/**
 * @module The ONNX Runtime backend: describes a model.onnx for auto-complete and creates its
 * instances, each a session in a worker thread (or on the main thread), falling back through the
 * execution providers the config asks for.
 */
import { availableParallelism } from 'node:os';
import { InferenceSession } from 'onnxruntime-node';
import type {
  Backend,
  InstanceOptions,
  ModelFiles,
  ModelInstance,
  ModelSignature,
} from '../../engine/core/backend.js';
import type { Clock } from '../../engine/core/clock.js';
import { systemClock } from '../../engine/core/clock.js';
import { EngineError } from '../../engine/core/errors.js';
import type { Logger } from '../../engine/core/logger.js';
import { noopLogger } from '../../engine/core/logger.js';
import type { ModelConfig } from '../../engine/core/model-config.js';
import { CoreGate } from './core-gate.js';
import { OnnxRuntimeInstance } from './instance.js';
import { loadError } from './ort-errors.js';
import type { ProviderAvailability } from './providers.js';
import { detectProviders } from './providers.js';
import type { ProviderPlan } from './session-options.js';
import { buildSessionOptions, executionThread, resolveProviders } from './session-options.js';
import { signatureOf } from './signature.js';
import { EXECUTE_TIMEOUT, numberParameter } from '../worker-host/parameters.js';
import { OnnxRuntimeWorkerInstance } from './worker-instance.js';

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
  readonly clock?: Clock;
  /**
   * Longest a run in a worker thread may take before the worker is stopped and replaced, for
   * models whose config sets no `parameters.execute_timeout_ms`. Default 0: never, since large
   * models legitimately run long and a replacement opens the session again.
   */
  readonly executeTimeoutMs?: number;
  /**
   * How long a cancelled run in a worker thread may go on before the worker is stopped and
   * replaced. Default: it runs to its end.
   */
  readonly cancelGraceMs?: number;
  /** Worker entry (tests); default the backend's session-worker. */
  readonly script?: URL;
  /**
   * CPU sessions in worker threads share the `cores`: a run holds as many as its session has
   * intra-op threads and waits while they are taken (see core-gate.ts). `false` lets every
   * run start at once, as before. Default true.
   */
  readonly shareCores?: boolean;
}

/** What a worker-thread instance is started with besides its files and session options. */
interface WorkerLimits {
  readonly clock: Clock;
  readonly executeTimeoutMs: number;
  readonly cancelGraceMs?: number;
  readonly script?: URL;
  readonly coreShare?: { readonly gate: CoreGate; readonly cores: number };
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
  limits: WorkerLimits,
): Promise<ModelInstance> {
  let providers = plan;
  return OnnxRuntimeWorkerInstance.start({
    model: files.modelName,
    logger: logger.child({ model: files.modelName, version: files.version }),
    ...limits,
    // A replacement worker opens the session with the providers that worked the first time.
    open: open =>
      openWithFallback(files, providers, logger, async executionProviders => {
        await open(files.modelPath, { ...base, executionProviders: [...executionProviders] });
        providers = [executionProviders];
      }),
  });
}

class OnnxRuntimeBackend implements Backend {
  readonly name = 'onnxruntime';
  readonly platforms = ['onnxruntime_onnx'] as const;
  readonly defaultModelFilename = 'model.onnx';
  readonly #cores: number;
  readonly #logger: Logger;
  readonly #limits: WorkerLimits;
  readonly #gate: CoreGate | undefined;
  #providers: ProviderAvailability | undefined;

  constructor(opts: OnnxRuntimeBackendOptions) {
    this.#cores = opts.cores ?? availableParallelism();
    this.#logger = opts.logger ?? noopLogger;
    this.#providers = opts.providers;
    this.#gate = opts.shareCores === false ? undefined : new CoreGate(this.#cores);
    this.#limits = {
      clock: opts.clock ?? systemClock,
      executeTimeoutMs: opts.executeTimeoutMs ?? 0,
      ...(opts.cancelGraceMs === undefined ? {} : { cancelGraceMs: opts.cancelGraceMs }),
      ...(opts.script === undefined ? {} : { script: opts.script }),
    };
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
    const timeout = numberParameter(config, files.modelName, EXECUTE_TIMEOUT);
    if (thread === 'main' && timeout !== undefined) {
      throw new EngineError(
        'INVALID_ARG',
        `model '${files.modelName}': parameter execute_timeout_ms needs execution_thread 'worker': a run on the main thread cannot be stopped`,
      );
    }
    const executeTimeoutMs = timeout ?? this.#limits.executeTimeoutMs;
    const cpuOnly = plan.every(list => list.every(p => p === 'cpu'));
    const threads = base.intraOpNumThreads || this.#cores;
    const coreShare = this.#gate && cpuOnly ? { gate: this.#gate, cores: threads } : undefined;
    const limits = { ...this.#limits, executeTimeoutMs, ...(coreShare ? { coreShare } : {}) };
    const instance =
      thread === 'main'
        ? await mainThreadInstance(files, base, plan, this.#logger)
        : await workerInstance(files, base, plan, this.#logger, limits);
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
