/**
 * `npm run bench:http`: requests/s of `braid serve` answering the example `simple` model
 * (2 inputs × 16 FP32, batch 1) in JSON and in the binary tensor extension, against a bare
 * node:http server that JSON-parses and re-serializes the same body, all under the same load
 * generator at concurrency 32. Also measures the generator's own ceiling (a server answering a
 * fixed 2-byte body). Flags: --duration-ms N, --warmup-ms N, --rounds N, --client raw|http,
 * --profile.
 *
 * @module
 */
import { join } from 'node:path';
import type { BenchFlags, CaseResult } from './bench-case.js';
import {
  assertNoErrors,
  formatTable,
  measureCase,
  medianCase,
  parseBenchFlags,
  requireBuild,
  writeResults,
} from './bench-case.js';
import type { ChildServer } from './child-server.js';
import { RESULTS_DIR, startBare, startBraid } from './child-server.js';
import { binaryInferRequest, jsonInferRequest } from '../../engine/cli/perf/request-body.js';
import type { PreparedRequest } from '../../engine/cli/perf/request-body.js';
import { sendOnce } from '../../engine/cli/perf/send-once.js';
import type { Fp32Tensor } from './infer-bodies.js';
import { expectClose, readInferResponse, testData } from './infer-bodies.js';
import { formatProfileDir } from './profile-summary.js';

const CONCURRENCY = 32;
const JSON_TARGET = 0.5;
// Version 1 of `simple` adds and subtracts; version 2 multiplies (see its config.yaml).
const SIMPLE_PATH = '/v2/models/simple/versions/1/infer';

const INPUTS: readonly Fp32Tensor[] = [
  { name: 'INPUT0', shape: [1, 16], data: testData(16, 1) },
  { name: 'INPUT1', shape: [1, 16], data: testData(16, 2) },
];
const JSON_REQUEST = jsonInferRequest(INPUTS);
const BINARY_REQUEST = binaryInferRequest(INPUTS, ['OUTPUT0', 'OUTPUT1']);

async function checkOk(server: ChildServer): Promise<void> {
  const res = await sendOnce(server.origin + '/', JSON_REQUEST.body, JSON_REQUEST.headers);
  if (res.status !== 200 || res.body.toString() !== 'ok') {
    throw new Error(`bare-ok answered ${res.status}`);
  }
}

async function checkEcho(server: ChildServer): Promise<void> {
  const res = await sendOnce(server.origin + '/', JSON_REQUEST.body, JSON_REQUEST.headers);
  const canonical = (b: Buffer) => JSON.stringify(JSON.parse(b.toString()));
  if (res.status !== 200 || canonical(res.body) !== canonical(JSON_REQUEST.body)) {
    throw new Error(`bare-echo answered ${res.status} with a different body`);
  }
}

async function checkSimple(
  server: ChildServer,
  label: string,
  request: PreparedRequest,
): Promise<void> {
  const res = await sendOnce(server.origin + SIMPLE_PATH, request.body, request.headers);
  if (res.status !== 200) {
    throw new Error(`${label}: HTTP ${res.status}: ${res.body.toString().slice(0, 300)}`);
  }
  const outputs = readInferResponse(res.body, res.headers);
  const [a, b] = [INPUTS[0]!.data, INPUTS[1]!.data];
  expectClose(
    `${label} OUTPUT0`,
    outputs.get('OUTPUT0')?.data,
    a.map((v, i) => v + b[i]!),
    1e-6,
  );
  expectClose(
    `${label} OUTPUT1`,
    outputs.get('OUTPUT1')?.data,
    a.map((v, i) => v - b[i]!),
    1e-6,
  );
  const shape = outputs.get('OUTPUT0')?.shape.join(',');
  if (shape !== '1,16') {
    throw new Error(`${label}: OUTPUT0 shape [${shape ?? ''}], expected [1,16]`);
  }
}

/** Where each profiled server writes its profiles (with `--profile`). */
interface ProfileDirs {
  readonly bare: string;
  readonly braid: string;
}

interface Servers {
  readonly ok: ChildServer;
  readonly echo: ChildServer;
  readonly braid: ChildServer;
}

async function startServers(profile: ProfileDirs | undefined): Promise<Servers> {
  const started: ChildServer[] = [];
  const track = async (p: Promise<ChildServer>) => {
    const s = await p;
    started.push(s);
    return s;
  };
  try {
    const ok = await track(startBare('ok'));
    const echo = await track(startBare('echo', profile?.bare));
    const braid = await track(startBraid('examples/model_repository', profile?.braid));
    return { ok, echo, braid };
  } catch (e) {
    await Promise.all(started.map(s => s.stop()));
    throw e;
  }
}

/**
 * Starts every server once (idle ones cost nothing), checks each answer, then measures the
 * cases in turn, `rounds` times, interleaved, keeping each case's median round.
 */
