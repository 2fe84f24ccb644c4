/**
 * @module The handlers of `inference.GRPCInferenceService` over the engine: each RPC does what
 * its HTTP route does, and every failure is the engine error's gRPC status (one mapping, in
 * engine/server/errors.ts) with the same message.
 */
import type {
  sendUnaryData,
  ServerDuplexStream,
  ServerUnaryCall,
  UntypedServiceImplementation,
} from '@grpc/grpc-js';
import { Metadata } from '@grpc/grpc-js';
import { toEngineError } from '../../core/errors.js';
import { noopTracer } from '../../core/telemetry.js';
import type { RequestTracer } from '../../core/telemetry.js';
import type { Logger } from '../../core/logger.js';
import { noopLogger } from '../../core/logger.js';
import type { InferenceEngine } from '../../runtime/types.js';
import type { ModelStatistics } from '../../runtime/types.js';
import { grpcStatistics } from './statistics.js';
import { InFlight, shuttingDown } from '../drain.js';
import { clientMessage, ERROR_STATUS, GRPC_STATUS, RESTRICTED_STATUS } from '../errors.js';
import {
  allows,
  GRPC_RPC_CATEGORIES,
  grpcRestrictedMessage,
  NO_RESTRICTIONS,
} from '../restricted-api.js';
import type { Restriction, Restrictions } from '../restricted-api.js';
import { checkUnloadParameters, loadOptions, namedRepositoryError } from '../routes/repository.js';
import type { GrpcInferRequest } from './infer-codec.js';
import { grpcVersion } from './infer-codec.js';
import { tracedInfer } from './model-infer.js';
import { streamInfer, type StreamMessage } from './stream-infer.js';

type Unary<Req> = (req: Req, call: ServerUnaryCall<Req, unknown>) => unknown;

interface NameVersion {
  readonly name: string;
  readonly version: string;
}

/** `ModelRepositoryParameter` as decoded (`oneofs: true`). */
interface RepositoryParameter {
  readonly parameter_choice?: 'bool_param' | 'int64_param' | 'string_param' | 'bytes_param';
  readonly bool_param?: boolean;
  readonly int64_param?: string;
  readonly string_param?: string;
  readonly bytes_param?: Uint8Array;
}

interface RepositoryRequest {
  readonly repository_name: string;
  readonly model_name: string;
  readonly parameters?: Readonly<Record<string, RepositoryParameter>>;
}

/** Options of {@link grpcHandlers}. */
export interface GrpcHandlerOptions {
  /** Where failures that are not engine errors are logged. Default: dropped. */
  readonly logger?: Logger;
  /**
   * Categories that require metadata (Triton's `--grpc-restricted-protocol`, keys with the
   * `triton-grpc-protocol-` prefix); a call without it is refused before any work. Default: none.
   */
  readonly restrictedProtocols?: Restrictions;
  /** True once a graceful shutdown has begun: ModelInfer calls are then UNAVAILABLE. Default: never. */
  readonly isDraining?: () => boolean;
  /** Counts every call until it is answered, so a drain can wait for them. */
  readonly inFlight?: InFlight;
  /** Samples ModelInfer calls as the HTTP infer route does. Default: none traced. */
  readonly tracer?: RequestTracer;
}

/**
 * The service implementation for `server.addService`.
 *
 * @example
 * server.addService(proto.inference.GRPCInferenceService.service, grpcHandlers(engine, { logger }));
 */
export function grpcHandlers(
  engine: InferenceEngine,
  opts: GrpcHandlerOptions = {},
): UntypedServiceImplementation {
  const { logger = noopLogger, isDraining = () => false, inFlight = new InFlight() } = opts;
  const restrictions = opts.restrictedProtocols ?? NO_RESTRICTIONS;
  const rpc = <Req>(name: string, fn: Unary<Req>) =>
    [
      name,
      unary(name, fn, { logger, inFlight, restriction: restrictionOf(name, restrictions) }),
    ] as const;
  return Object.fromEntries([
    rpc('ServerLive', () => ({ live: engine.isLive() })),
    rpc('ServerReady', () => ({ ready: engine.isReady() })),
    rpc<NameVersion>('ModelReady', r => ({
      ready: engine.isModelReady(r.name, grpcVersion(r.version, r.name)),
    })),
    rpc('ServerMetadata', () => engine.serverMetadata()),
    rpc<NameVersion>('ModelMetadata', r =>
      engine.modelMetadata(r.name, grpcVersion(r.version, r.name)),
    ),
    // Braid's config has Triton's field names and enum names, so it is already a ModelConfig message.
    rpc<NameVersion>('ModelConfig', r => ({
      config: engine.modelConfig(r.name, grpcVersion(r.version, r.name)),
    })),
    rpc<GrpcInferRequest>('ModelInfer', (r, call) => {
      if (isDraining()) throw shuttingDown();
      return tracedInfer(engine, r, call, opts.tracer ?? noopTracer);
    }),
    [
      'ModelStreamInfer',
      stream(engine, {
        logger,
        isDraining,
        inFlight,
        restriction: restrictionOf('ModelStreamInfer', restrictions),
      }),
    ] as const,
    rpc<NameVersion>('ModelStatistics', r => ({
      model_stats: statistics(engine, r).map(grpcStatistics),
    })),
    rpc<{ repository_name: string; ready: boolean }>('RepositoryIndex', async r => {
      servedRepository(r);
      return { models: await engine.repositoryIndex(r.ready) };
    }),
    rpc<RepositoryRequest>('RepositoryModelLoad', async r => {
      servedRepository(r);
      await engine.load(
        r.model_name,
        loadOptions(r.model_name, { parameters: plainParameters(r) }, 'bytes'),
      );
      return {};
    }),
    rpc<RepositoryRequest>('RepositoryModelUnload', async r => {
      servedRepository(r);
      checkUnloadParameters(r.model_name, { parameters: plainParameters(r) });
      await engine.unload(r.model_name);
      return {};
    }),
  ]);
}

