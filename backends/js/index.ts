/**
 * @module The JS backend: TypeScript/JavaScript models in worker threads.
 */
export { createJsBackend, JS_MODEL_FILES } from './backend.js';
export type { JsBackendOptions } from './backend.js';
export type { JsExecuteContext, JsModelContext, JsModelModule, JsTensor, JsTensorLike } from './module-api.js';
