/*
 * Restricted protocols over gRPC (issue #10, access control), with a real grpc-js client and
 * metadata: each RPC's category as Triton's src/grpc/grpc_server.cc checks it, and the
 * UNAVAILABLE status and message of its `ExecutePrecondition`.
 */
import { fileURLToPath } from 'node:url';
import { credentials, loadPackageDefinition, Metadata, status } from '@grpc/grpc-js';
import type { Client, ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inferenceServiceDefinition, listenGrpc } from '../../../../engine/server/grpc/listen.js';
import type { GrpcServerHandle } from '../../../../engine/server/grpc/listen.js';
import {
  GRPC_RESTRICTED_HEADER_PREFIX,
  GRPC_RPC_CATEGORIES,
  RESTRICTED_CATEGORIES,
  restriction,
} from '../../../../engine/server/restricted-api.js';
import type { RestrictedCategory } from '../../../../engine/server/restricted-api.js';
import type { FakeEngine } from '../fake-engine.js';
import { fakeEngine } from '../helpers.js';
import {
  GRPC_PROTO_INCLUDE_DIRS,
  healthServiceDefinition,
} from '../../../../engine/server/grpc/protos.js';

const PROTO = fileURLToPath(
  new URL('../../../../engine/server/grpc/grpc_service.proto', import.meta.url),
);
type Rpc = (
  req: object,
  md: Metadata,
  cb: (err: ServiceError | null, res: unknown) => void,
) => void;
type InferenceClient = Client & Record<string, Rpc>;

const i32 = (n: number) => Buffer.from(new Int32Array(16).fill(n).buffer);
const inferRequest = {
  model_name: 'simple',
  inputs: [
    { name: 'INPUT0', datatype: 'INT32', shape: [1, 16] },
    { name: 'INPUT1', datatype: 'INT32', shape: [1, 16] },
  ],
  raw_input_contents: [i32(1), i32(2)],
};

/** Every RPC with a request it answers and its category: written from Triton's handlers, not from the table. */
const RPCS: readonly [rpc: string, request: object, category: RestrictedCategory][] = [
  ['ServerLive', {}, 'health'],
  ['ServerReady', {}, 'health'],
  ['ModelReady', { name: 'simple' }, 'health'],
  ['ServerMetadata', {}, 'metadata'],
  ['ModelMetadata', { name: 'simple' }, 'metadata'],
  ['ModelConfig', { name: 'simple' }, 'model-config'],
  ['ModelInfer', inferRequest, 'inference'],
  ['ModelStatistics', { name: '' }, 'statistics'],
  ['RepositoryIndex', {}, 'model-repository'],
  ['RepositoryModelLoad', { model_name: 'simple' }, 'model-repository'],
  ['RepositoryModelUnload', { model_name: 'echo' }, 'model-repository'],
];

const KEY = `${GRPC_RESTRICTED_HEADER_PREFIX}admin-key`;
const MESSAGE = `This protocol is restricted, expecting header '${KEY}'`;

interface Served {
  readonly engine: FakeEngine;
  readonly server: GrpcServerHandle;
  readonly client: InferenceClient;
}
const served = new Map<RestrictedCategory, Served>();

async function serve(category: RestrictedCategory): Promise<Served> {
  const engine = fakeEngine();
  const server = await listenGrpc(engine, {
    port: 0,
    host: '127.0.0.1',
    maxMessageBytes: 1 << 20,
    restrictedProtocols: new Map([[category, restriction(KEY, 's3cret')]]),
  });
  const pkg = loadSync(PROTO, {
    keepCase: true,
    longs: String,
    defaults: true,
    oneofs: true,
    includeDirs: [...GRPC_PROTO_INCLUDE_DIRS],
  });
  const ctor = (
    loadPackageDefinition(pkg)['inference'] as unknown as Record<
      string,
      new (a: string, c: unknown) => InferenceClient
    >
  )['GRPCInferenceService']!;
  return {
    engine,
    server,
    client: new ctor(`127.0.0.1:${server.port}`, credentials.createInsecure()),
  };
}

function call(
  client: InferenceClient,
  rpc: string,
  req: object,
  md: Record<string, string> = {},
): Promise<ServiceError | 'ok'> {
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(md)) metadata.set(k, v);
  return new Promise(resolve =>
    client[rpc]!.call(client, req, metadata, err => resolve(err ?? 'ok')),
  );
}

