/*
 * TLS on both endpoints (issue #10, TLS), with certificates made by openssl for this file and real
 * clients: curl for HTTPS, grpc-js with SSL credentials for gRPC, each with mutual TLS refusing a
 * client without a certificate and one with a certificate from another CA. Also the graceful close
 * of an HTTPS server.
 */
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:https';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { credentials, loadPackageDefinition, status } from '@grpc/grpc-js';
import type { ChannelCredentials, Client, ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../engine/core/clock.js';
import { createApp } from '../../../engine/server/app.js';
import { listenGrpc } from '../../../engine/server/grpc/listen.js';
import type { GrpcServerHandle } from '../../../engine/server/grpc/listen.js';
import { listen } from '../../../engine/server/listen.js';
import type { HttpServerHandle } from '../../../engine/server/listen.js';
import type { ServerTls } from '../../../engine/server/tls.js';
import { curl, curlMissing, makeCertificates, opensslMissing } from '../../support/certificates.js';
import type { Certificates } from '../../support/certificates.js';
import { fakeEngine } from './helpers.js';
import { GRPC_PROTO_INCLUDE_DIRS } from '../../../engine/server/grpc/protos.js';

const PROTO = fileURLToPath(
  new URL('../../../engine/server/grpc/grpc_service.proto', import.meta.url),
);
type InferenceClient = Client &
  Record<
    string,
    (req: object, opts: object, cb: (err: ServiceError | null, res: unknown) => void) => void
  >;

let certs: Certificates;
const pem = (file: string) => readFileSync(file);
const serverTls = (requireClientCert: boolean): ServerTls => ({
  cert: pem(certs.serverCert),
  key: pem(certs.serverKey),
  requireClientCert,
  ...(requireClientCert ? { ca: pem(certs.caCert) } : {}),
});

const https: HttpServerHandle[] = [];
const grpcs: GrpcServerHandle[] = [];
const clients: Client[] = [];

beforeAll(() => {
  if (!opensslMissing()) certs = makeCertificates();
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  await Promise.all([
    ...https.splice(0).map(s => s.close(0)),
    ...grpcs.splice(0).map(s => s.close(0)),
  ]);
});
afterAll(() => certs?.remove());

async function serveHttps(requireClientCert: boolean, clock = new SimulatedClock()) {
  const engine = fakeEngine();
  const server = await listen(createApp(engine), {
    port: 0,
    host: '127.0.0.1',
    clock,
    tls: serverTls(requireClientCert),
  });
  https.push(server);
  return { engine, server, clock, url: `https://127.0.0.1:${server.port}` };
}

describe.skipIf(opensslMissing() || curlMissing())('HTTPS', () => {
  it('serves a client that trusts the CA, and only over TLS', async () => {
    const { url, server } = await serveHttps(false);
    const ok = await curl(`${url}/v2/health/ready`, ['--cacert', certs.caCert]);
    expect(ok).toMatchObject({ exitCode: 0, status: 200 });
    const byName = await curl(`https://localhost:${server.port}/v2`, [
      '--cacert',
      certs.caCert,
      '--resolve',
      `localhost:${server.port}:127.0.0.1`,
    ]);
    expect(byName.status).toBe(200);
    expect(JSON.parse(byName.body)).toMatchObject({ name: 'braid' });
    // Without the CA the server's certificate is not trusted.
    expect((await curl(`${url}/v2/health/ready`)).exitCode).not.toBe(0);
    expect((await curl(`http://127.0.0.1:${server.port}/v2/health/ready`)).status).not.toBe(200);
  });

  it('with mutual TLS, serves a client with a certificate from the CA and refuses one without, or from another CA', async () => {
    const { url } = await serveHttps(true);
    const ok = await curl(`${url}/v2/health/ready`, [
      '--cacert',
      certs.caCert,
      '--cert',
      certs.clientCert,
      '--key',
      certs.clientKey,
    ]);
    expect(ok).toMatchObject({ exitCode: 0, status: 200 });
    const anonymous = await curl(`${url}/v2/health/ready`, ['--cacert', certs.caCert]);
    expect(anonymous.exitCode).not.toBe(0);
    expect(anonymous.status).toBe(0);
    const stranger = await curl(`${url}/v2/health/ready`, [
      '--cacert',
      certs.caCert,
      '--cert',
      certs.strangerCert,
      '--key',
      certs.strangerKey,
    ]);
    expect(stranger.exitCode).not.toBe(0);
    expect(stranger.status).toBe(0);
  });

  it('closes gracefully: a request in flight finishes, then the server is closed', async () => {
    const { engine, server } = await serveHttps(false);
    let release!: () => void;
    engine.loadGate = new Promise(r => (release = r));
    const loading = engine.nextLoad();
    const agent = new Agent({ keepAlive: true, ca: pem(certs.caCert) });
    const inflight = new Promise<number>((resolve, reject) => {
      const req = request(
        {
          host: '127.0.0.1',
          port: server.port,
          path: '/v2/repository/models/simple/load',
          method: 'POST',
          agent,
        },
        res => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end();
    });
    await loading;
    const closed = server.close(60_000);
    expect(await within(closed, 50)).toBe('pending');
    release();
    expect(await inflight).toBe(200);
    await expect(closed).resolves.toBeUndefined();
    agent.destroy();
  });

  it('closes a connection still in the TLS handshake after the settle period, not the grace period', async () => {
    const { server, clock } = await serveHttps(false);
    const silent = connect(server.port, '127.0.0.1');
    await new Promise(resolve => silent.once('connect', resolve));
    const ended = new Promise(resolve => silent.once('close', resolve));
    // A later connection served means the server has accepted the silent one too.
    expect(
      (await curl(`https://127.0.0.1:${server.port}/v2/health/live`, ['--cacert', certs.caCert]))
        .status,
    ).toBe(200);
    const closed = server.close(60_000);
    expect(await within(closed, 50)).toBe('pending');
    clock.advance(50);
    await expect(closed).resolves.toBeUndefined();
    await ended;
  });
});

describe.skipIf(opensslMissing())('gRPC over TLS', () => {
  async function serveGrpc(requireClientCert: boolean) {
    const server = await listenGrpc(fakeEngine(), {
      port: 0,
      host: '127.0.0.1',
      maxMessageBytes: 1 << 20,
      tls: serverTls(requireClientCert),
    });
    grpcs.push(server);
    return server;
  }

  function live(port: number, creds: ChannelCredentials): Promise<unknown> {
    const pkg = loadSync(PROTO, {
      keepCase: true,
      defaults: true,
      includeDirs: [...GRPC_PROTO_INCLUDE_DIRS],
    });
    const ctor = (
      loadPackageDefinition(pkg)['inference'] as unknown as Record<
        string,
        new (a: string, c: ChannelCredentials) => InferenceClient
      >
    )['GRPCInferenceService']!;
    const client = new ctor(`127.0.0.1:${port}`, creds);
    clients.push(client);
    return new Promise((resolve, reject) =>
      client['ServerLive']!.call(client, {}, { deadline: Date.now() + 20_000 }, (err, res) =>
        err ? reject(err) : resolve(res),
      ),
    );
  }

  it('serves a client with SSL credentials and refuses a plaintext one', async () => {
    const server = await serveGrpc(false);
    expect(await live(server.port, credentials.createSsl(pem(certs.caCert)))).toEqual({
      live: true,
    });
    await expect(live(server.port, credentials.createInsecure())).rejects.toMatchObject({
      code: status.UNAVAILABLE,
    });
  });

  it('with mutual TLS, serves a client with a certificate from the CA and refuses one without, or from another CA', async () => {
    const server = await serveGrpc(true);
    const ca = pem(certs.caCert);
    expect(
      await live(
        server.port,
        credentials.createSsl(ca, pem(certs.clientKey), pem(certs.clientCert)),
      ),
    ).toEqual({ live: true });
    await expect(live(server.port, credentials.createSsl(ca))).rejects.toMatchObject({
      code: status.UNAVAILABLE,
    });
    await expect(
      live(server.port, credentials.createSsl(ca, pem(certs.strangerKey), pem(certs.strangerCert))),
    ).rejects.toMatchObject({
      code: status.UNAVAILABLE,
    });
  });
});

/** Settles within `ms`, or reports that it did not. */
function within<T>(p: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([p, new Promise<'pending'>(r => setTimeout(() => r('pending'), ms))]);
}
