// issue #13 item 3: `braid serve` started with the flags of Triton's deploy charts
// (deploy/*/templates/deployment.yaml write `--flag=value`), over a Triton layout of config.pbtxt.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Client, ServiceError } from '@grpc/grpc-js';
import { afterAll, describe, expect, it } from 'vitest';
import { runBraid } from '../engine/cli/braid-cli.js';
import { FIXTURES, ROOT, tempRepository } from '../support/repo.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';
import { inferenceClient } from '../engine/server/grpc/grpc-harness.js';

const TRITON_REPO = path.join(ROOT, 'test', 'fixtures', 'triton-repo');

const started: ServeProcess[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  await Promise.all(started.map(s => s.stop()));
  await Promise.all(cleanups.map(c => c()));
});

async function serve(args: string[], readyMsg?: string): Promise<ServeProcess> {
  const s = await startServe(args, 30_000, { readyMsg });
  started.push(s);
  return s;
}

function grpcCall(port: number, rpc: string, req: object = {}): Promise<any> {
  const client = inferenceClient<
    Client & Record<string, (r: object, cb: (e: ServiceError | null, res: unknown) => void) => void>
  >(`127.0.0.1:${port}`);
  return new Promise((resolve, reject) =>
    client[rpc]!.call(client, req, (err, res) => {
      client.close();
      return err ? reject(err) : resolve(res);
    }),
  );
}

describe("braid serve with Triton's flags", () => {
  it('starts as a Triton chart starts tritonserver and serves the config.pbtxt repository', async () => {
    const server = await serve([
      `--model-store=${TRITON_REPO}`,
      '--exit-on-error=false',
      '--allow-http=true',
      '--strict-model-config=false',
      '--log-verbose=0',
      '--allow-gpu-metrics=false',
      '--model-control-mode=explicit',
      '--load-model=simple',
      '--http-thread-count=4',
      '--id=triton-edge',
    ]);
    const meta = (await (await fetch(`${server.url}/v2`)).json()) as { name: string };
    expect(meta.name).toBe('triton-edge');
    expect((await fetch(`${server.url}/v2/health/ready`)).status).toBe(200);
    const config = (await (await fetch(`${server.url}/v2/models/simple/config`)).json()) as {
      max_batch_size: number;
    };
    expect(config.max_batch_size).toBe(8);
    // issue #14: --http-thread-count now runs that many HTTP frontend threads.
    expect(server.logs).toContainEqual(
      expect.objectContaining({ msg: 'Started HTTPService', threads: 4 }),
    );
  });

  it('exits at start when a model fails to load (Triton’s --exit-on-error default), naming the model', async () => {
    const repo = await tempRepository({
      simple: path.join(TRITON_REPO, 'simple'),
      broken: path.join(FIXTURES, 'corrupt'),
    });
    cleanups.push(repo.dispose);
    const run = await runBraid([
      'serve',
      `--model-store=${repo.dir}`,
      '--http-port=0',
      '--grpc-port=0',
      '--metrics-port=0',
      '--http-address=127.0.0.1',
    ]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(
      /braid: failed to load all models \(--exit-on-error is true; false serves the others\): 'broken'/,
    );
    expect(run.stdout).not.toMatch(/Started HTTPService/);
  });

  it('serves the other models with --exit-on-error=false, the failed one UNAVAILABLE', async () => {
    const repo = await tempRepository({
      simple: path.join(TRITON_REPO, 'simple'),
      broken: path.join(FIXTURES, 'corrupt'),
    });
    cleanups.push(repo.dispose);
    const server = await serve([
      `--model-store=${repo.dir}`,
      '--exit-on-error=false',
      '--strict-readiness=false',
    ]);
    const index = (await (
      await fetch(`${server.url}/v2/repository/index`, { method: 'POST' })
    ).json()) as { name: string; state: string }[];
    expect(index.map(r => [r.name, r.state])).toEqual([
      ['broken', 'UNAVAILABLE'],
      ['simple', 'READY'],
    ]);
  });

  it('serves gRPC only with --allow-http=false', async () => {
    const server = await serve(
      [
        `--model-repository=${TRITON_REPO}`,
        '--allow-http=false',
        '--model-control-mode=explicit',
        '--load-model=simple',
      ],
      'Started GRPCInferenceService',
    );
    expect(await grpcCall(server.port, 'ServerReady')).toEqual({ ready: true });
    expect(server.logs.some(l => l.msg === 'Started HTTPService')).toBe(false);
  });

  it('appends its log lines to --log-file, not to standard output', async () => {
    const repo = await tempRepository({ broken: path.join(FIXTURES, 'corrupt') });
    cleanups.push(repo.dispose);
    const file = path.join(repo.dir, 'braid.log');
    await writeFile(file, 'an earlier line\n');
    const run = await runBraid([
      'serve',
      `--model-store=${repo.dir}`,
      `--log-file=${file}`,
      '--log-format=json',
      '--http-port=0',
      '--grpc-port=0',
      '--metrics-port=0',
      '--http-address=127.0.0.1',
    ]);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    const [first, ...lines] = (await readFile(file, 'utf8')).trim().split('\n');
    expect(first).toBe('an earlier line');
    expect(lines.map(l => JSON.parse(l) as { msg: string; model?: string })).toContainEqual(
      expect.objectContaining({ msg: 'model version UNAVAILABLE', model: 'broken' }),
    );
  });
});