async function measureAll(
  flags: BenchFlags,
  profile: ProfileDirs | undefined,
): Promise<CaseResult[]> {
  const servers = await startServers(profile);
  try {
    await checkOk(servers.ok);
    await checkEcho(servers.echo);
    await checkSimple(servers.braid, 'braid JSON', JSON_REQUEST);
    await checkSimple(servers.braid, 'braid binary', BINARY_REQUEST);
    const common = { concurrency: CONCURRENCY, flags, request: JSON_REQUEST };
    const braid = { ...common, server: servers.braid, path: SIMPLE_PATH, statsModel: 'simple' };
    const plan: Parameters<typeof measureCase>[0][] = [
      { ...common, name: 'generator ceiling (2-byte answer)', server: servers.ok, path: '/' },
      { ...common, name: 'bare node:http JSON echo', server: servers.echo, path: '/' },
      { ...braid, name: 'braid simple JSON' },
      { ...braid, name: 'braid simple binary', request: BINARY_REQUEST },
    ];
    const rounds: CaseResult[][] = plan.map(() => []);
    for (let round = 1; round <= flags.rounds; round++) {
      for (const [i, c] of plan.entries()) {
        process.stdout.write(`round ${round}/${flags.rounds}: measuring ${c.name}...\n`);
        const r = await measureCase(c);
        assertNoErrors(r);
        rounds[i]!.push(r);
      }
    }
    return rounds.map(r => medianCase(r));
  } finally {
    await Promise.all([servers.ok.stop(), servers.echo.stop(), servers.braid.stop()]);
  }
}

function ratio(a: number, b: number): number {
  return b > 0 ? a / b : NaN;
}

function printSummary(cases: readonly CaseResult[]): Record<string, number> {
  const [ceiling, bare, json, binary] = cases;
  if (!ceiling || !bare || !json || !binary) throw new Error('a case is missing');
  const ratios = {
    jsonVsBare: ratio(json.throughput, bare.throughput),
    binaryVsBare: ratio(binary.throughput, bare.throughput),
    // Server CPU per request barely moves with load from other processes on a shared machine.
    jsonVsBareByServerCpu: ratio(bare.serverCpuUsPerRequest, json.serverCpuUsPerRequest),
    binaryVsBareByServerCpu: ratio(bare.serverCpuUsPerRequest, binary.serverCpuUsPerRequest),
    generatorHeadroom: ratio(ceiling.throughput, bare.throughput),
  };
  const verdict = ratios.jsonVsBare >= JSON_TARGET ? 'MET' : 'MISSED';
  process.stdout.write(
    [
      '',
      formatTable(cases),
      `braid-json   / bare: ${ratios.jsonVsBare.toFixed(2)}  ` +
        `(target >= ${JSON_TARGET}: ${verdict})`,
      `braid-binary / bare: ${ratios.binaryVsBare.toFixed(2)}`,
      `same ratios from server CPU per request: json ${ratios.jsonVsBareByServerCpu.toFixed(2)}, ` +
        `binary ${ratios.binaryVsBareByServerCpu.toFixed(2)}`,
      `generator ceiling / bare echo: ${ratios.generatorHeadroom.toFixed(2)}` +
        (ratios.generatorHeadroom < 1.3 ? '  (WARNING: the generator may limit bare)' : ''),
      '',
    ].join('\n'),
  );
  return ratios;
}

function printProfiles(dirs: ProfileDirs): string[] {
  const files: string[] = [];
  for (const [name, dir] of Object.entries(dirs)) {
    const p = formatProfileDir(dir);
    process.stdout.write(`\nCPU profiles of the ${name} server\n${p.text}`);
    files.push(...p.files);
  }
  return files;
}

async function main(): Promise<void> {
  const flags = parseBenchFlags(process.argv.slice(2));
  requireBuild();
  const root = join(RESULTS_DIR, 'profiles', `http-${Date.now()}`);
  const profileDirs = flags.profile
    ? { bare: join(root, 'bare-echo'), braid: join(root, 'braid') }
    : undefined;
  const cases = await measureAll(flags, profileDirs);
  const ratios = printSummary(cases);
  const profiles = profileDirs === undefined ? [] : printProfiles(profileDirs);
  if (profileDirs !== undefined) {
    process.stdout.write('(profiled run: the server figures include profiler overhead)\n');
  }
  const target = { jsonVsBare: JSON_TARGET };
  const concurrency = CONCURRENCY;
  const file = writeResults('http', { flags, concurrency, target, ratios, cases, profiles });
  process.stdout.write(`results: ${file}\n`);
}

main().catch((e: unknown) => {
  const why = e instanceof Error ? (e.stack ?? e.message) : String(e);
  process.stderr.write(`bench:http failed: ${why}\n`);
  process.exit(1);
});
