import { status } from '@grpc/grpc-js';
import { afterEach, describe, expect, it } from 'vitest';
import { fakeEngine } from '../helpers.js';
import { failure, startGrpc } from './grpc-harness.js';
import type { GrpcHarness } from './grpc-harness.js';

let grpc: GrpcHarness | undefined;
afterEach(async () => {
  await grpc?.close();
  grpc = undefined;
});

// issue #10 item 12: a named repository is refused over gRPC as over HTTP (501 / UNIMPLEMENTED),
// as Triton's grpc_server.cc does, instead of acting on the served repository.
describe('gRPC repository calls naming a repository', () => {
  it.each([
    ['RepositoryIndex', { repository_name: 'other', ready: true }],
    ['RepositoryModelLoad', { repository_name: 'other', model_name: 'simple' }],
    ['RepositoryModelUnload', { repository_name: 'other', model_name: 'simple' }],
  ])('%s answers UNIMPLEMENTED naming the repository', async (rpc, req) => {
    const engine = fakeEngine();
    grpc = await startGrpc(engine);
    const err = await failure(grpc.call(rpc, req));
    expect(err.code).toBe(status.UNIMPLEMENTED);
    expect(err.details).toBe(
      "'repository_name' specification is not supported: repository 'other' was named",
    );
    expect(engine.loadCalls).toEqual([]);
    expect(engine.unloadCalls).toEqual([]);
  });

  it('serves the one repository when none is named', async () => {
    const engine = fakeEngine();
    grpc = await startGrpc(engine);
    expect(
      await grpc.call('RepositoryModelLoad', { repository_name: '', model_name: 'simple' }),
    ).toEqual({});
    expect(engine.loadCalls.map(c => c.name)).toEqual(['simple']);
  });
});

// issue #10 item 11: while the server drains, new ModelInfer calls are UNAVAILABLE and calls in
// flight finish; settled() says when they have.
describe('gRPC while draining', () => {
  const inferRequest = {
    model_name: 'echo',
    inputs: [
      {
        name: 'INPUT0',
        datatype: 'FP32',
        shape: ['1', '4'],
        contents: { fp32_contents: [1, 2, 3, 4] },
      },
    ],
  };

  it('answers ModelInfer with UNAVAILABLE "server is shutting down" and serves the rest', async () => {
    let draining = false;
    const engine = fakeEngine();
    grpc = await startGrpc(engine, { isDraining: () => draining });
    expect((await grpc.call('ModelInfer', inferRequest)).model_name).toBe('echo');
    draining = true;
    const err = await failure(grpc.call('ModelInfer', inferRequest));
    expect(err.code).toBe(status.UNAVAILABLE);
    expect(err.details).toBe('server is shutting down');
    expect(engine.inferCalls).toHaveLength(1);
    expect(await grpc.call('ServerLive')).toEqual({ live: true });
  });

  it('settles once the calls in flight are answered', async () => {
    let draining = false;
    const engine = fakeEngine();
    let release!: () => void;
    engine.script('echo', { gate: new Promise<void>(r => (release = r)) });
    grpc = await startGrpc(engine, { isDraining: () => draining });
    const started = engine.nextInfer();
    const inflight = grpc.call('ModelInfer', inferRequest);
    await started;
    draining = true;
    let settled = false;
    const done = grpc.server.settled().then(() => (settled = true));
    const refused = await failure(grpc.call('ModelInfer', inferRequest));
    expect(refused.code).toBe(status.UNAVAILABLE);
    expect(settled).toBe(false);
    release();
    expect((await inflight).model_name).toBe('echo');
    await done;
    expect(settled).toBe(true);
  });
});
