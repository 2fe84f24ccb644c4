import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXAMPLES, tempRepository } from '../support/repo.js';
import { startServe, type ServeProcess } from '../support/serve-process.js';
import { parsePromText, type PromText } from '../engine/telemetry/prom-text.js';
import type { ModelStatistics } from '../../engine/scheduling/stats.js';

/** `simple` with a batch dimension up to 16, optionally with the dynamic batcher, and metric tags. */
function config(name: string, batching: boolean): string {
  return `
name: ${name}
backend: onnxruntime
max_batch_size: 16
version_policy: { specific: { versions: [1] } }
input:
  - { name: INPUT0, data_type: TYPE_FP32, dims: [16] }
  - { name: INPUT1, data_type: TYPE_FP32, dims: [16] }
output:
  - { name: OUTPUT0, data_type: TYPE_FP32, dims: [16] }
  - { name: OUTPUT1, data_type: TYPE_FP32, dims: [16] }
instance_group: [{ count: 1, kind: KIND_CPU }]
parameters: { execution_thread: { string_value: main } }
metric_tags: { team: vision, cost-center: ml }
${batching ? 'dynamic_batching: { preferred_batch_size: [2, 9], max_queue_delay_microseconds: 300000, default_queue_policy: { allow_timeout_override: true, default_timeout_microseconds: 10000000 } }' : ''}
`;
}

const body = (batch: number, parameters?: Record<string, unknown>) => ({
  inputs: ['INPUT0', 'INPUT1'].map(name => ({
    name,
    datatype: 'FP32',
    shape: [batch, 16],
    data: Array.from({ length: 16 * batch }, (_, i) => i % 16),
  })),
  ...(parameters ? { parameters } : {}),
});

let repo: { dir: string; dispose(): Promise<void> };
let server: ServeProcess;
let metricsUrl: string;

beforeAll(async () => {
  repo = await tempRepository({
    batching: path.join(EXAMPLES, 'simple'),
    plain: path.join(EXAMPLES, 'simple'),
  });
  await writeFile(path.join(repo.dir, 'batching', 'config.yaml'), config('batching', true));
  await writeFile(path.join(repo.dir, 'plain', 'config.yaml'), config('plain', false));
  server = await startServe([
    '--model-repository',
    repo.dir,
    '--metrics-port',
    '0',
    '--metrics-config',
    'summary_latencies=true',
  ]);
  const started = server.logs.find(l => l.msg === 'Started Metrics Service');
  metricsUrl = `http://127.0.0.1:${String(started?.port)}/metrics`;
});
afterAll(async () => {
  await server?.stop();
  await repo?.dispose();
});

const infer = (model: string, b: unknown) =>
  fetch(`${server.url}/v2/models/${model}/infer`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(b),
  });

async function scrape(): Promise<PromText> {
  const res = await fetch(metricsUrl);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
  return parsePromText(await res.text());
}

async function counts(model: string): Promise<[number, number, number]> {
  const m = await scrape();
  const l = { model, version: '1' };
  return [
    m.value('nv_inference_request_success', l),
    m.value('nv_inference_count', l),
    m.value('nv_inference_exec_count', l),
  ];
}