/** The health service's RPCs, keyed by full name (issue #13 item 4): Triton restricts them as `health`. */
const HEALTH_RPCS: readonly [rpc: string, category: RestrictedCategory][] = [
  ['grpc.health.v1.Health/Check', 'health'],
  ['grpc.health.v1.Health/Watch', 'health'],
];

const CATEGORIES = [
  'health',
  'metadata',
  'model-config',
  'inference',
  'statistics',
  'model-repository',
] as const;

beforeAll(async () => {
  for (const c of CATEGORIES) served.set(c, await serve(c));
});

afterAll(async () => {
  for (const s of served.values()) {
    s.client.close();
    await s.server.close(0);
  }
});

describe('the gRPC category table', () => {
  it("gives every RPC Triton's category and covers exactly the service's methods", () => {
    expect(Object.fromEntries(GRPC_RPC_CATEGORIES)).toEqual(
      Object.fromEntries([
        ...RPCS.map(([rpc, , c]) => [rpc, c]),
        ...HEALTH_RPCS,
        ['ModelStreamInfer', 'inference'],
      ]),
    );
    const health = Object.keys(healthServiceDefinition()).map(m => `grpc.health.v1.Health/${m}`);
    expect([...Object.keys(inferenceServiceDefinition()), ...health].sort()).toEqual(
      [...GRPC_RPC_CATEGORIES.keys()].sort(),
    );
    for (const c of GRPC_RPC_CATEGORIES.values()) expect(RESTRICTED_CATEGORIES).toContain(c);
  });
});

describe('--grpc-restricted-protocol', () => {
  // issue #15 section 1: the stream is an inference RPC, refused before any request is read.
  it('refuses a ModelStreamInfer call without the inference metadata with UNAVAILABLE', async () => {
    const { client } = served.get('inference')!;
    const stream = (
      client as unknown as { ModelStreamInfer: () => NodeJS.EventEmitter & { end(): void } }
    ).ModelStreamInfer();
    const status = new Promise<{ code: number; details: string }>(resolve =>
      stream.on('status', resolve),
    );
    stream.on('error', () => undefined);
    stream.on('data', () => undefined);
    stream.end();
    expect(await status).toMatchObject({ code: 14, details: MESSAGE });
  });

  it.each(CATEGORIES)(
    'restricting %s refuses exactly its RPCs without the metadata, with UNAVAILABLE',
    async category => {
      const { client } = served.get(category)!;
      for (const [rpc, req, rpcCategory] of RPCS) {
        const res = await call(client, rpc, req);
        if (rpcCategory === category) {
          expect(res, rpc).toMatchObject({ code: status.UNAVAILABLE, details: MESSAGE });
        } else {
          expect(res, rpc).toBe('ok');
        }
      }
    },
  );

  it.each(RPCS)(
    '%s: the right metadata passes, a wrong value or key is refused',
    async (rpc, req, category) => {
      const { client } = served.get(category)!;
      expect(await call(client, rpc, req, { [KEY]: 's3cret' })).toBe('ok');
      expect(await call(client, rpc, req, { [KEY]: 's3cretx' })).toMatchObject({
        code: status.UNAVAILABLE,
        details: MESSAGE,
      });
      // Without Triton's prefix the key is a different one.
      expect(await call(client, rpc, req, { 'admin-key': 's3cret' })).toMatchObject({
        code: status.UNAVAILABLE,
        details: MESSAGE,
      });
    },
  );

  it('refuses before the engine sees the call', async () => {
    const { client, engine } = served.get('inference')!;
    const before = engine.inferCalls.length;
    expect(await call(client, 'ModelInfer', inferRequest)).toMatchObject({
      code: status.UNAVAILABLE,
    });
    expect(engine.inferCalls).toHaveLength(before);
    const repo = served.get('model-repository')!;
    const loads = repo.engine.loadCalls.length;
    expect(await call(repo.client, 'RepositoryModelLoad', { model_name: 'simple' })).toMatchObject({
      code: status.UNAVAILABLE,
    });
    expect(repo.engine.loadCalls).toHaveLength(loads);
  });
});
