/**
 * A grpc-js client of `inference.GRPCInferenceService` and `grpc.health.v1.Health` as Triton's
 * clients decode answers: enums by name, 64-bit integers as strings, oneofs named.
 *
 * @module
 */
import { credentials, loadPackageDefinition, Metadata } from '@grpc/grpc-js';
import type { Client, ClientReadableStream, ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import {
  GRPC_PROTO_INCLUDE_DIRS,
  GRPC_SERVICE_PROTO,
  HEALTH_PROTO,
} from '../../../../engine/server/grpc/protos.js';

type AnyClient = Client & Record<string, (...args: unknown[]) => unknown>;

const OPTIONS = {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [...GRPC_PROTO_INCLUDE_DIRS],
};

/** Clients of both services at `address`. */
export interface TritonClient {
  call(rpc: string, req?: object, md?: Record<string, string>): Promise<any>;
  health(rpc: 'Check', req?: object, md?: Record<string, string>): Promise<any>;
  watch(req?: object): ClientReadableStream<any>;
  close(): void;
}

function metadata(md: Record<string, string>): Metadata {
  const m = new Metadata();
  for (const [k, v] of Object.entries(md)) m.set(k, v);
  return m;
}

function unary(
  client: AnyClient,
  rpc: string,
  req: object,
  md: Record<string, string>,
): Promise<any> {
  return new Promise((resolve, reject) => {
    client[rpc]!.call(client, req, metadata(md), (err: ServiceError | null, res: unknown) =>
      err ? reject(err) : resolve(res),
    );
  });
}

/**
 * Connects to `127.0.0.1:port`.
 *
 * @example
 * const c = tritonClient(server.port);
 * const { config } = await c.call('ModelConfig', { name: 'simple' });
 */
export function tritonClient(port: number): TritonClient {
  const inference = loadPackageDefinition(loadSync(GRPC_SERVICE_PROTO, OPTIONS))[
    'inference'
  ] as unknown as Record<string, new (a: string, c: unknown) => AnyClient>;
  const grpcNs = loadPackageDefinition(loadSync(HEALTH_PROTO, OPTIONS))['grpc'] as any;
  const address = `127.0.0.1:${port}`;
  const main = new inference['GRPCInferenceService']!(address, credentials.createInsecure());
  const health = new grpcNs.health.v1.Health(address, credentials.createInsecure()) as AnyClient;
  return {
    call: (rpc, req = {}, md = {}) => unary(main, rpc, req, md),
    health: (rpc, req = {}, md = {}) => unary(health, rpc, req, md),
    watch: (req = {}) =>
      health['Watch']!.call(health, req, new Metadata()) as ClientReadableStream<any>,
    close() {
      main.close();
      health.close();
    },
  };
}

/** The ServiceError of a call expected to fail. */
export function failure(p: Promise<unknown>): Promise<ServiceError> {
  return p.then(
    () => {
      throw new Error('expected the call to fail');
    },
    (e: ServiceError) => e,
  );
}
