/**
 * @module
 * The model repository extension: index, load and unload (reference §1.12).
 */
import { quote } from '../../core/client-value.js';
import { EngineError } from '../../core/errors.js';
import type { InferenceEngine, LoadOptions } from '../../runtime/types.js';
import { jsonKind, readJsonObject } from '../body.js';
import { route } from '../routing.js';
import type { BraidApp, ServerContext } from '../routing.js';

/**
 * Registers `POST /v2/repository/index` (optional body `{"ready": bool}`),
 * `POST /v2/repository/models/{m}/load` (optional `{"parameters": {"config": "<json>"}}`) and
 * `POST /v2/repository/models/{m}/unload`. Named repositories (`/v2/repository/{repo}/…`) are
 * answered with UNSUPPORTED, as Triton does. `maxInputSize` bounds the request bodies.
 *
 * @example
 * registerRepositoryRoutes(app, engine, 1 << 26);
 */
export function registerRepositoryRoutes(app: BraidApp, engine: InferenceEngine, maxInputSize: number): void {
  route(app, ['/v2/repository/index'], {
    POST: async c => {
      const body = await readJsonObject(c, maxInputSize, 'the repository index request');
      return c.json(await engine.repositoryIndex(readyOnly(body)));
    },
  });
  route(app, ['/v2/repository/models/:model/load'], {
    POST: async c => {
      const name = modelName(c);
      const body = await readJsonObject(c, maxInputSize, `the load request for model ${quote(name)}`);
      await engine.load(name, loadOptions(name, body));
      return c.body(null, 200);
    },
  });
  route(app, ['/v2/repository/models/:model/unload'], {
    POST: async c => {
      const name = modelName(c);
      checkUnloadParameters(name, await readJsonObject(c, maxInputSize, `the unload request for model ${quote(name)}`));
      await engine.unload(name);
      return c.body(null, 200);
    },
  });
  route(app, ['/v2/repository/:repo/index', '/v2/repository/:repo/models/:model/load', '/v2/repository/:repo/models/:model/unload'], {
    POST: c => {
      throw namedRepositoryError(c.req.param('repo') ?? '');
    },
  });
}

/**
 * The answer to a request that names a repository, over HTTP (in the path) or gRPC
 * (`repository_name`): this server serves one, so it is UNSUPPORTED, with Triton's message
 * (http_server.cc HandleRepositoryControl, grpc_server.cc).
 *
 * @example
 * if (req.repository_name !== '') throw namedRepositoryError(req.repository_name);
 */
export function namedRepositoryError(repository: string): EngineError {
  return new EngineError('UNSUPPORTED', `'repository_name' specification is not supported: repository ${quote(repository)} was named`);
}

function modelName(c: ServerContext): string {
  return c.req.param('model') ?? '';
}

function readyOnly(body: Record<string, unknown> | undefined): boolean {
  const ready = body?.['ready'];
  if (ready === undefined) return false;
  if (typeof ready !== 'boolean') {
    throw new EngineError('INVALID_ARG', `'ready' in the repository index request must be a boolean, got ${jsonKind(ready)}`);
  }
  return ready;
}

function parametersOf(name: string, body: Record<string, unknown> | undefined, what: string): Record<string, unknown> {
  const params = body?.['parameters'];
  if (params === undefined) return {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new EngineError('INVALID_ARG', `'parameters' of the ${what} request for model ${quote(name)} must be an object, got ${jsonKind(params)}`);
  }
  return params as Record<string, unknown>;
}

/**
 * Load parameters: `config` (a model config as a JSON string) passes through to the engine;
 * `file:<version>/<name>` overrides are not implemented yet; anything else is rejected, as
 * Triton rejects unrecognized load parameters.
 */
export function loadOptions(name: string, body: Record<string, unknown> | undefined): LoadOptions {
  let config: string | undefined;
  for (const [key, value] of Object.entries(parametersOf(name, body, 'load'))) {
    if (key === 'config') {
      if (typeof value !== 'string') {
        throw new EngineError('INVALID_ARG', `load parameter 'config' for model ${quote(name)} must be a JSON string, got ${jsonKind(value)}`);
      }
      config = value;
    } else if (key.startsWith('file:')) {
      throw new EngineError('UNSUPPORTED', `load parameter ${quote(key)} for model ${quote(name)}: file overrides are not supported`);
    } else {
      throw new EngineError('INVALID_ARG', `unrecognized load parameter ${quote(key)} for model ${quote(name)}`);
    }
  }
  return config === undefined ? {} : { config };
}

/**
 * Unload parameters: `unload_dependents: false` is what clients send by default and is accepted;
 * `true` asks for something the engine cannot do yet, so it is refused rather than ignored.
 */
export function checkUnloadParameters(name: string, body: Record<string, unknown> | undefined): void {
  for (const [key, value] of Object.entries(parametersOf(name, body, 'unload'))) {
    if (key !== 'unload_dependents') {
      throw new EngineError('INVALID_ARG', `unrecognized unload parameter ${quote(key)} for model ${quote(name)}`);
    }
    if (typeof value !== 'boolean') {
      throw new EngineError('INVALID_ARG', `unload parameter 'unload_dependents' for model ${quote(name)} must be a boolean, got ${jsonKind(value)}`);
    }
    if (value) {
      throw new EngineError('UNSUPPORTED', `unload parameter 'unload_dependents' for model ${quote(name)}: unloading dependents is not supported`);
    }
  }
}
