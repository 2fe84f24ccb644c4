/*
 * Access control and TLS through the real CLI (issue #10, "Safe to expose"): `braid serve` in a
 * child process with HTTPS under mutual TLS, gRPC over TLS, restricted APIs on both, and the
 * start-up warning for a control API left open beyond loopback. Clients are curl and grpc-js.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { credentials, loadPackageDefinition, Metadata, status } from '@grpc/grpc-js';
import type { Client, ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { curl, curlMissing, makeCertificates, opensslMissing } from '../support/certificates.js';
import type { Certificates } from '../support/certificates.js';
import { EXAMPLES } from '../support/repo.js';
import { startServe } from '../support/serve-process.js';
import type { ServeProcess } from '../support/serve-process.js';
import { GRPC_PROTO_INCLUDE_DIRS } from '../../engine/server/grpc/protos.js';

const PROTO = fileURLToPath(
  new URL('../../engine/server/grpc/grpc_service.proto', import.meta.url),
);
type InferenceClient = Client &
  Record<
    string,
    (
      req: object,
      md: Metadata,
      opts: object,
      cb: (err: ServiceError | null, res: unknown) => void,
    ) => void
  >;

const skip = opensslMissing() || curlMissing();
let certs: Certificates;
let server: ServeProcess;
let base: string;
let client: InferenceClient;

beforeAll(async () => {
  if (skip) return;
  certs = makeCertificates();
  server = await startServe([
    '--model-repository',
    EXAMPLES,
    '--model-control-mode',
    'explicit',
    '--load-model',
    'simple',
    '--allow-metrics',
    'false',
    '--http-use-ssl-mutual',
    'true',
    '--http-server-cert',
    certs.serverCert,
    '--http-server-key',
    certs.serverKey,
    '--http-root-cert',
    certs.caCert,
    '--http-restricted-api',
    'model-repository,trace,logging:admin-key=s3cret',
    '--grpc-use-ssl',
    'true',
    '--grpc-server-cert',
    certs.serverCert,
    '--grpc-server-key',
    certs.serverKey,
    '--grpc-restricted-protocol',
    'inference:infer-key=k1',
    // Beyond loopback on purpose, with model-repository left open, for the warning.
    '--grpc-address',
    '0.0.0.0',
  ]);
  base = `https://127.0.0.1:${server.port}`;
  const grpcPort = server.logs.find(l => l.msg === 'Started GRPCInferenceService')!.port as number;
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
  client = new ctor(`127.0.0.1:${grpcPort}`, credentials.createSsl(readFileSync(certs.caCert)));
}, 60_000);

afterAll(async () => {
  client?.close();
  await server?.stop();
  certs?.remove();
});

const withCert = () => [
  '--cacert',
  certs.caCert,
  '--cert',
  certs.clientCert,
  '--key',
  certs.clientKey,
];

function rpc(name: string, req: object, md: Record<string, string> = {}): Promise<unknown> {
  const metadata = new Metadata();
  for (const [k, v] of Object.entries(md)) metadata.set(k, v);
  return new Promise((resolve, reject) =>
    client[name]!.call(client, req, metadata, { deadline: Date.now() + 20_000 }, (err, res) =>
      err ? reject(err) : resolve(res),
    ),
  );
}

describe.skipIf(skip)('braid serve, locked down', () => {
  it('serves HTTPS to a client with a certificate from the CA and refuses one without', async () => {
    expect(await curl(`${base}/v2/health/ready`, withCert())).toMatchObject({
      exitCode: 0,
      status: 200,
    });
    const anonymous = await curl(`${base}/v2/health/ready`, ['--cacert', certs.caCert]);
    expect(anonymous.exitCode).not.toBe(0);
    expect(anonymous.status).toBe(0);
  });

  it("refuses the restricted HTTP APIs without the header, with 403 and Triton's message, and serves them with it", async () => {
    const refused = await curl(`${base}/v2/repository/index`, [...withCert(), '-X', 'POST']);
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.body)).toEqual({
      error: "This API is restricted, expecting header 'admin-key'",
    });
    expect((await curl(`${base}/v2/logging`, withCert())).status).toBe(403);
    expect(
      (await curl(`${base}/v2/trace/setting`, [...withCert(), '-H', 'admin-key: wrong'])).status,
    ).toBe(403);
    const index = await curl(`${base}/v2/repository/index`, [
      ...withCert(),
      '-X',
      'POST',
      '-H',
      'admin-key: s3cret',
    ]);
    expect(index.status).toBe(200);
    expect(JSON.parse(index.body)).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'simple', state: 'READY' })]),
    );
    // Inference is not restricted on HTTP.
    expect((await curl(`${base}/v2/models/simple`, withCert())).status).toBe(200);
  });

  it('serves gRPC over TLS and refuses the restricted protocol without its metadata', async () => {
    expect(await rpc('ServerLive', {})).toEqual({ live: true });
    const f32 = Buffer.from(new Float32Array(16).fill(1).buffer);
    const infer = {
      model_name: 'simple',
      inputs: [
        { name: 'INPUT0', datatype: 'FP32', shape: [1, 16] },
        { name: 'INPUT1', datatype: 'FP32', shape: [1, 16] },
      ],
      raw_input_contents: [f32, f32],
    };
    await expect(rpc('ModelInfer', infer)).rejects.toMatchObject({
      code: status.UNAVAILABLE,
      details: "This protocol is restricted, expecting header 'triton-grpc-protocol-infer-key'",
    });
    await expect(
      rpc('ModelInfer', infer, { 'triton-grpc-protocol-infer-key': 'k2' }),
    ).rejects.toMatchObject({ code: status.UNAVAILABLE });
    expect(
      await rpc('ModelInfer', infer, { 'triton-grpc-protocol-infer-key': 'k1' }),
    ).toMatchObject({ model_name: 'simple' });
  });

  it('warns at start about the control API left open on a non-loopback address, and only there', () => {
    const warnings = server.logs.filter(
      l => l.level === 'warn' && String(l.msg).includes('lets any client'),
    );
    expect(warnings.map(w => w.msg)).toEqual([
      'gRPC endpoint on 0.0.0.0 lets any client that reaches it use the model-repository API; restrict with ' +
        '--grpc-restricted-protocol=model-repository:<header>=<secret> or bind --grpc-address 127.0.0.1',
    ]);
  });
});
