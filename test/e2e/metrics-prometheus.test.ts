import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES, tempRepository } from '../support/repo.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';

/**
 * Checks the metrics with Prometheus's own tools: `promtool check metrics` on a scrape, and a
 * real Prometheus server on loopback scraping Braid while it serves batched traffic. Both come
 * from Debian's `prometheus` package, which .ci/run installs.
 */
const promtool = binary('promtool');
const prometheus = binary('prometheus');

/**
 * Lint rules that Triton's metric names break by design (Braid keeps the names so dashboards keep
 * working), and three gauges of prom-client's default Node.js metrics whose names end in _total.
 */
const KNOWN_LINT =
  /^(nv_\S+ (counter metrics should have "_total" suffix|metric names should not contain abbreviated units|non-histogram and non-summary metrics should not have "_count" suffix|metric name should not include type 'summary')|nodejs_active_(handles|requests|resources)_total non-counter metrics should not have "_total" suffix)$/;

const REQUEST = JSON.stringify({
  inputs: ['INPUT0', 'INPUT1'].map(name => ({
    name,
    datatype: 'FP32',
    shape: [1, 16],
    data: Array.from({ length: 16 }, (_, i) => i),
  })),
});

// `simple` with a 50 ms batching window, so a burst of requests always shares executions.
const CONFIG = `
name: simple
backend: onnxruntime
max_batch_size: 8
version_policy: { specific: { versions: [1] } }
input:
  - { name: INPUT0, data_type: TYPE_FP32, dims: [16] }
  - { name: INPUT1, data_type: TYPE_FP32, dims: [16] }
output:
  - { name: OUTPUT0, data_type: TYPE_FP32, dims: [16] }
  - { name: OUTPUT1, data_type: TYPE_FP32, dims: [16] }
dynamic_batching: { max_queue_delay_microseconds: 50000 }
parameters: { execution_thread: { string_value: main } }
`;

let repo: { dir: string; dispose(): Promise<void> } | undefined;
let server: ServeProcess;
let metricsPort: number;

beforeAll(async () => {
  if (!promtool || !prometheus) return;
  repo = await tempRepository({ simple: path.join(EXAMPLES, 'simple') });
  await writeFile(path.join(repo.dir, 'simple', 'config.yaml'), CONFIG);
  server = await startServe([
    '--model-repository',
    repo.dir,
    '--metrics-port',
    '0',
    '--metrics-config',
    'summary_latencies=true',
  ]);
  metricsPort = Number(server.logs.find(l => l.msg === 'Started Metrics Service')?.port);
});
afterAll(async () => {
  await server?.stop();
  await repo?.dispose();
});

/** Sends `n` requests to simple at once, so the dynamic batcher merges them. */
async function burst(n: number): Promise<void> {
  const answers = await Promise.all(
    Array.from({ length: n }, () =>
      fetch(`${server.url}/v2/models/simple/versions/1/infer`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: REQUEST,
      }),
    ),
  );
  expect(answers.every(a => a.status === 200)).toBe(true);
}

