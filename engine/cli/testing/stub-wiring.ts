/**
 * @module Where stubs enter a test engine, leaving the engine itself as it serves: the model
 * catalog that pipeline steps call models through, and the JS backend that runs `module:`
 * steps, each wrapped so a call first asks the stubs in force.
 */
import path from 'node:path';
import type { Backend, ModelInstance } from '../../core/backend.js';
import { EngineError } from '../../core/errors.js';
import type { CatalogModel, ModelCatalog } from '../../core/model-catalog.js';
import type { StubRuntime } from './stub-runtime.js';

/** Options of {@link stubbingCatalog}. */
export interface StubbingCatalogOptions {
  readonly runtime: StubRuntime;
  /** Models left unloaded because stubs replace them wherever they are called. */
  readonly unloaded: ReadonlySet<string>;
  /** Their signatures, read from the repository. */
  readonly signature: (name: string, version?: number) => Promise<CatalogModel>;
}

/**
 * The engine's catalog as pipeline steps see it in a test: a stubbed model answers from its
 * stub, and an unloaded one reports the signature its config declares.
 *
 * @example
 * createPipelineBackend({ catalog: stubbingCatalog(engineCatalog, { runtime, unloaded, signature }) });
 */
export function stubbingCatalog(inner: ModelCatalog, opts: StubbingCatalogOptions): ModelCatalog {
  const metadata = (name: string, version?: number) =>
    opts.unloaded.has(name) ? opts.signature(name, version) : inner.metadata(name, version);
  return {
    metadata,
    async infer(req, ctx) {
      const stub = opts.runtime.modelStub(req.modelName);
      if (!stub) {
        if (opts.unloaded.has(req.modelName)) {
          throw new EngineError(
            'UNAVAILABLE',
            `model '${req.modelName}' is not loaded, as stubs replace it in the tests, but this request has no stub for it`,
          );
        }
        return inner.infer(req, ctx);
      }
      const model = await metadata(req.modelName, req.modelVersion);
      const outputs = await opts.runtime.answer(
        stub,
        {
          replaces: `model '${req.modelName}'`,
          inputs: req.inputs,
          maxBatchSize: model.maxBatchSize,
          ...(req.outputs ? { outputs: req.outputs.map(o => o.name) } : {}),
          ...(req.signal ? { signal: req.signal } : {}),
        },
        () => inner.infer(req, ctx).then(r => r.outputs),
      );
      return {
        ...(req.id ? { id: req.id } : {}),
        modelName: req.modelName,
        modelVersion: String(model.version),
        outputs,
      };
    },
  };
}

/**
 * The JS backend as pipelines use it for `module:` steps in a test: each module instance asks
 * the stubs in force for its file before running the real module.
 *
 * @example
 * createPipelineBackend({ catalog, modules: stubbingModules(js, runtime) });
 */
export function stubbingModules(inner: Backend, runtime: StubRuntime): Backend {
  return {
    name: inner.name,
    platforms: inner.platforms,
    defaultModelFilename: inner.defaultModelFilename,
    ...(inner.modelFilenames ? { modelFilenames: inner.modelFilenames } : {}),
    describe: files => inner.describe(files),
    async createInstance(config, files, opts): Promise<ModelInstance> {
      const real = await inner.createInstance(config, files, opts);
      const file = path.resolve(files.modelPath);
      return {
        execute(inputs, o) {
          const stub = runtime.moduleStub(file);
          if (!stub) return real.execute(inputs, o);
          const call = {
            replaces: `module '${path.basename(file)}'`,
            inputs,
            signal: o.signal,
            maxBatchSize: config.max_batch_size,
            ...(o.outputs ? { outputs: o.outputs } : {}),
          };
          return runtime.answer(stub, call, () => real.execute(inputs, o));
        },
        dispose: () => real.dispose(),
      };
    },
  };
}
