/*
 * issue #16: three `braid serve` replicas on one shared repository in poll mode behind a real
 * haproxy, under a bounded concurrent load: no request fails while a replica drains on SIGTERM,
 * while a replica loads, or while a new model version is published and every replica moves to it.
 * Run with `npm run test:replicas` (CI runs it after `npm test`); needs Debian's haproxy.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES, ROOT } from '../support/repo.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';
import { freePort, startHaproxy, type Haproxy, type ServerStat } from './haproxy.js';
import { startLoad, type LoadOptions, type LoadSummary, type Verdict } from './load.js';

const haproxy = binary('haproxy');

// `simple` serving only its latest version, so publishing version 2 retires version 1.
const SIMPLE_CONFIG = `
name: simple
backend: onnxruntime
max_batch_size: 8
version_policy: { latest: { num_versions: 1 } }
input:
  - { name: INPUT0, data_type: TYPE_FP32, dims: [16] }
  - { name: INPUT1, data_type: TYPE_FP32, dims: [16] }
output:
  - { name: OUTPUT0, data_type: TYPE_FP32, dims: [16] }
  - { name: OUTPUT1, data_type: TYPE_FP32, dims: [16] }
dynamic_batching: { max_queue_delay_microseconds: 500 }
parameters: { execution_thread: { string_value: main } }
`;
const INPUT0 = Array.from({ length: 16 }, (_, i) => i);
const BODY = JSON.stringify({
  inputs: [
    { name: 'INPUT0', datatype: 'FP32', shape: [1, 16], data: INPUT0 },
    { name: 'INPUT1', datatype: 'FP32', shape: [1, 16], data: INPUT0.map(() => 2) },
  ],
});
// Version 1 adds, version 2 multiplies: the answer tells which version computed it.
const EXPECTED: Record<string, number[]> = {
  '1': INPUT0.map(x => x + 2),
  '2': INPUT0.map(x => x * 2),
};

/** A correct answer of either version, tagged with the version; anything else is a failure. */
function check(status: number, body: string): Verdict {
  if (status !== 200) return { ok: false, why: `HTTP ${status}: ${body.slice(0, 200)}` };
  const answer = JSON.parse(body) as {
    model_version: string;
    outputs: { name: string; data: number[] }[];
  };
  const out = answer.outputs.find(o => o.name === 'OUTPUT0')?.data;
  const want = EXPECTED[answer.model_version];
  if (!want || JSON.stringify(out) !== JSON.stringify(want))
    return {
      ok: false,
      why: `wrong answer from version ${answer.model_version}: ${JSON.stringify(out)}`,
    };
  return { ok: true, tag: `version ${answer.model_version}` };
}

const cleanup: Array<() => Promise<unknown>> = [];
let root: string;
let repo: string;
let ports: number[];
const replicas: Array<ServeProcess | undefined> = [];
let lb: Haproxy;

const load = (frontend: string, extra: Partial<LoadOptions> = {}) =>
  startLoad({
    url: `${lb.urls[frontend]}/v2/models/simple/infer`,
    body: BODY,
    concurrency: 8,
    check,
    ...extra,
  });

/** Starts replica `i` (0-based) on its reserved port, all of them on the same repository. */
function replica(i: number, env: NodeJS.ProcessEnv = {}): Promise<ServeProcess> {
  const args = [
    '--model-repository',
    repo,
    '--http-port',
    String(ports[i]),
    '--model-control-mode',
    'poll',
    '--repository-poll-secs',
    '1',
  ];
  return startServe(
    [...args, '--exit-timeout-secs', '10', '--allow-grpc', 'false', '--allow-metrics', 'false'],
    60_000,
    { env },
  ).then(s => {
    replicas[i] = s;
    return s;
  });
}

/** haproxy's view of server `name` in the backend of frontend `all`. */
async function server(name: string): Promise<ServerStat> {
  const s = (await lb.stats()).find(x => x.backend === 'all_replicas' && x.server === name);
  if (!s) throw new Error(`haproxy has no server ${name}`);
  return s;
}

/** Resolves once `check` holds, looking again after each turn of a short wait. */
async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 3_000; i++) {
    if (await check()) return;
    await new Promise(r => setTimeout(r, 20));
  }
  throw new Error(`gave up waiting for ${what}; haproxy: ${JSON.stringify(await lb.stats())}`);
}

async function successes(i: number, version: number): Promise<number> {
  const res = await fetch(
    `http://127.0.0.1:${ports[i]}/v2/models/simple/versions/${version}/stats`,
  );
  const stats = (await res.json()) as {
    model_stats: { inference_stats: { success: { count: number } } }[];
  };
  return stats.model_stats[0]?.inference_stats.success.count ?? 0;
}

const expectClean = (summary: LoadSummary): void =>
  expect({ failed: summary.failed, failures: summary.failures }).toEqual({
    failed: 0,
    failures: [],
  });

