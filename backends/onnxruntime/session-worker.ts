/**
 * Entry point of the worker thread that holds one instance's ONNX Runtime session (see
 * session-handler.ts). Loaded only through `new Worker(...)`, never imported.
 *
 * @module
 */
import { serveRequests } from '../worker-host/serve.js';
import { handleSessionRequest } from './session-handler.js';

serveRequests(handleSessionRequest);