/** The restriction of RPC `name`; throws for an RPC missing from the category table. */
function restrictionOf(name: string, restrictions: Restrictions): Restriction | undefined {
  const category = GRPC_RPC_CATEGORIES.get(name);
  if (category === undefined) {
    throw new Error(
      `gRPC method '${name}' has no restricted-API category; add it to GRPC_RPC_CATEGORIES in restricted-api.ts`,
    );
  }
  return restrictions.get(category);
}

interface UnaryOptions {
  readonly logger: Logger;
  readonly inFlight: InFlight;
  readonly restriction: Restriction | undefined;
}

function unary<Req>(name: string, fn: Unary<Req>, { logger, inFlight, restriction }: UnaryOptions) {
  return (call: ServerUnaryCall<Req, unknown>, callback: sendUnaryData<unknown>): void => {
    // Refused before any work, and before it counts as a call the drain waits for.
    if (restriction && !allows(restriction, firstString(call.metadata, restriction.lookup))) {
      return callback({
        code: GRPC_STATUS[RESTRICTED_STATUS.grpc],
        details: grpcRestrictedMessage(restriction),
        metadata: new Metadata(),
      });
    }
    const done = inFlight.begin();
    let result: unknown;
    try {
      result = fn(call.request, call);
    } catch (e) {
      done();
      return fail(callback, e, name, logger);
    }
    Promise.resolve(result).then(
      value => {
        done();
        callback(null, value);
      },
      (e: unknown) => {
        done();
        fail(callback, e, name, logger);
      },
    );
  };
}

/** The ModelStreamInfer handler; a call without the restricted-protocol metadata ends at once. */
function stream(
  engine: InferenceEngine,
  opts: Omit<UnaryOptions, 'restriction'> & {
    restriction: Restriction | undefined;
    isDraining: () => boolean;
  },
) {
  return (call: ServerDuplexStream<GrpcInferRequest, StreamMessage>): void => {
    const { restriction } = opts;
    if (restriction && !allows(restriction, firstString(call.metadata, restriction.lookup))) {
      call.emit('error', {
        code: GRPC_STATUS[RESTRICTED_STATUS.grpc],
        details: grpcRestrictedMessage(restriction),
        metadata: new Metadata(),
      });
      return;
    }
    streamInfer(engine, call, opts);
  };
}

/** The first value of metadata `key`, as Triton's `client_metadata().find(key)` reads it. */
function firstString(metadata: Metadata, key: string): string | undefined {
  const value = metadata.get(key)[0];
  return typeof value === 'string' ? value : undefined;
}

function fail(callback: sendUnaryData<unknown>, e: unknown, rpc: string, logger: Logger): void {
  const err = toEngineError(e);
  if (err.code === 'INTERNAL')
    logger.log('error', 'gRPC request failed', { rpc, error: err.message });
  callback({
    code: GRPC_STATUS[ERROR_STATUS[err.code].grpc],
    details: clientMessage(err.message),
    metadata: new Metadata(),
  });
}

function statistics(engine: InferenceEngine, r: NameVersion): ModelStatistics[] {
  if (r.name === '') return engine.statistics();
  return engine.statistics(r.name, grpcVersion(r.version, r.name));
}

/** Refuses a request that names a repository, as the HTTP routes do. */
function servedRepository(r: { readonly repository_name: string }): void {
  if (r.repository_name !== '') throw namedRepositoryError(r.repository_name);
}

/** Repository parameters as the HTTP routes read them: bool, number, string (bytes for `file:`). */
function plainParameters(r: RepositoryRequest): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, p] of Object.entries(r.parameters ?? {})) {
    const choice = p.parameter_choice;
    out[key] =
      choice === 'int64_param'
        ? Number(p.int64_param)
        : choice === undefined
          ? undefined
          : p[choice];
  }
  return out;
}
