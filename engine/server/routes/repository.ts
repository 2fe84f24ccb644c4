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
export function registerRepositoryRoutes(
  app: BraidApp,
  engine: InferenceEngine,
  maxInputSize: number,
): void {
  route(app, ['/v2/repository/index'], {
    POST: async c => {
      const body = await readJsonObject(c, maxInputSize, 'the repository index request');
      return c.json(await engine.repositoryIndex(readyOnly(body)));
    },
  });
  route(app, ['/v2/repository/models/:model/load'], {
    POST: async c => {
      const name = modelName(c);
      const body = await readJsonObject(
        c,
        maxInputSize,
        `the load request for model ${quote(name)}`,
      );
      await engine.load(name, loadOptions(name, body));
      return c.body(null, 200);
    },
  });
  route(app, ['/v2/repository/models/:model/unload'], {
    POST: async c => {
      const name = modelName(c);
      checkUnloadParameters(
        name,
        await readJsonObject(c, maxInputSize, `the unload request for model ${quote(name)}`),
      );
      await engine.unload(name);
      return c.body(null, 200);
    },
  });
  route(
    app,
    [
      '/v2/repository/:repo/index',
      '/v2/repository/:repo/models/:model/load',
      '/v2/repository/:repo/models/:model/unload',
    ],
    {
      POST: c => {
        throw namedRepositoryError(c.req.param('repo') ?? '');
      },
    },
  );
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
  return new EngineError(
    'UNSUPPORTED',
    `'repository_name' specification is not supported: repository ${quote(repository)} was named`,
  );
}

function modelName(c: ServerContext): string {
  return c.req.param('model') ?? '';
}

function readyOnly(body: Record<string, unknown> | undefined): boolean {
  const ready = body?.['ready'];
  if (ready === undefined) return false;
  if (typeof ready !== 'boolean') {
    throw new EngineError(
      'INVALID_ARG',
      `'ready' in the repository index request must be a boolean, got ${jsonKind(ready)}`,
    );
  }
  return ready;
}

function parametersOf(
  name: string,
  body: Record<string, unknown> | undefined,
  what: string,
): Record<string, unknown> {
  const params = body?.['parameters'];
  if (params === undefined) return {};
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new EngineError(
      'INVALID_ARG',
      `'parameters' of the ${what} request for model ${quote(name)} must be an object, got ${jsonKind(params)}`,
    );
  }
  return params as Record<string, unknown>;
}

/**
 * Load parameters, as Triton's repository extension defines them: `config` (a model config as
 * JSON text, protobuf's JSON mapping included) and `file:<version>/<name>` (a file of the model,
 * loaded from a private directory instead of the repository; base64 text over HTTP, bytes over
 * gRPC, so `files` says which); anything else is rejected, as Triton rejects unrecognized load
 * parameters.
 *
 * @example
 * loadOptions('m', { parameters: { config: '{"max_batch_size":"8"}', 'file:1/model.onnx': 'CAES...' } });
 */
export function loadOptions(
  name: string,
  body: Record<string, unknown> | undefined,
  files: 'base64' | 'bytes' = 'base64',
): LoadOptions {
  let config: string | undefined;
  const contents = new Map<string, Uint8Array>();
  for (const [key, value] of Object.entries(parametersOf(name, body, 'load'))) {
    if (key === 'config') {
      if (typeof value !== 'string') {
        throw new EngineError(
          'INVALID_ARG',
          `load parameter 'config' for model ${quote(name)} must be a JSON string, got ${jsonKind(value)}`,
        );
      }
      config = value;
    } else if (key.startsWith('file:')) {
      contents.set(key, fileContent(name, key, value, files));
    } else {
      throw new EngineError(
        'INVALID_ARG',
        `unrecognized load parameter ${quote(key)} for model ${quote(name)}`,
      );
    }
  }
  return {
    ...(config === undefined ? {} : { config }),
    ...(contents.size > 0 ? { files: contents } : {}),
  };
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

function fileContent(
  name: string,
  key: string,
  value: unknown,
  encoding: 'base64' | 'bytes',
): Uint8Array {
  const where = `load parameter ${quote(key)} for model ${quote(name)}`;
  if (encoding === 'bytes') {
    if (value instanceof Uint8Array) return value;
    throw new EngineError(
      'INVALID_ARG',
      `${where} must have bytes type for its value (bytes_param)`,
    );
  }
  if (typeof value !== 'string')
    throw new EngineError(
      'INVALID_ARG',
      `${where} must be the file's content in base64, got ${jsonKind(value)}`,
    );
  if (!BASE64.test(value))
    throw new EngineError(
      'INVALID_ARG',
      `${where} must be the file's content in base64: it is not valid base64`,
    );
  return Buffer.from(value, 'base64');
}

/**
 * Unload parameters: `unload_dependents: false` is what clients send by default and is accepted;
 * `true` asks for something the engine cannot do yet, so it is refused rather than ignored.
 */
export function checkUnloadParameters(
  name: string,
  body: Record<string, unknown> | undefined,
): void {
  for (const [key, value] of Object.entries(parametersOf(name, body, 'unload'))) {
    if (key !== 'unload_dependents') {
      throw new EngineError(
        'INVALID_ARG',
        `unrecognized unload parameter ${quote(key)} for model ${quote(name)}`,
      );
    }
    if (typeof value !== 'boolean') {
      throw new EngineError(
        'INVALID_ARG',
        `unload parameter 'unload_dependents' for model ${quote(name)} must be a boolean, got ${jsonKind(value)}`,
      );
    }
    if (value) {
      throw new EngineError(
        'UNSUPPORTED',
        `unload parameter 'unload_dependents' for model ${quote(name)}: unloading dependents is not supported`,
      );
    }
  }
}
