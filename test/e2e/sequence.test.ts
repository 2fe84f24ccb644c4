/*
 * issue 15 §2: stateful models end to end. `braid serve` over the example repository, Triton's
 * sequence clients (their TypeScript equivalents in examples/clients/) against simple_sequence
 * over HTTP and a gRPC stream, and the ONNX accumulator's implicit state over HTTP.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES, ROOT } from '../support/repo.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';

const run = promisify(execFile);
const TSX = path.join(ROOT, 'node_modules', '.bin', 'tsx');
let server: ServeProcess;
let grpcAddress: string;

beforeAll(async () => {
  server = await startServe([
    '--model-repository',
    EXAMPLES,
    '--model-control-mode',
    'explicit',
    '--load-model',
    'simple_sequence',
    '--load-model',
    'sequence_accumulator',
  ]);
  const started = server.logs.find(l => l.msg === 'Started GRPCInferenceService');
  grpcAddress = `127.0.0.1:${started!.port as number}`;
}, 60_000);

afterAll(async () => {
  await server?.stop();
});

async function infer(model: string, value: number, parameters: Record<string, unknown>) {
  const res = await fetch(`${server.url}/v2/models/${model}/infer`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      parameters,
      inputs: [{ name: 'INPUT', datatype: 'INT32', shape: [1, 1], data: [value] }],
    }),
  });
  return { status: res.status, body: (await res.json()) as any };
}

function client(script: string, url: string) {
  return run(TSX, [path.join(ROOT, 'examples', 'clients', script), '-u', url], {
    cwd: ROOT,
  });
}

describe('sequence batching end to end', () => {
  it("passes Triton's HTTP sequence client (simple_http_sequence_sync_infer_client)", async () => {
    const { stdout } = await client(
      'simple-http-sequence-sync-infer-client.ts',
      server.url.replace(/^http:\/\//, ''),
    );
    expect(stdout).toContain('[0] 1 : 101 : 21');
    expect(stdout).toContain('PASS: Sequence');
  }, 60_000);

  it("passes Triton's gRPC stream sequence client (simple_grpc_sequence_stream_infer_client)", async () => {
    const { stdout } = await client('simple-grpc-sequence-stream-infer-client.ts', grpcAddress);
    expect(stdout).toContain('[7] 1 : -1 : -1');
    expect(stdout).toContain('PASS: Sequence');
  }, 60_000);

  it('answers 400 naming sequence_id to a request without one', async () => {
    const { status, body } = await infer('simple_sequence', 1, {});
    expect(status).toBe(400);
    expect(body.error).toContain("'sequence_id'");
  });

  it('answers 400 to a sequence that does not START', async () => {
    const { status, body } = await infer('simple_sequence', 1, { sequence_id: 31337 });
    expect(status).toBe(400);
    expect(body.error).toBe(
      "inference request for sequence 31337 to model 'simple_sequence' must specify the START flag on the first request of the sequence",
    );
  });

  it('keeps the ONNX accumulator state per sequence over HTTP, with a string correlation ID', async () => {
    const sums: number[] = [];
    for (const [i, v] of [4, 5, 6].entries()) {
      const { body } = await infer('sequence_accumulator', v, {
        sequence_id: 'acc-e2e',
        sequence_start: i === 0,
        sequence_end: i === 2,
      });
      sums.push(body.outputs[0].data[0]);
    }
    expect(sums).toEqual([4, 9, 15]);
  });

  it('counts sequence requests in the statistics and never caches them', async () => {
    const res = await fetch(`${server.url}/v2/models/sequence_accumulator/stats`);
    const stats = ((await res.json()) as any).model_stats[0];
    expect(stats.inference_stats.success.count).toBeGreaterThanOrEqual(3);
    expect(stats.inference_stats.cache_hit.count).toBe(0);
    expect(stats.braid_sequences).toEqual({ active: 0, backlog: 0 });
  });
});
