import { credentials, loadPackageDefinition } from '@grpc/grpc-js';
import type { Client, ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { fileURLToPath } from 'node:url';
import type { InferenceEngine } from '../../../../engine/runtime/types.js';
import { listenGrpc } from '../../../../engine/server/grpc/listen.js';
import type { GrpcListenOptions, GrpcServerHandle } from '../../../../engine/server/grpc/listen.js';
import { GRPC_PROTO_INCLUDE_DIRS } from '../../../../engine/server/grpc/protos.js';

const PROTO = fileURLToPath(
  new URL('../../../../engine/server/grpc/grpc_service.proto', import.meta.url),
);
type Rpc = (req: object, cb: (err: ServiceError | null, res: any) => void) => void;
type InferenceClient = Client & Record<string, Rpc>;

/** A gRPC server over `engine` on a free port and a client of it. */
export interface GrpcHarness {
  readonly server: GrpcServerHandle;
  /** Calls `rpc` on the shared client; rejects with the ServiceError. */
  call(rpc: string, req?: object): Promise<any>;
  close(): Promise<void>;
}

/**
 * An insecure grpc-js client of `inference.GRPCInferenceService` at `address`, decoding field
 * names as in the proto, 64-bit integers as strings, with defaults and oneofs filled in.
 *
 * @example
 * const client = inferenceClient<InferenceClient>('127.0.0.1:8001');
 */
export function inferenceClient<T extends Client>(address: string): T {
  const pkg = loadSync(PROTO, {
    keepCase: true,
    longs: String,
    defaults: true,
    oneofs: true,
    includeDirs: [...GRPC_PROTO_INCLUDE_DIRS],
  });
  const inference = loadPackageDefinition(pkg)['inference'] as unknown as Record<
    string,
    new (a: string, c: unknown) => T
  >;
  return new inference['GRPCInferenceService']!(address, credentials.createInsecure());
}

/** Serves `engine` over gRPC on 127.0.0.1:0. */
export async function startGrpc(
  engine: InferenceEngine,
  opts: Partial<GrpcListenOptions> = {},
): Promise<GrpcHarness> {
  const server = await listenGrpc(engine, {
    port: 0,
    host: '127.0.0.1',
    maxMessageBytes: 1 << 26,
    ...opts,
  });
  const client = inferenceClient<InferenceClient>(`127.0.0.1:${server.port}`);
  return {
    server,
    call: (rpc, req = {}) =>
      new Promise((resolve, reject) =>
        client[rpc]!.call(client, req, (err, res) => (err ? reject(err) : resolve(res))),
      ),
    async close() {
      client.close();
      await server.close(0);
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