describe.skipIf(!promtool || !prometheus)(
  `metrics checked by Prometheus${promtool && prometheus ? '' : ' (skipped: promtool or prometheus not on PATH; install the Debian package prometheus, as .ci/run does)'}`,
  () => {
    it('passes promtool check metrics: the format parses; lint notes only Triton-compatible names', async () => {
      await burst(8);
      const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
      const { status, output } = run(promtool!, ['check', 'metrics'], text);
      // 0: clean; 3: lint problems only; anything else: the exposition does not parse.
      expect([0, 3]).toContain(status);
      const problems = output.split('\n').filter(l => l.trim() !== '');
      expect(problems.filter(p => !KNOWN_LINT.test(p))).toEqual([]);
      expect(problems.some(p => p.startsWith('braid_'))).toBe(false);
    });

    it('is scraped by a real Prometheus server, which computes rates over a batched run', async () => {
      const prom = await startPrometheus(metricsPort);
      try {
        // Prometheus hands new targets to its scrapers in 5 s rounds: load starts at the first scrape.
        await until(async () => (await query(prom.url, 'up{job="braid"}'))[0]?.value[1] === '1');
        for (let i = 0; i < 16; i++) {
          await burst(6);
          await new Promise(r => setTimeout(r, 250));
        }
        const stats = (await (
          await fetch(`${server.url}/v2/models/simple/versions/1/stats`)
        ).json()) as {
          model_stats: { inference_stats: { success: { count: number } } }[];
        };
        const sent = stats.model_stats[0]!.inference_stats.success.count;
        expect(sent).toBe(104); // 8 + 16 bursts of 6
        // Wait until a scrape after the last burst has landed, then query rates over the run.
        await until(
          async () =>
            Number(
              (await query(prom.url, `nv_inference_request_success{model="simple",version="1"}`))[0]
                ?.value[1],
            ) >= sent,
        );
        const samples = await query(
          prom.url,
          'count_over_time(nv_inference_request_success{model="simple",version="1"}[30s])',
        );
        expect(Number(samples[0]?.value[1])).toBeGreaterThanOrEqual(3);
        const targets = (await (await fetch(`${prom.url}/api/v1/targets`)).json()) as {
          data: { activeTargets: { health: string; lastError: string }[] };
        };
        expect(targets.data.activeTargets.map(t => [t.health, t.lastError])).toEqual([['up', '']]);
        const rate = await query(
          prom.url,
          'rate(nv_inference_request_success{model="simple",version="1"}[30s])',
        );
        expect(Number(rate[0]?.value[1])).toBeGreaterThan(0);
        const batch = await query(
          prom.url,
          'increase(nv_inference_count{model="simple",version="1"}[30s]) / increase(nv_inference_exec_count{model="simple",version="1"}[30s])',
        );
        expect(Number(batch[0]?.value[1])).toBeGreaterThan(1); // the batcher merged requests
        const p99 = await query(
          prom.url,
          'histogram_quantile(0.99, rate(braid_inference_request_duration_seconds_bucket{model="simple",version="1"}[30s]))',
        );
        expect(Number(p99[0]?.value[1])).toBeGreaterThan(0);
      } finally {
        await prom.stop();
      }
    }, 60_000);
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

function run(cmd: string, args: string[], stdin: string): { status: number; output: string } {
  try {
    const out = execFileSync(cmd, args, {
      input: stdin,
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    return { status: 0, output: out };
  } catch (e) {
    const err = e as { status: number; stdout: string; stderr: string };
    return { status: err.status, output: `${err.stdout}${err.stderr}` };
  }
}

async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>(resolve => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  await new Promise(resolve => srv.close(resolve));
  return port;
}

async function startPrometheus(target: number): Promise<{ url: string; stop(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'braid-prometheus-'));
  const config = path.join(dir, 'prometheus.yml');
  await writeFile(
    config,
    `global: { scrape_interval: 1s, evaluation_interval: 1s }\nscrape_configs:\n  - job_name: braid\n    static_configs: [{ targets: ['127.0.0.1:${target}'] }]\n`,
  );
  const port = await freePort();
  const child: ChildProcess = spawn(
    prometheus!,
    [
      `--config.file=${config}`,
      `--storage.tsdb.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
    ],
    { stdio: 'ignore' },
  );
  const exited = new Promise<void>(resolve => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    child.kill('SIGTERM');
    await exited;
    await rm(dir, { recursive: true, force: true });
  };
  try {
    await until(async () => (await fetch(`${url}/-/ready`).catch(() => undefined))?.status === 200);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, stop };
}

async function query(
  url: string,
  promql: string,
): Promise<{ metric: Record<string, string>; value: [number, string] }[]> {
  const res = await fetch(`${url}/api/v1/query?query=${encodeURIComponent(promql)}`);
  const body = (await res.json()) as {
    status: string;
    data: { result: { metric: Record<string, string>; value: [number, string] }[] };
  };
  expect(body.status).toBe('success');
  return body.data.result;
}

async function until(check: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise(r => setTimeout(r, 200));
  }
}
