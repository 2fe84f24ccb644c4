// issue #10 items 5 and 6, over the wire: a failed load answers as Triton's repository manager
// does (400 / INVALID_ARGUMENT, "load failed for model …"), and once that model is unloaded it no
// longer holds the server's readiness down.
import path from 'node:path';
import type { Client, ServiceError } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { createJsBackend } from '../../../backends/js/index.js';
import { createEngine, type Engine } from '../../../engine/runtime/engine.js';
import { createApp } from '../../../engine/server/app.js';
import { GRPC_STATUS } from '../../../engine/server/errors.js';
import { listenGrpc } from '../../../engine/server/grpc/listen.js';
import { ROOT, tempRepository } from '../../support/repo.js';
import { expectEmpty, expectError, post } from './helpers.js';
import { inferenceClient } from './grpc/grpc-harness.js';

const EVIL = JSON.stringify({ backend: 'evil' });

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function explicitEngine(): Promise<Engine> {
  const repo = await tempRepository({
    plain: path.join(ROOT, 'test', 'fixtures', 'js-models', 'plain'),
  });
  cleanups.push(repo.dispose);
  const engine = await createEngine({
    modelRepository: repo.dir,
    backends: [createJsBackend()],
    controlMode: 'explicit',
  });
  cleanups.push(() => engine.shutdown(5000));
  return engine;
}

describe('a failed load over HTTP', () => {
  it("answers 400 in Triton's words and makes the server not ready until that model is unloaded", async () => {
    const app = createApp(await explicitEngine());
    await expectEmpty(await app.request('/v2/health/ready'));
    const res = await post(app, '/v2/repository/models/plain/load', {
      parameters: { config: EVIL },
    });
    await expectError(
      res,
      400,
      /^load failed for model 'plain': .*backend 'evil' is not available/,
    );
    expect((await app.request('/v2/health/ready')).status).toBe(400);
    await expectEmpty(await post(app, '/v2/repository/models/plain/unload'));
    await expectEmpty(await app.request('/v2/health/ready'));
  });

  it('answers 400 for a config override that is not valid JSON', async () => {
    const app = createApp(await explicitEngine());
    const res = await post(app, '/v2/repository/models/plain/load', {
      parameters: { config: '{"max_batch_size":' },
    });
    await expectError(
      res,
      400,
      /^load failed for model 'plain': config override for 'plain' is not valid JSON/,
    );
  });
});

type Rpc = (req: object, cb: (err: ServiceError | null, res: unknown) => void) => void;
type InferenceClient = Client & Record<string, Rpc>;

async function grpcClient(engine: Engine): Promise<InferenceClient> {
  const server = await listenGrpc(engine, { port: 0, host: '127.0.0.1', maxMessageBytes: 1 << 20 });
  cleanups.push(() => server.close(1000));
  const client = inferenceClient<InferenceClient>(`127.0.0.1:${server.port}`);
  cleanups.push(async () => client.close());
  return client;
}

const call = (client: InferenceClient, rpc: string, req: object = {}): Promise<unknown> =>
  new Promise((resolve, reject) =>
    client[rpc]!.call(client, req, (err, res) => (err ? reject(err) : resolve(res))),
  );

describe('a failed load over gRPC', () => {
  it('answers INVALID_ARGUMENT and the server is ready again once that model is unloaded', async () => {
    const client = await grpcClient(await explicitEngine());
    const load = call(client, 'RepositoryModelLoad', {
      model_name: 'plain',
      parameters: { config: { string_param: EVIL } },
    });
    const err = (await load.then(
      () => undefined,
      (e: ServiceError) => e,
    ))!;
    expect(err.code).toBe(GRPC_STATUS.INVALID_ARGUMENT);
    expect(err.details).toMatch(
      /^load failed for model 'plain': .*backend 'evil' is not available/,
    );
    expect(await call(client, 'ServerReady')).toEqual({ ready: false });
    await call(client, 'RepositoryModelUnload', { model_name: 'plain' });
    expect(await call(client, 'ServerReady')).toEqual({ ready: true });
  });
});
