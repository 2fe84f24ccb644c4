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
    expect(err.details).toBe("'repository_name' specification is not supported: repository 'other' was named");
    expect(engine.loadCalls).toEqual([]);
    expect(engine.unloadCalls).toEqual([]);
  });

  it('serves the one repository when none is named', async () => {
    const engine = fakeEngine();
    grpc = await startGrpc(engine);
    expect(await grpc.call('RepositoryModelLoad', { repository_name: '', model_name: 'simple' })).toEqual({});
    expect(engine.loadCalls.map(c => c.name)).toEqual(['simple']);
  });
});
