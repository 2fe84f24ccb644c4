/**
 * The ONNX Runtime backend. The composition root registers {@link createOnnxRuntimeBackend};
 * the rest is exported for tools and tests.
 *
 * @module
 */
export { createOnnxRuntimeBackend } from './backend.js';
export type { OnnxRuntimeBackendOptions } from './backend.js';
export { detectProviders, installHint } from './providers.js';
export type { GpuProvider, ProviderAvailability } from './providers.js';
export {
  buildSessionOptions,
  executionThread,
  graphOptimizationLevel,
  resolveProviders,
  resolveThreads,
} from './session-options.js';
export type {
  ExecutionThread,
  GraphOptimizationLevel,
  ProviderPlan,
  SessionContext,
  ThreadContext,
  ThreadSettings,
} from './session-options.js';
export { fromOrtTensor, fromOrtType, toOrtTensor, toOrtType } from './tensor-convert.js';
export { OnnxRuntimeWorkerInstance } from './worker-instance.js';
export type { WorkerInstanceOptions } from './worker-instance.js';
export type { WorkerRunTiming } from './worker-protocol.js';