beforeAll(async () => {
  if (!haproxy) return;
  root = await mkdtemp(path.join(tmpdir(), 'braid-replicas-'));
  cleanup.push(() => rm(root, { recursive: true, force: true }));
  repo = path.join(root, 'repository');
  await cp(path.join(EXAMPLES, 'simple', '1'), path.join(repo, 'simple', '1'), { recursive: true });
  await writeFile(path.join(repo, 'simple', 'config.yaml'), SIMPLE_CONFIG);
  await cp(
    path.join(ROOT, 'test', 'fixtures', 'js-models', 'load-gated'),
    path.join(repo, 'load_gated'),
    { recursive: true },
  );
  ports = await Promise.all([0, 1, 2, 3].map(() => freePort()));
  // The fourth server is in haproxy's configuration from the start, with nothing listening yet.
  lb = await startHaproxy(haproxy!, { frontends: { all: ports, one: ports.slice(0, 1) } });
  cleanup.push(() => lb.stop());
  cleanup.push(() =>
    Promise.all(
      replicas.map(r => (r && r.child.exitCode === null ? r.stop('SIGKILL') : undefined)),
    ),
  );
  for (const i of [0, 1, 2]) await replica(i);
  await until(async () => {
    const states = await lb.stats();
    return (
      states.filter(s => s.status === 'UP').length === 4 &&
      states.find(s => s.backend === 'all_replicas' && s.server === 'r4')?.status === 'DOWN'
    );
  }, 'haproxy to see r1-r3 up and r4 down');
}, 120_000);

afterAll(async () => {
  for (const f of cleanup.splice(0).reverse()) await f();
});

describe.skipIf(!haproxy)(
  `three replicas behind haproxy${haproxy ? '' : ' (skipped: haproxy not on PATH; install the Debian package haproxy, as .ci/run does)'}`,
  () => {
    it('spreads the load over every replica; throughput of one replica against three', async () => {
      const one = await load('one', { maxRequests: 2_000 }).finished();
      const all = await load('all', { maxRequests: 2_000 }).finished();
      expectClean(one);
      expectClean(all);
      const rate = (s: LoadSummary): number => Math.round((s.ok / s.elapsedMs) * 1000);
      const per = await Promise.all(
        [0, 1, 2].map(async i => (await server(`r${i + 1}`)).responses2xx),
      );
      console.log(
        `throughput at concurrency 8 through haproxy: 1 replica ${rate(one)} req/s, 3 replicas ${rate(all)} req/s (${(rate(all) / rate(one)).toFixed(2)}x); answers per replica ${per.join(', ')}`,
      );
      for (const n of per) expect(n).toBeGreaterThan(0);
    });

    it('loses no request while a replica drains on SIGTERM and exits', async () => {
      const run = load('all');
      await run.after(300);
      const before = await successes(2, 1);
      const exited = replicas[2]!.stop('SIGTERM');
      await until(
        () => replicas[2]!.logs.some(l => l.msg === 'shutting down'),
        'r3 to begin draining',
      );
      expect(await exited).toBe(0);
      await until(
        async () => (await server('r3')).status.startsWith('DOWN'),
        'haproxy to mark r3 down',
      );
      await run.after(300);
      const summary = await run.stop();
      expectClean(summary);
      expect(replicas[2]!.logs.some(l => l.msg === 'stopped')).toBe(true);
      const r3 = await server('r3');
      console.log(
        `SIGTERM: ${summary.ok} requests, 0 failed; r3 answered ${before} before the signal; haproxy retried ${r3.retries}, redispatched ${r3.redispatches}`,
      );
    });

    it('sends nothing to a replica until it has loaded its models and reports ready', async () => {
      const gate = path.join(root, 'r4-gate');
      const run = load('all');
      const starting = replica(3, { BRAID_TEST_LOAD_GATE: gate });
      await until(() => existsSync(`${gate}.started`), 'r4 to start loading');
      // While it loads, r4 does not even listen: its probes fail and haproxy keeps it out.
      await run.after(300);
      const probe = await fetch(`http://127.0.0.1:${ports[3]}/v2/health/ready`).then(
        r => String(r.status),
        (e: Error) => String((e.cause as { code?: string })?.code),
      );
      expect(probe).toBe('ECONNREFUSED');
      expect((await server('r4')).status).toMatch(/^DOWN/);
      expect((await server('r4')).responses2xx).toBe(0);
      await writeFile(gate, '');
      await starting;
      expect((await fetch(`http://127.0.0.1:${ports[3]}/v2/health/ready`)).status).toBe(200);
      await until(async () => (await server('r4')).status === 'UP', 'haproxy to mark r4 up');
      await until(async () => (await successes(3, 1)) > 0, 'r4 to serve');
      const summary = await run.stop();
      expectClean(summary);
    });

    it('moves every replica to a newly published version with no failed request', async () => {
      const live = [0, 1, 3];
      const run = load('all');
      await run.after(200);
      // Published the way README says: written beside the repository, then renamed into it at once.
      const staging = path.join(root, 'staging-simple-2');
      await cp(path.join(EXAMPLES, 'simple', '2'), staging, { recursive: true });
      await rename(staging, path.join(repo, 'simple', '2'));
      const ready = async (i: number, v: number): Promise<boolean> =>
        (await fetch(`http://127.0.0.1:${ports[i]}/v2/models/simple/versions/${v}/ready`))
          .status === 200;
      await until(
        async () =>
          (
            await Promise.all(live.map(async i => (await ready(i, 2)) && !(await ready(i, 1))))
          ).every(Boolean),
        'every replica to serve version 2 only',
      );
      const version1 = run.tags()['version 1'] ?? 0;
      await run.after(300);
      const summary = await run.stop();
      expectClean(summary);
      // After convergence only the requests already in flight (8 at most) can have met version 1.
      expect((summary.tags['version 1'] ?? 0) - version1).toBeLessThanOrEqual(8);
      for (const i of live) expect(await successes(i, 2)).toBeGreaterThan(0);
      console.log(`new version: ${JSON.stringify(summary.tags)}, 0 failed`);
    });
  },
);

function binary(name: string): string | undefined {
  try {
    return (
      execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined
    );
  } catch {
    return undefined;
  }
}
