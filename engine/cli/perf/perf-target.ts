/**
 * Where `braid perf` reads the model, checks its first request, sends its load and reads the
 * server's statistics: over HTTP (KServe v2 REST) or over gRPC (`inference.GRPCInferenceService`,
 * perf_analyzer's `-i grpc`). Both feed the same generator, windows and breakdown.
 *
 * @module
 */
import { EngineError } from '../../core/errors.js';
import { GrpcInferClient } from '../../server/grpc/infer-client.js';
import { modelInfoFrom, modelPath, readModelInfo } from './model-info.js';
import type { ModelInfo } from './model-info.js';
import { tensorBytes } from './request-body.js';
import type { InputTensor, PreparedRequest } from './request-body.js';
import { sendOnce } from './send-once.js';
import { parseStats, readStats } from './server-stats.js';
import type { StatsSnapshot } from './server-stats.js';

/** The protocol `braid perf` speaks to the server. */
export type PerfProtocol = 'http' | 'grpc';

/** The server under test, over one protocol. */
export interface PerfTarget {
  /** For the report: the HTTP origin, or `host:port` of the gRPC endpoint. */
  readonly origin: string;
  /** What the generator sends to: the infer URL, or `grpc://host:port`. */
  readonly loadUrl: string;
  /** Encodes a request's tensors when the protocol is not HTTP's (JSON or binary extension). */
  readonly encode?: (tensors: readonly InputTensor[]) => PreparedRequest;
  readModelInfo(): Promise<ModelInfo>;
  /** Sends one request and throws unless it succeeds, so a sweep never measures failures. */
  checkFirstRequest(request: PreparedRequest): Promise<void>;
  readStats(): Promise<StatsSnapshot>;
  close(): void;
}

/** perf_analyzer's default endpoints. */
export const DEFAULT_HTTP_URL = 'localhost:8000';
export const DEFAULT_GRPC_URL = 'localhost:8001';

/**
 * Normalizes a `-u` value: `host:port` gets `http://`; a trailing slash is dropped.
 *
 * @example
 * normalizeUrl('localhost:8000'); // 'http://localhost:8000'
 */
export function normalizeUrl(url: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(url) ? url : `http://${url}`;
  const u = new URL(withScheme);
  if (u.protocol !== 'http:')
    throw new EngineError('UNSUPPORTED', `-u ${url}: only http:// is supported`);
  return u.origin;
}

/**
 * Normalizes a `-u` value for gRPC to `host:port`: perf_analyzer's form, optionally with
 * `grpc://`; the port defaults to 8001.
 *
 * @example
 * grpcAddress('grpc://localhost'); // 'localhost:8001'
 */
export function grpcAddress(url: string): string {
  const withScheme = /^[a-z]+:\/\//i.test(url) ? url : `grpc://${url}`;
  const u = new URL(withScheme);
  if (u.protocol !== 'grpc:' || (u.pathname !== '' && u.pathname !== '/')) {
    throw new EngineError(
      'UNSUPPORTED',
      `-u ${url}: with --protocol grpc, expected host:port (plaintext gRPC)`,
    );
  }
  return `${u.hostname}:${u.port || '8001'}`;
}

function httpTarget(url: string, model: string, version: string | undefined): PerfTarget {
  const origin = normalizeUrl(url);
  const loadUrl = `${origin}${modelPath(model, version)}/infer`;
  return {
    origin,
    loadUrl,
    readModelInfo: () => readModelInfo(origin, model, version),
    async checkFirstRequest(request) {
      const res = await sendOnce(loadUrl, request.body, request.headers);
      if (res.status < 200 || res.status >= 300) {
        const body = res.body.toString('utf8').slice(0, 500);
        throw refused(model, `HTTP ${res.status}`, body);
      }
    },
    readStats: () => readStats(origin, model, version),
    close: () => undefined,
  };
}

function refused(model: string, status: string, detail: string): EngineError {
  const message = `model '${model}' refused the generated request (${status}): ${detail}`;
  return new EngineError('INVALID_ARG', message);
}

function grpcTarget(url: string, model: string, version: string | undefined): PerfTarget {
  const address = grpcAddress(url);
  const client = new GrpcInferClient(address);
  const ref = { model, ...(version ? { version } : {}) };
  return {
    origin: address,
    loadUrl: `grpc://${address}`,
    encode: tensors => ({
      body: client.encodeInfer(
        ref,
        tensors.map(t => ({
          name: t.name,
          datatype: t.datatype ?? 'FP32',
          shape: t.shape,
          raw: tensorBytes(t),
        })),
      ),
      headers: {},
    }),
    async readModelInfo() {
      const metadata = await client.metadata(ref).catch((e: EngineError) => {
        const at = `model '${model}'${version ? ` version ${version}` : ''} at ${address}`;
        throw new EngineError(e.code, `${at}: ${e.message}`);
      });
      const config = await client.config(ref).catch(() => undefined);
      return modelInfoFrom(model, metadata, config);
    },
    checkFirstRequest: request =>
      new Promise((resolve, reject) =>
        client.inferBytes(request.body, e => (e ? reject(refused(model, 'gRPC', e)) : resolve())),
      ),
    readStats: async () => parseStats(await client.statistics(ref), model),
    close: () => client.close(),
  };
}

/**
 * The server at `url` (perf_analyzer's `-u`; default per protocol) for `model`.
 *
 * @example
 * const target = perfTarget('grpc', 'localhost:8001', 'simple');
 * const info = await target.readModelInfo();
 * target.close();
 */
export function perfTarget(
  protocol: PerfProtocol,
  url: string | undefined,
  model: string,
  version?: string,
): PerfTarget {
  return protocol === 'grpc'
    ? grpcTarget(url ?? DEFAULT_GRPC_URL, model, version)
    : httpTarget(url ?? DEFAULT_HTTP_URL, model, version);
}
