// issue #13 item 4: grpc.health.v1.Health over a real socket with a grpc-js client, answering as
// Triton's src/grpc/grpc_server.cc does: SERVING exactly while the server is ready.
import { once } from 'node:events';
import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../../engine/core/clock.js';
import {
  listenGrpc,
  type GrpcListenOptions,
  type GrpcServerHandle,
} from '../../../../engine/server/grpc/listen.js';
import {
  GRPC_RESTRICTED_HEADER_PREFIX,
  restriction,
} from '../../../../engine/server/restricted-api.js';
import type { FakeEngine } from '../fake-engine.js';
import { fakeEngine } from '../helpers.js';
import { failure, tritonClient, type TritonClient } from './triton-client.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function serve(
  opts: Partial<GrpcListenOptions> = {},
): Promise<{ engine: FakeEngine; server: GrpcServerHandle; client: TritonClient }> {
  const engine = fakeEngine();
  const server = await listenGrpc(engine, {
    port: 0,
    host: '127.0.0.1',
    maxMessageBytes: 1 << 20,
    ...opts,
  });
  const client = tritonClient(server.port);
  cleanups.push(
    () => server.close(0),
    () => client.close(),
  );
  return { engine, server, client };
}

describe('grpc.health.v1.Health Check', () => {
  it('answers SERVING while the server is ready and NOT_SERVING when it is not, for any service name', async () => {
    const { engine, client } = await serve();
    expect(await client.health('Check')).toEqual({ status: 'SERVING' });
    expect(await client.health('Check', { service: 'inference.GRPCInferenceService' })).toEqual({
      status: 'SERVING',
    });
    engine.ready = false;
    expect(await client.health('Check')).toEqual({ status: 'NOT_SERVING' });
    expect(await client.health('Check', { service: 'simple' })).toEqual({ status: 'NOT_SERVING' });
  });

  it('answers NOT_SERVING once a drain begins', async () => {
    let draining = false;
    const { client } = await serve({ isDraining: () => draining });
    draining = true;
    expect(await client.health('Check')).toEqual({ status: 'NOT_SERVING' });
  });

  it('is restricted with the health category', async () => {
    const key = `${GRPC_RESTRICTED_HEADER_PREFIX}probe-key`;
    const { client } = await serve({
      restrictedProtocols: new Map([['health', restriction(key, 'k8s')]]),
    });
    expect(await failure(client.health('Check'))).toMatchObject({
      code: status.UNAVAILABLE,
      details: `This protocol is restricted, expecting header '${key}'`,
    });
    expect(await client.health('Check', {}, { [key]: 'k8s' })).toEqual({ status: 'SERVING' });
  });
});

describe('grpc.health.v1.Health Watch', () => {
  it('sends the status at once, again when it changes, and ends when the server closes', async () => {
    const clock = new SimulatedClock();
    const { engine, server, client } = await serve({ clock });
    const stream = client.watch();
    const received: string[] = [];
    const next = () =>
      once(stream, 'data').then(([m]) => received.push((m as { status: string }).status));
    await next();
    expect(received).toEqual(['SERVING']);
    clock.advance(1000); // unchanged: nothing sent
    engine.ready = false;
    const changed = next();
    clock.advance(1000);
    await changed;
    expect(received).toEqual(['SERVING', 'NOT_SERVING']);
    const ended = once(stream, 'status');
    await server.close(1000);
    const [final] = (await ended) as [{ code: number }];
    expect(final.code).toBe(status.OK);
  });
});
