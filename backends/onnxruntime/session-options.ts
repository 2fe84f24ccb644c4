/**
 * @module Pure decisions that turn a Triton-shaped model config into ONNX Runtime session options.
 * The rules follow Triton's onnxruntime_backend (src/onnxruntime.cc) where it has one; the
 * README in this folder lists them.
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { InstanceOptions } from '../../engine/core/backend.js';
import { EngineError } from '../../engine/core/errors.js';
import type { ModelConfig } from '../../engine/core/model-config.js';
import type { GpuProvider, ProviderAvailability } from './providers.js';
import { installHint } from './providers.js';

type SessionOptions = InferenceSession.SessionOptions;
type ProviderConfig = InferenceSession.ExecutionProviderConfig;

/** ORT's graph optimization levels as onnxruntime-node names them. */
export type GraphOptimizationLevel = 'disabled' | 'basic' | 'extended' | 'all';

/**
 * Maps `optimization.graph.level` the way Triton's ORT backend does: -1 basic, 1 extended,
 * 2 disabled, anything else (0, the default) all optimizations.
 *
 * @example
 * graphOptimizationLevel(2); // 'disabled'
 */
export function graphOptimizationLevel(level: number): GraphOptimizationLevel {
  if (level === -1) return 'basic';
  if (level === 1) return 'extended';
  if (level === 2) return 'disabled';
  return 'all';
}

/** Where an instance's session runs: its own worker thread, or the event-loop thread. */
export type ExecutionThread = 'worker' | 'main';

/**
 * Reads `execution_thread`: `"worker"` (the default) gives each instance a worker thread,
 * `"main"` runs sessions on the event-loop thread, which saves the thread hop for models
 * that compute in microseconds but blocks the server while they run.
 *
 * @example
 * executionThread({ execution_thread: { string_value: 'main' } }, 'm'); // 'main'
 */
export function executionThread(
  params: ModelConfig['parameters'],
  modelName: string,
): ExecutionThread {
  const raw = params['execution_thread']?.string_value;
  if (raw === undefined || raw === 'worker') return 'worker';
  if (raw === 'main') return 'main';
  throw new EngineError(
    'INVALID_ARG',
    `model '${modelName}': parameter 'execution_thread' must be 'worker' or 'main', got '${raw}'`,
  );
}

/** Thread settings of one session. */
export interface ThreadSettings {
  readonly intraOpNumThreads: number;
  /** Absent: ORT's default, which sequential execution never uses. */
  readonly interOpNumThreads?: number;
  readonly executionMode: 'sequential' | 'parallel';
}

/** Inputs of {@link resolveThreads}. */
export interface ThreadContext {
  readonly modelName: string;
  /** Cores of the machine, usually `os.availableParallelism()`. */
  readonly cores: number;
  /** Instances of the model version that will share the cores. */
  readonly instanceCount: number;
}

function countParameter(
  params: ModelConfig['parameters'],
  key: string,
  modelName: string,
): number | undefined {
  const raw = params[key]?.string_value;
  if (raw === undefined) return undefined;
  const n = /^\s*\d+\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw new EngineError(
      'INVALID_ARG',
      `model '${modelName}': parameter '${key}' must be a non-negative integer string, got '${raw}'`,
    );
  }
  return n;
}

// Below this many cores, keeping one for the event loop would cost a third or more of the compute.
const MIN_CORES_TO_KEEP_ONE = 4;

/**
 * Thread counts for one session. `intra_op_thread_count` and `inter_op_thread_count` are
 * used as given (0 lets ORT pick, as in Triton). Without them each instance gets an equal
 * share of the cores, at least 1, so instances of one model do not oversubscribe the CPU.
 * Sessions in worker threads (the default `execution_thread`) share all cores but one when
 * the machine has 4 or more, leaving the event-loop thread a core of its own; on the main
 * thread the event-loop thread is itself one of the session's threads. `execution_mode` "1"
 * selects parallel execution, whose inter-op pool gets the same share.
 *
 * @example
 * resolveThreads({}, { modelName: 'm', cores: 8, instanceCount: 3 }); // intra 2, sequential
 * resolveThreads({}, { modelName: 'm', cores: 8, instanceCount: 1 }); // intra 7
 */
export function resolveThreads(
  params: ModelConfig['parameters'],
  ctx: ThreadContext,
): ThreadSettings {
  const inWorker = executionThread(params, ctx.modelName) === 'worker';
  const cores = inWorker && ctx.cores >= MIN_CORES_TO_KEEP_ONE ? ctx.cores - 1 : ctx.cores;
  const share = Math.max(1, Math.floor(cores / Math.max(1, ctx.instanceCount)));
  const mode = params['execution_mode']?.string_value;
  if (mode !== undefined && mode !== '0' && mode !== '1') {
    throw new EngineError(
      'INVALID_ARG',
      `model '${ctx.modelName}': parameter 'execution_mode' must be '0' (sequential) or ` +
        `'1' (parallel), got '${mode}'`,
    );
  }
  const executionMode = mode === '1' ? 'parallel' : 'sequential';
  const intra = countParameter(params, 'intra_op_thread_count', ctx.modelName) ?? share;
  const inter = countParameter(params, 'inter_op_thread_count', ctx.modelName);
  const interOpNumThreads = inter ?? (executionMode === 'parallel' ? share : undefined);
  return interOpNumThreads === undefined
    ? { intraOpNumThreads: intra, executionMode }
    : { intraOpNumThreads: intra, interOpNumThreads, executionMode };
}