describe('Prometheus metrics of a running server', () => {
  // Reference §5.2: [requests, inferences, executions] for each kind of traffic.
  it.each([
    ['one batch-1 request', 'plain', [1], [1, 1, 1]],
    ['one batch-8 request', 'plain', [8], [1, 8, 1]],
    ['batch-1 and batch-8, no dynamic batcher', 'plain', [1, 8], [2, 9, 2]],
    ['two batch-1 requests merged by the dynamic batcher', 'batching', [1, 1], [2, 2, 1]],
    ['batch-1 and batch-8 merged', 'batching', [1, 8], [2, 9, 1]],
  ] as const)('counts %s as Triton does', async (_what, model, batches, expected) => {
    const before = await counts(model);
    const answers = await Promise.all(batches.map(b => infer(model, body(b))));
    expect(answers.map(r => r.status)).toEqual(batches.map(() => 200));
    const after = await counts(model);
    expect(after.map((v, i) => v - before[i]!)).toEqual(expected);
  });

  it('agrees with the statistics endpoint after a batched run, failures by reason included', async () => {
    expect((await infer('batching', { inputs: [] })).status).toBe(400); // OTHER
    const timedOut = await infer('batching', body(1, { timeout: 1000 })); // 1 ms < the 300 ms batching delay
    expect(timedOut.status).toBe(503); // REJECTED
    await Promise.all([1, 2, 3, 4].map(() => infer('batching', body(1))));

    const m = await scrape();
    const stats = (
      (await (await fetch(`${server.url}/v2/models/stats`)).json()) as {
        model_stats: ModelStatistics[];
      }
    ).model_stats;
    for (const s of stats) {
      const l = { model: s.name, version: s.version };
      const is = s.inference_stats;
      const us = (ns: number) => Math.floor(ns / 1000);
      expect(m.value('nv_inference_request_success', l)).toBe(is.success.count);
      expect(m.find('nv_inference_request_failure', l).reduce((n, x) => n + x.value, 0)).toBe(
        is.fail.count,
      );
      expect(m.value('nv_inference_count', l)).toBe(s.inference_count);
      expect(m.value('nv_inference_exec_count', l)).toBe(s.execution_count);
      expect(m.value('nv_inference_request_duration_us', l)).toBe(us(is.success.ns));
      expect(m.value('nv_inference_queue_duration_us', l)).toBe(us(is.queue.ns));
      expect(m.value('nv_inference_compute_input_duration_us', l)).toBe(us(is.compute_input.ns));
      expect(m.value('nv_inference_compute_infer_duration_us', l)).toBe(us(is.compute_infer.ns));
      expect(m.value('nv_inference_compute_output_duration_us', l)).toBe(us(is.compute_output.ns));
      expect(m.value('nv_inference_pending_request_count', l)).toBe(0);
      expect(m.value('nv_model_load_duration_secs', l)).toBeGreaterThan(0);
      // Distributions observe exactly what the counters add up.
      expect(m.value('nv_inference_request_summary_us_count', l)).toBe(is.success.count);
      expect(m.value('nv_inference_queue_summary_us_count', l)).toBe(is.queue.count);
      expect(m.value('nv_inference_compute_infer_summary_us_count', l)).toBe(
        is.compute_infer.count,
      );
      expect(m.value('braid_inference_request_duration_seconds_count', l)).toBe(is.success.count);
      expect(m.value('braid_inference_batch_size_count', l)).toBe(s.execution_count);
      expect(m.value('braid_inference_batch_size_sum', l)).toBe(s.inference_count);
      const perSize = s.batch_stats.reduce(
        (n, b) => n + (b.batch_size <= 2 ? b.compute_infer.count : 0),
        0,
      );
      expect(m.value('braid_inference_batch_size_bucket', { ...l, le: '2' })).toBe(perSize);
    }
    const b = { model: 'batching', version: '1' };
    expect(m.value('nv_inference_request_failure', { ...b, reason: 'OTHER' })).toBe(1);
    expect(m.value('nv_inference_request_failure', { ...b, reason: 'REJECTED' })).toBe(1);
    expect(m.value('nv_inference_request_failure', { ...b, reason: 'BACKEND' })).toBe(0);
    expect(m.find('nv_inference_count', b)[0]!.labels).toEqual({
      model: 'batching',
      version: '1',
      _team: 'vision',
      _cost_center: 'ml',
    });
    expect(m.value('nv_inference_request_summary_us', { ...b, quantile: '0.99' })).toBeGreaterThan(
      0,
    );
    expect(m.types.get('nv_inference_request_summary_us')).toBe('summary');
    expect(m.types.get('braid_inference_request_duration_seconds')).toBe('histogram');
  });

  it('counts HTTP requests by route pattern and status, and exports process and host metrics', async () => {
    await fetch(`${server.url}/v2/models/nope/ready`);
    await fetch(`${server.url}/no/such/path`);
    const m = await scrape();
    expect(
      m.value('braid_http_requests_total', {
        method: 'GET',
        route: '/v2/models/:model/ready',
        status: '400',
      }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      m.value('braid_http_requests_total', { method: 'GET', route: 'unmatched', status: '404' }),
    ).toBeGreaterThanOrEqual(1);
    expect(
      m.value('braid_http_requests_total', {
        method: 'POST',
        route: '/v2/models/:model/infer',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(10);
    expect(m.find('braid_http_requests_total').some(s => s.labels.route?.includes('nope'))).toBe(
      false,
    );
    expect(m.find('process_cpu_user_seconds_total')).toHaveLength(1);
    expect(m.value('nv_cpu_memory_total_bytes')).toBeGreaterThan(0);
    const util = m.value('nv_cpu_utilization');
    expect(util >= 0 && util <= 1).toBe(true);
    if (!hasNvidiaSmi()) expect(m.samples.filter(s => s.name.startsWith('nv_gpu_'))).toEqual([]);
  });
});

function hasNvidiaSmi(): boolean {
  try {
    execFileSync('nvidia-smi', ['-L'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
