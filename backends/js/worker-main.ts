/**
 * Entry point of the worker thread that runs one instance of a JS/TS model module. Answers each
 * {@link JsWorkerRequest} with one {@link JsWorkerReply}. Loaded only through `new Worker(...)`.
 *
 * @module
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { isDataType } from '../../engine/core/datatype.js';
import { EngineError } from '../../engine/core/errors.js';
import { modelRelativePath } from '../../engine/core/model-path.js';
import type { Answer, Emit } from '../worker-host/serve.js';
import { serveRequests } from '../worker-host/serve.js';
import type { WireError } from '../worker-host/wire.js';
import { fromWire, toWire } from '../worker-host/wire.js';
import { iterate, streamed } from './decoupled.js';
import { modelErrorCode } from './model-error.js';
import type { JsModelContext, JsModelContextData, JsModelModule, JsTensor } from './module-api.js';
import type { DeclaredTensor, JsWorkerReply, JsWorkerRequest } from './protocol.js';
import { normalizeOutputs } from './tensor-normalize.js';

const TS_MODULE = /\.(c|m)?tsx?$/;
// Stack frames of the server's own worker code, skipped when naming the user's line.
const SERVER_FRAME = /\/backends\/(js|worker-host)\//;

let mod: JsModelModule | undefined;
let name = 'model';
/** Aborts the decoupled execute in flight when the parent sends `cancel`. */
let cancelCurrent: AbortController | undefined;

async function load(path: string): Promise<JsModelModule> {
  const url = pathToFileURL(path).href;
  const loaded = (
    TS_MODULE.test(path) ? await importTypeScript(path, url) : await import(url)
  ) as Partial<JsModelModule> & { default?: Partial<JsModelModule> };
  const m = typeof loaded.default?.execute === 'function' ? loaded.default : loaded;
  if (typeof m.execute !== 'function')
    throw new EngineError(
      'INVALID_ARG',
      `model '${name}': ${path} must export a function execute(inputs), found ${typeof m.execute}`,
    );
  return m as JsModelModule;
}

/**
 * Loads a TypeScript module through tsx's `tsImport`, which compiles it as an ES module wherever
 * it lives; a globally registered loader would treat a `.ts` file outside a `"type": "module"`
 * package as CommonJS and fail on its `export`s.
 */
async function importTypeScript(path: string, url: string): Promise<unknown> {
  let api: { tsImport: (specifier: string, parent: string) => Promise<unknown> };
  try {
    api = (await import('tsx/esm/api')) as typeof api;
  } catch (e) {
    throw new EngineError(
      'INVALID_ARG',
      `model '${name}': loading TypeScript (${path}) needs the tsx package (npm install tsx), or compile it to .js: ${(e as Error).message}`,
    );
  }
  return api.tsImport(url, import.meta.url);
}

function declared(path: string, kind: 'inputs' | 'outputs', list: unknown): DeclaredTensor[] {
  const where = `model '${name}': ${path} export '${kind}'`;
  if (!Array.isArray(list))
    throw new EngineError(
      'INVALID_ARG',
      `${where} must be an array of { name, datatype, shape }, found ${typeof list}`,
    );
  return list.map((t: Partial<DeclaredTensor>, i) => {
    const ok =
      typeof t?.name === 'string' &&
      typeof t.datatype === 'string' &&
      isDataType(t.datatype) &&
      Array.isArray(t.shape) &&
      t.shape.every(d => Number.isInteger(d) && d >= -1);
    if (!ok)
      throw new EngineError(
        'INVALID_ARG',
        `${where}[${i}]: expected { name, datatype: FP32|INT64|..., shape: [-1, 4] }, found ${JSON.stringify(t)}`,
      );
    return {
      name: t.name!,
      datatype: t.datatype!,
      shape: t.shape!,
      ...(t.optional ? { optional: true } : {}),
    };
  });
}

/** The context `initialize` receives: the data the server sent, and {@link JsModelContext.resolveFile}. */
function modelContext(data: JsModelContextData): JsModelContext {
  const from = path.relative(data.modelDir, data.versionDir);
  return {
    ...data,
    resolveFile: (file: string) =>
      path.join(
        data.modelDir,
        modelRelativePath(file, { owner: `model '${data.name}'`, field: 'resolveFile', from }),
      ),
  };
}