/** Execution-provider lists to try in order; the first that creates a session wins. */
export type ProviderPlan = readonly (readonly ProviderConfig[])[];

const GPU_ACCELERATORS = new Set(['tensorrt', 'cuda']);

function checkAccelerators(config: ModelConfig, modelName: string): boolean {
  const accelerators = config.optimization.execution_accelerators;
  const { gpu_execution_accelerator: gpu, cpu_execution_accelerator: cpu } = accelerators;
  for (const a of gpu) {
    if (!GPU_ACCELERATORS.has(a.name)) {
      throw new EngineError(
        'INVALID_ARG',
        `model '${modelName}': unknown gpu_execution_accelerator '${a.name}'; ` +
          "the onnxruntime backend knows 'tensorrt' and 'cuda'",
      );
    }
  }
  const cpuAccelerator = cpu[0]?.name;
  if (cpuAccelerator === 'openvino') {
    throw new EngineError(
      'UNSUPPORTED',
      `model '${modelName}': cpu_execution_accelerator 'openvino' cannot be used: ` +
        'onnxruntime-node ships no OpenVINO execution provider',
    );
  }
  if (cpuAccelerator !== undefined) {
    throw new EngineError(
      'INVALID_ARG',
      `model '${modelName}': unknown cpu_execution_accelerator '${cpuAccelerator}'; ` +
        'the onnxruntime backend knows none',
    );
  }
  return gpu.some(a => a.name === 'tensorrt');
}

function gpuProviders(wantTensorrt: boolean, deviceId: number): ProviderConfig[] {
  const cuda: ProviderConfig = { name: 'cuda', deviceId };
  return wantTensorrt ? [{ name: 'tensorrt', deviceId }, cuda, 'cpu'] : [cuda, 'cpu'];
}

function missing(modelName: string, gpuId: number, provider: GpuProvider): EngineError {
  return new EngineError(
    'UNAVAILABLE',
    `model '${modelName}' asks for KIND_GPU on GPU ${gpuId} with the ${provider} execution ` +
      `provider, which this onnxruntime-node cannot load: ${installHint(provider)}`,
  );
}

/**
 * Picks execution providers the way Triton's ORT backend does. KIND_CPU runs on cpu. KIND_GPU
 * runs on cuda (with tensorrt first when a gpu_execution_accelerator names it) and fails with
 * UNAVAILABLE, saying what to install, when they cannot be loaded. KIND_AUTO tries the GPU
 * providers when they can be loaded, then falls back to cpu. Unknown accelerators are INVALID_ARG.
 *
 * @example
 * resolveProviders(config, 'm', { kind: 'GPU', id: 0 }, { cuda: true, tensorrt: false });
 * // [[{ name: 'cuda', deviceId: 0 }, 'cpu']]
 */
export function resolveProviders(
  config: ModelConfig,
  modelName: string,
  device: InstanceOptions['device'],
  available: ProviderAvailability,
): ProviderPlan {
  const wantTensorrt = checkAccelerators(config, modelName);
  if (device.kind === 'CPU') return [['cpu']];
  if (device.kind === 'GPU') {
    if (!available.cuda) throw missing(modelName, device.id, 'cuda');
    if (wantTensorrt && !available.tensorrt) throw missing(modelName, device.id, 'tensorrt');
    return [gpuProviders(wantTensorrt, device.id)];
  }
  if (!available.cuda) return [['cpu']];
  return [gpuProviders(wantTensorrt && available.tensorrt, device.id), ['cpu']];
}

/** Inputs of {@link buildSessionOptions} besides the config. */
export interface SessionContext extends ThreadContext {
  readonly logId: string;
}

/**
 * Session options without execution providers (those come from {@link resolveProviders}).
 *
 * @example
 * buildSessionOptions(config, { modelName: 'm', cores: 8, instanceCount: 2, logId: 'm:1:0' });
 */
export function buildSessionOptions(config: ModelConfig, ctx: SessionContext): SessionOptions {
  return {
    ...resolveThreads(config.parameters, ctx),
    graphOptimizationLevel: graphOptimizationLevel(config.optimization.graph.level),
    logId: ctx.logId,
    // ORT's pool threads spin between runs by default, burning the cores the event loop and
    // other instances need while a server waits for the next batch. `allow_spinning: "1"` in
    // the config's parameters turns spinning back on for latency-critical dedicated machines.
    extra: { session: { intra_op: { allow_spinning: spinning(config.parameters) } } },
  };
}

function spinning(params: ModelConfig['parameters']): '0' | '1' {
  return params['allow_spinning']?.string_value === '1' ? '1' : '0';
}
