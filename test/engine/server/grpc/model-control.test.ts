// issue #13 item 4: model control as Triton's clients drive it, over real sockets: a config
// override in protobuf's JSON form (int64 as a string, camelCase names), and a model loaded from
// `file:` parameters (gRPC bytes_param, HTTP base64) that is not in the repository at all.
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { status } from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Engine } from '../../../../engine/runtime/engine.js';
import { createApp } from '../../../../engine/server/app.js';
import { listenGrpc, type GrpcServerHandle } from '../../../../engine/server/grpc/listen.js';
import { listen, type HttpServerHandle } from '../../../../engine/server/listen.js';
import { standardEngine } from '../../../support/engine.js';
import { TRITON_REPO, tritonRepository } from '../triton-repo.js';
import { failure, tritonClient, type TritonClient } from './triton-client.js';

let repo: { dir: string; dispose(): Promise<void> };
let engine: Engine;
let grpc: GrpcServerHandle;
let http: HttpServerHandle;
let client: TritonClient;
let onnx: Buffer;

beforeAll(async () => {
  repo = await tritonRepository();
  engine = await standardEngine(repo.dir, { controlMode: 'explicit', loadModels: ['simple'] });
  grpc = await listenGrpc(engine, { port: 0, host: '127.0.0.1', maxMessageBytes: 1 << 24 });
  http = await listen(createApp(engine), { port: 0, host: '127.0.0.1' });
  client = tritonClient(grpc.port);
  onnx = await readFile(path.join(TRITON_REPO, 'simple', '1', 'model.onnx'));
}, 60_000);

afterAll(async () => {
  client?.close();
  await Promise.all([grpc?.close(0), http?.close(0)]);
  await engine?.shutdown(5000);
  await repo?.dispose();
});

/** A config for Triton's simple model in protobuf's JSON mapping, as a Triton client writes one. */
const protoJsonConfig = (name: string, maxBatch: string) =>
  JSON.stringify({
    name,
    platform: 'onnxruntime_onnx',
    maxBatchSize: maxBatch,
    input: [
      { name: 'INPUT0', dataType: 'TYPE_FP32', dims: ['16'] },
      { name: 'INPUT1', data_type: 11, dims: ['16'] },
    ],
    output: [
      { name: 'OUTPUT0', dataType: 'TYPE_FP32', dims: ['16'] },
      { name: 'OUTPUT1', dataType: 'TYPE_FP32', dims: ['16'] },
    ],
    instanceGroup: [{ kind: 'KIND_CPU', count: '1' }],
  });

const f32 = (values: number[]) => Buffer.from(new Float32Array(values).buffer);
const inferRequest = (model: string) => ({
  model_name: model,
  inputs: [
    { name: 'INPUT0', datatype: 'FP32', shape: [1, 16] },
    { name: 'INPUT1', datatype: 'FP32', shape: [1, 16] },
  ],
  raw_input_contents: [f32(Array.from({ length: 16 }, (_, i) => i)), f32(Array(16).fill(1))],
});

describe('RepositoryModelLoad over gRPC', () => {
  it('reloads a repository model with a config override in protobuf JSON ("max_batch_size":"16")', async () => {
    await client.call('RepositoryModelLoad', {
      model_name: 'simple',
      parameters: { config: { string_param: '{"max_batch_size":"16"}' } },
    });
    expect((await client.call('ModelConfig', { name: 'simple' })).config.max_batch_size).toBe(16);
    await client.call('RepositoryModelLoad', {
      model_name: 'simple',
      parameters: { config: { string_param: protoJsonConfig('simple', '4') } },
    });
    expect((await client.call('ModelConfig', { name: 'simple' })).config).toMatchObject({
      max_batch_size: 4,
      instance_group: [{ kind: 'KIND_CPU', count: 1 }],
    });
  });

  it('loads a model that is not in the repository from file: bytes and a config, and serves it', async () => {
    await client.call('RepositoryModelLoad', {
      model_name: 'uploaded',
      parameters: {
        config: { string_param: protoJsonConfig('uploaded', '2') },
        'file:1/model.onnx': { bytes_param: onnx },
      },
    });
    expect(await client.call('ModelReady', { name: 'uploaded', version: '1' })).toEqual({
      ready: true,
    });
    const res = await client.call('ModelInfer', inferRequest('uploaded'));
    expect(
      [...new Float32Array(new Uint8Array(res.raw_output_contents[0]).buffer)].slice(0, 3),
    ).toEqual([1, 2, 3]);
    const index = (await client.call('RepositoryIndex', {})).models as {
      name: string;
      state: string;
    }[];
    expect(index).toContainEqual(expect.objectContaining({ name: 'uploaded', state: 'READY' }));
    await client.call('RepositoryModelUnload', { model_name: 'uploaded' });
    expect(await client.call('ModelReady', { name: 'uploaded' })).toEqual({ ready: false });
  });

  it.each([
    [
      { 'file:../outside.onnx': { bytes_param: Buffer.from('x') } },
      /'\.\.\/outside\.onnx' leaves the model directory/,
    ],
    [
      { 'file:/tmp/outside.onnx': { bytes_param: Buffer.from('x') } },
      /'\/tmp\/outside\.onnx' is an absolute path/,
    ],
    [
      { 'file:1/model.onnx': { string_param: 'x' } },
      /load parameter 'file:1\/model\.onnx' for model 'evil' must have bytes type for its value/,
    ],
  ])(
    'refuses a file parameter %j that would leave the model directory or is not bytes',
    async (files, message) => {
      const err = await failure(
        client.call('RepositoryModelLoad', {
          model_name: 'evil',
          parameters: { config: { string_param: '{}' }, ...files },
        }),
      );
      expect(err.code).toBe(status.INVALID_ARGUMENT);
      expect(err.details).toMatch(message);
    },
  );

  it('requires the config with file parameters, as Triton', async () => {
    const err = await failure(
      client.call('RepositoryModelLoad', {
        model_name: 'uploaded',
        parameters: { 'file:1/model.onnx': { bytes_param: onnx } },
      }),
    );
    expect(err).toMatchObject({
      code: status.INVALID_ARGUMENT,
      details:
        "load failed for model 'uploaded': load parameter 'config' must be specified for model file override",
    });
  });
});

describe('the load API over HTTP', () => {
  const load = (name: string, parameters: object) =>
    fetch(`http://127.0.0.1:${http.port}/v2/repository/models/${name}/load`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ parameters }),
    });

  it('loads from base64 file parameters with a protobuf-JSON config', async () => {
    const res = await load('uploaded_http', {
      config: protoJsonConfig('uploaded_http', '8'),
      'file:1/model.onnx': onnx.toString('base64'),
    });
    expect(res.status).toBe(200);
    const config = (await (
      await fetch(`http://127.0.0.1:${http.port}/v2/models/uploaded_http/config`)
    ).json()) as { max_batch_size: number };
    expect(config.max_batch_size).toBe(8);
  });

  it('answers 400 naming the parameter for a file that would leave the model directory', async () => {
    const res = await load('evil', {
      config: '{}',
      'file:1/../../x.onnx': onnx.toString('base64'),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: string }).error).toMatch(
      /file parameter 'file:1\/\.\.\/\.\.\/x\.onnx': '1\/\.\.\/\.\.\/x\.onnx' leaves the model directory/,
    );
  });
});