async function handle(req: JsWorkerRequest, emit: Emit): Promise<Answer<JsWorkerReply>> {
  if (req.type === 'describe') {
    name = req.model;
    const m = await load(req.path);
    return {
      reply: {
        type: 'described',
        inputs: declared(req.path, 'inputs', m.inputs),
        outputs: declared(req.path, 'outputs', m.outputs),
      },
    };
  }
  if (req.type === 'init') {
    name = req.context.name;
    mod = await load(req.path);
    const ctx = modelContext(req.context);
    await call('initialize', () => mod!.initialize?.(ctx));
    return { reply: { type: 'ready' } };
  }
  if (req.type === 'execute') {
    if (!mod) throw new EngineError('INTERNAL', `model '${name}': execute before initialize`);
    const inputs: Record<string, JsTensor> = Object.fromEntries(fromWire(req.inputs));
    const wanted = req.outputs ?? (mod.outputs ?? []).map(o => o.name);
    if (req.decoupled) return executeDecoupled(mod, inputs, wanted, emit);
    const returned = await call('execute', () => mod!.execute(inputs, { outputs: wanted }));
    if (streamed(returned)) {
      throw new EngineError(
        'INTERNAL',
        `model '${name}': execute() returned an iterator of responses, which only a decoupled model may; set model_transaction_policy { decoupled: true } in its config`,
      );
    }
    // Returned arrays that own their buffer are moved to the server thread, not copied.
    const { tensors, transfer } = toWire(normalizeOutputs(name, returned, wanted), { copy: false });
    return { reply: { type: 'result', outputs: tensors }, transfer };
  }
  await call('finalize', () => mod?.finalize?.());
  return { reply: { type: 'finalized' } };
}

/**
 * Runs a decoupled model's `execute`, posting each response as a `partial` message as it is
 * yielded, until the generator returns or the parent cancels (the generator is then returned).
 */
async function executeDecoupled(
  m: JsModelModule,
  inputs: Record<string, JsTensor>,
  wanted: readonly string[],
  emit: Emit,
): Promise<Answer<JsWorkerReply>> {
  const cancel = new AbortController();
  cancelCurrent = cancel;
  const send = (value: unknown): void => {
    const { tensors, transfer } = toWire(normalizeOutputs(name, value, wanted), { copy: false });
    emit({ type: 'partial', outputs: tensors } as { type: 'partial' }, transfer);
  };
  try {
    const returned = await call('execute', () =>
      m.execute(inputs, { outputs: wanted, signal: cancel.signal }),
    );
    await iterate(returned, { signal: cancel.signal, send, next: step => call('execute', step) });
  } finally {
    if (cancelCurrent === cancel) cancelCurrent = undefined;
  }
  return { reply: { type: 'done' } };
}

/**
 * Runs user code, turning what it throws into an error that says where. An error from
 * `execute` carrying a model error code (see model-error.ts) fails the request with that code.
 */
async function call(fn: string, work: () => unknown): Promise<unknown> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof EngineError) throw e;
    const err = e instanceof Error ? e : new Error(String(e));
    const code = fn === 'execute' ? modelErrorCode(e) : undefined;
    if (code) throw new EngineError(code, `model '${name}': ${err.message}`);
    const frame = err.stack?.split('\n').find(l => l.includes('file://') && !SERVER_FRAME.test(l));
    throw new EngineError(
      'INTERNAL',
      `model '${name}': ${fn}() threw ${err.name}: ${err.message}${frame ? ` (${frame.trim()})` : ''}`,
    );
  }
}

function wireError(e: unknown): WireError {
  const message = e instanceof Error ? e.message : String(e);
  return e instanceof EngineError
    ? { code: e.code, message }
    : { message: `model '${name}': ${message}` };
}

serveRequests(handle, wireError, req => {
  if (req.type !== 'cancel') return false;
  cancelCurrent?.abort();
  return true;
});
