/**
 * `npm run bench:cores`: `braid serve` with `--http-thread-count` 1, 2 and 4 under wrk, against
 * bare node:http echo servers and onnxruntime-node in-process, in interleaved rounds. Prints:
 * (1) simple JSON vs the bare echo (target 0.6); (2) MLP 512→2048→512 JSON batch-1 with dynamic
 * batching vs the bare echo of the same body (target 1.0) and the gain over no batching
 * (target 3×); (3) MLP binary with batching vs ORT in-process at the formed batch size (target
 * 0.5); (4) throughput per thread count; (5) simple at concurrency 1, p50/p99 vs one thread
 * (at most 10 % worse). Flags: --duration-s N (default 3), --rounds N (default 2),
 * --connections N (default 64).
 *
 * @module
 */
import { cpSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { InferenceSession } from 'onnxruntime-node';
import { binaryInferRequest, jsonInferRequest } from '../../engine/cli/perf/request-body.js';
import type { PreparedRequest } from '../../engine/cli/perf/request-body.js';
import { requireBuild, writeResults } from './bench-case.js';
import { REPO_ROOT, startBare, startChild } from './child-server.js';
import type { ChildServer } from './child-server.js';
import { testData } from './infer-bodies.js';
import { MLP_MAX_BATCH, MLP_SHAPE, mlpConfig, writeMlpRepository } from './mlp-repository.js';
import { measureInProcess, serverSessionOptions } from './ort-ceiling.js';
import { wrk } from './wrk.js';
import type { WrkResult } from './wrk.js';

const THREADS = [1, 2, 4] as const;
const QUEUE_DELAY_US = 2_000;

const { values } = parseArgs({
  options: {
    'duration-s': { type: 'string', default: '3' },
    rounds: { type: 'string', default: '2' },
    connections: { type: 'string', default: '64' },
  },
});
const durationS = Number(values['duration-s']);
const rounds = Number(values.rounds);
const connections = Number(values.connections);

const simple = jsonInferRequest([
  { name: 'INPUT0', shape: [1, 16], data: testData(16, 1) },
  { name: 'INPUT1', shape: [1, 16], data: testData(16, 2) },
]);
const mlpInput = [{ name: 'x', shape: [1, MLP_SHAPE.inputSize], data: testData(512, 3) }];
const mlpJson = jsonInferRequest(mlpInput);
const mlpBinary = binaryInferRequest(mlpInput, ['y']);

function startServe(repo: string, threads: number): Promise<ChildServer> {
  const nodeArgs = [
    'dist/engine/cli/main.js',
    'serve',
    '--model-repository',
    repo,
    '--http-port',
    '0',
    '--allow-grpc',
    'false',
    '--allow-metrics',
    'false',
    '--log-format',
    'json',
    '--http-thread-count',
    String(threads),
  ];
  return startChild({ name: `braid-t${threads}`, nodeArgs, startTimeoutMs: 120_000 });
}

interface Case {
  readonly name: string;
  readonly server: ChildServer;
  readonly path: string;
  readonly request: PreparedRequest;
  readonly connections: number;
}

async function statsOf(server: ChildServer, model: string): Promise<[number, number]> {
  const res = await fetch(`${server.origin}/v2/models/${model}/stats`);
  const s = (
    (await res.json()) as { model_stats: { inference_count: number; execution_count: number }[] }
  ).model_stats[0]!;
  return [s.inference_count, s.execution_count];
}

/** Every case of a round: the bare echo baselines, then each thread count. */
function casesFor(echo: ChildServer, braid: ReadonlyMap<number, ChildServer>): Case[] {
  const top = braid.get(4)!;
  const simplePath = '/v2/models/simple/versions/1/infer';
  return [
    { name: 'echo simple', server: echo, path: '/', request: simple, connections },
    { name: 'echo mlp', server: echo, path: '/', request: mlpJson, connections },
    ...THREADS.flatMap(t => {
      const server = braid.get(t)!;
      return [
        { name: `t${t} simple`, server, path: simplePath, request: simple, connections },
        {
          name: `t${t} mlp json`,
          server,
          path: '/v2/models/mlp_batch/infer',
          request: mlpJson,
          connections,
        },
        {
          name: `t${t} mlp binary`,
          server,
          path: '/v2/models/mlp_batch/infer',
          request: mlpBinary,
          connections,
        },
        { name: `t${t} simple c1`, server, path: simplePath, request: simple, connections: 1 },
      ];
    }),
    {
      name: `t${THREADS.at(-1)} mlp json nobatch`,
      server: top,
      path: '/v2/models/mlp_nobatch/infer',
      request: mlpJson,
      connections,
    },
  ];
}

/** Runs the cases in rounds, every other round in reverse, and the batch sizes mlp_batch formed. */
async function runRounds(
  cases: readonly Case[],
): Promise<{ results: Map<string, WrkResult[]>; batches: number[] }> {
  const results = new Map<string, WrkResult[]>();
  const batches: number[] = [];
  for (let r = 0; r < rounds; r++) {
    for (const c of r % 2 === 0 ? cases : [...cases].reverse()) {
      const before = c.name.includes('mlp binary')
        ? await statsOf(c.server, 'mlp_batch')
        : undefined;
      const res = await wrk({
        url: c.server.origin + c.path,
        body: c.request.body,
        headers: c.request.headers,
        connections: c.connections,
        durationS,
      });
      if (before) {
        const after = await statsOf(c.server, 'mlp_batch');
        batches.push((after[0] - before[0]) / Math.max(1, after[1] - before[1]));
      }
      results.set(c.name, [...(results.get(c.name) ?? []), res]);
      console.log(
        `round ${r + 1} ${c.name.padEnd(24)} ${res.requestsPerS.toFixed(0).padStart(7)} req/s  p50 ${res.p50Ms.toFixed(2)} ms  p99 ${res.p99Ms.toFixed(2)} ms${res.errors ? `  errors ${res.errors}` : ''}`,
      );
    }
  }
  return { results, batches };
}

async function main(): Promise<void> {
  requireBuild();
  const { dir, model } = writeMlpRepository({ queueDelayUs: QUEUE_DELAY_US });
  cpSync(join(REPO_ROOT, 'examples', 'model_repository', 'simple'), join(dir, 'simple'), {
    recursive: true,
  });
  const echo = await startBare('echo');
  const braid = new Map<number, ChildServer>();
  for (const t of THREADS) braid.set(t, await startServe(dir, t));
  const cases = casesFor(echo, braid);
  const { results, batches } = await runRounds(cases);
  const formed = Math.max(1, Math.min(MLP_MAX_BATCH, Math.round(median(batches))));
  const sessionOptions = serverSessionOptions(mlpConfig('mlp_batch', QUEUE_DELAY_US), 'mlp_batch');
  const session = await InferenceSession.create(model, sessionOptions);
  const ort = await measureInProcess({
    session,
    sessionOptions,
    input: 'x',
    features: 512,
    batch: formed,
    durationMs: durationS * 1000,
    warmupMs: 500,
  });
  await session.release();
  for (const s of [echo, ...braid.values()]) await s.stop();
  report(results, formed, ort.itemsPerS);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
}

function report(results: Map<string, WrkResult[]>, formed: number, ortItemsPerS: number): void {
  const rps = (name: string) => median((results.get(name) ?? []).map(r => r.requestsPerS));
  const lat = (name: string, key: 'p50Ms' | 'p99Ms') =>
    median((results.get(name) ?? []).map(r => r[key]));
  const line = (label: string, value: number, target?: string) =>
    console.log(
      `${label.padEnd(58)} ${value.toFixed(2).padStart(8)}${target ? `  (target ${target})` : ''}`,
    );
  console.log(
    `\ncores ${availableParallelism()}, ${rounds} rounds of ${durationS} s, ${connections} connections, medians`,
  );
  for (const t of THREADS) {
    console.log(`\n--http-thread-count ${t}`);
    line('(1) simple JSON / bare echo', rps(`t${t} simple`) / rps('echo simple'), '>= 0.6');
    line(
      '(2) MLP JSON batching / bare echo of the same body',
      rps(`t${t} mlp json`) / rps('echo mlp'),
      '>= 1.0',
    );
    line(
      `(3) MLP binary batching / ORT in-process at batch ${formed}`,
      rps(`t${t} mlp binary`) / ortItemsPerS,
      '>= 0.5',
    );
    line('(4) throughput vs thread count 1: simple', rps(`t${t} simple`) / rps('t1 simple'));
    line('(4) throughput vs thread count 1: MLP JSON', rps(`t${t} mlp json`) / rps('t1 mlp json'));
    line(
      '(5) c=1 simple p50 / thread count 1',
      lat(`t${t} simple c1`, 'p50Ms') / lat('t1 simple c1', 'p50Ms'),
      '<= 1.1',
    );
    line(
      '(5) c=1 simple p99 / thread count 1',
      lat(`t${t} simple c1`, 'p99Ms') / lat('t1 simple c1', 'p99Ms'),
      '<= 1.1',
    );
  }
  const top = THREADS[THREADS.length - 1];
  line(
    `\n(2) batching gain at thread count ${top}: mlp_batch / mlp_nobatch`,
    rps(`t${top} mlp json`) / rps(`t${top} mlp json nobatch`),
    '>= 3',
  );
  line(`ORT in-process items/s at batch ${formed}`, ortItemsPerS);
  const file = writeResults('cores', {
    results: Object.fromEntries(results),
    formed,
    ortItemsPerS,
  });
  console.log(`\nraw results: ${file}`);
}

await main();
