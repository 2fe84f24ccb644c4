/**
 * @module The JS backend: TypeScript/JavaScript models in worker threads.
 */
export {
  createJsBackend,
  DEFAULT_EXECUTE_TIMEOUT_MS,
  DEFAULT_MAX_HEAP_MB,
  JS_MODEL_FILES,
} from './backend.js';
export type { JsBackendOptions } from './backend.js';
export type {
  JsExecuteContext,
  JsModelContext,
  JsModelModule,
  JsTensor,
  JsTensorLike,
} from './module-api.js';
export { MODEL_ERROR_CODES, ModelError, modelErrorCode } from './model-error.js';
export type { ModelErrorCode } from './model-error.js';
