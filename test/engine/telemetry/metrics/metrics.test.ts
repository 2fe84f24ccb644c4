import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../../engine/core/clock.js';
import { createMetrics } from '../../../../engine/telemetry/metrics/metrics.js';
import { parseMetricsConfig } from '../../../../engine/telemetry/metrics/metrics-config.js';
import { parsePromText } from '../prom-text.js';

import { QUIET, version } from './metrics-fixtures.js';

describe('BraidMetrics', () => {
  it("computes Triton's per-model counters from the statistics at scrape time", async () => {
    const metrics = createMetrics(QUIET);
    const { stats, source } = version('simple', '1', { team: 'vision' }, 3);
    stats.observe(metrics.registerVersion(source));
    stats.queued(2_000);
    stats.queued(4_000);
    stats.execution(2, 1_500, 10_000_400, 700);
    stats.request(true, 12_345_678, 0);
    stats.request(true, 1_000, 0);
    stats.request(false, 5_000, 0, 'REJECTED');
    const m = parsePromText(await metrics.render());
    const l = { model: 'simple', version: '1', _team: 'vision' };
    expect(m.value('nv_inference_request_success', l)).toBe(2);
    expect(m.find('nv_inference_request_failure', l).map(s => [s.labels.reason, s.value])).toEqual([
      ['REJECTED', 1],
      ['CANCELED', 0],
      ['BACKEND', 0],
      ['OTHER', 0],
    ]);
    expect(m.value('nv_inference_count', l)).toBe(2);
    expect(m.value('nv_inference_exec_count', l)).toBe(1);
    expect(m.value('nv_inference_request_duration_us', l)).toBe(12_346); // floor((12_345_678 + 1_000) / 1000)
    expect(m.value('nv_inference_queue_duration_us', l)).toBe(6);
    expect(m.value('nv_inference_compute_input_duration_us', l)).toBe(1);
    expect(m.value('nv_inference_compute_infer_duration_us', l)).toBe(10_000);
    expect(m.value('nv_inference_compute_output_duration_us', l)).toBe(0);
    expect(m.value('nv_inference_pending_request_count', l)).toBe(3);
    expect(m.value('braid_queue_depth', l)).toBe(3);
    expect(m.value('braid_inflight_requests', l)).toBe(4);
    expect(m.value('nv_model_load_duration_secs', l)).toBe(1.25);
    expect(m.value('braid_inference_request_duration_seconds_count', l)).toBe(2);
    expect(m.value('braid_inference_request_duration_seconds_bucket', { ...l, le: '0.001' })).toBe(
      1,
    );
    expect(m.value('braid_inference_batch_size_sum', l)).toBe(2);
    expect(m.find('nv_inference_request_summary_us')).toEqual([]); // summaries are off by default
    expect(m.types.get('nv_inference_request_failure')).toBe('counter');
    expect(m.types.get('nv_model_load_duration_secs')).toBe('gauge');
  });

  // issue #15 section 1: decoupled models' time to first response and responses per request.
  it('observes the first response of each decoupled request and how many responses each sent', async () => {
    const metrics = createMetrics(QUIET);
    const { stats, source } = version('streamer');
    stats.observe(metrics.registerVersion(source));
    stats.response(0, 2_000_000, 2_000_000);
    stats.response(1, 1_000_000, 3_000_000);
    stats.responsesEnded(2, 500_000, 'empty_response');
    stats.responsesEnded(0, 4_000_000, 'empty_response');
    const m = parsePromText(await metrics.render());
    const l = { model: 'streamer', version: '1' };
    expect(m.value('braid_inference_first_response_seconds_count', l)).toBe(1);
    expect(m.value('braid_inference_first_response_seconds_bucket', { ...l, le: '0.0025' })).toBe(
      1,
    );
    expect(m.value('braid_inference_first_response_seconds_bucket', { ...l, le: '0.001' })).toBe(0);
    expect(m.value('braid_inference_responses_per_request_count', l)).toBe(2);
    expect(m.value('braid_inference_responses_per_request_sum', l)).toBe(2);
    expect(m.value('braid_inference_responses_per_request_bucket', { ...l, le: '0' })).toBe(1);
    expect(stats.snapshot().response_stats['2']!.empty_response).toEqual({ count: 1, ns: 500_000 });
  });

  it('exports the summaries when asked, observing what the counters add up', async () => {
    const metrics = createMetrics({
      ...QUIET,
      config: parseMetricsConfig(['summary_latencies=true', 'summary_quantiles=0.5:0.05,0.9:0.01']),
    });
    const { stats, source } = version('m');
    stats.observe(metrics.registerVersion(source));
    for (const us of [100, 200, 300]) stats.request(true, us * 1000, 0);
    stats.request(false, 9_000_000, 0, 'OTHER');
    const m = parsePromText(await metrics.render());
    const l = { model: 'm', version: '1' };
    expect(m.value('nv_inference_request_summary_us_count', l)).toBe(3);
    expect(m.value('nv_inference_request_summary_us_sum', l)).toBe(600);
    expect(m.value('nv_inference_request_summary_us', { ...l, quantile: '0.5' })).toBe(200);
    expect(
      m
        .find('nv_inference_request_summary_us', l)
        .map(s => s.labels.quantile)
        .filter(Boolean),
    ).toEqual(['0.5', '0.9']);
    expect(m.types.get('nv_inference_queue_summary_us')).toBe('summary');
  });

  // issue #15 section 3
  it("exports Triton's nv_cache_* families for the versions that may use the response cache only", async () => {
    const metrics = createMetrics(QUIET);
    const cached = version('c');
    registerCached(metrics, cached);
    metrics.registerVersion(version('plain').source);
    cached.stats.cacheHit(2_500);
    cached.stats.cacheHit(1_000);
    cached.stats.cacheMiss(7_000);
    const m = parsePromText(await metrics.render());
    const l = { model: 'c', version: '1' };
    expect(m.value('nv_cache_num_hits_per_model', l)).toBe(2);
    expect(m.value('nv_cache_num_misses_per_model', l)).toBe(1);
    expect(m.value('nv_cache_hit_duration_per_model', l)).toBe(3);
    expect(m.value('nv_cache_miss_duration_per_model', l)).toBe(7);
    expect(m.find('nv_cache_num_hits_per_model').map(s => s.labels.model)).toEqual(['c']);
  });

  it('leaves out the latency counters with counter_latencies=false', async () => {
    const metrics = createMetrics({
      ...QUIET,
      config: parseMetricsConfig(['counter_latencies=false']),
    });
    metrics.registerVersion(version('m').source);
    const m = parsePromText(await metrics.render());
    expect(m.find('nv_inference_request_duration_us')).toEqual([]);
    expect(m.find('nv_inference_compute_infer_duration_us')).toEqual([]);
    expect(m.value('nv_inference_request_success', { model: 'm', version: '1' })).toBe(0);
  });

  it('drops the series of a retired version, and a reload of the same version replaces the old one', async () => {
    const metrics = createMetrics(QUIET);
    const v1 = version('m', '1');
    const old = metrics.registerVersion(v1.source);
    v1.stats.observe(old);
    v1.stats.request(true, 1000, 0);
    const reloaded = version('m', '1');
    const fresh = metrics.registerVersion(reloaded.source);
    reloaded.stats.observe(fresh);
    const other = metrics.registerVersion(version('m', '2').source);
    old.retire(); // the old copy finishes draining after the reload took over
    let m = parsePromText(await metrics.render());
    expect(m.value('nv_inference_request_success', { model: 'm', version: '1' })).toBe(0);
    fresh.retire();
    other.retire();
    other.retire();
    m = parsePromText(await metrics.render());
    expect(m.samples.filter(s => s.labels.model === 'm')).toEqual([]);
  });

  it('counts HTTP requests and pipeline steps with bounded labels', async () => {
    const metrics = createMetrics(QUIET);
    metrics.httpRequest({
      method: 'POST',
      route: '/v2/models/:model/infer',
      status: 200,
      seconds: 0.004,
    });
    metrics.httpRequest({
      method: 'POST',
      route: '/v2/models/:model/infer',
      status: 200,
      seconds: 0.02,
    });
    metrics.pipelineStep({
      pipeline: 'ocr',
      step: 'detect',
      outcome: 'ran',
      retries: 2,
      seconds: 0.01,
    });
    metrics.pipelineStep({
      pipeline: 'ocr',
      step: 'rerank',
      outcome: 'skipped',
      retries: 0,
      seconds: 0,
    });
    metrics.pipelineStep({
      pipeline: 'ocr',
      step: 'read',
      outcome: 'defaulted',
      retries: 0,
      seconds: 0.002,
    });
    const m = parsePromText(await metrics.render());
    expect(
      m.value('braid_http_requests_total', {
        method: 'POST',
        route: '/v2/models/:model/infer',
        status: '200',
      }),
    ).toBe(2);
    expect(
      m.value('braid_http_request_duration_seconds_bucket', {
        route: '/v2/models/:model/infer',
        le: '0.005',
      }),
    ).toBe(1);
    expect(
      m.value('braid_pipeline_steps_total', {
        pipeline: 'ocr',
        step: 'rerank',
        outcome: 'skipped',
      }),
    ).toBe(1);
    expect(
      m.value('braid_pipeline_step_duration_seconds_count', { pipeline: 'ocr', step: 'detect' }),
    ).toBe(1);
    expect(m.find('braid_pipeline_step_duration_seconds_count', { step: 'rerank' })).toEqual([]);
    // The pipelines' own outcome names, retries counted apart (issue #11: one set of outcome names).
    expect(
      m.value('braid_pipeline_steps_total', {
        pipeline: 'ocr',
        step: 'read',
        outcome: 'defaulted',
      }),
    ).toBe(1);
    expect(
      m.value('braid_pipeline_step_duration_seconds_count', { pipeline: 'ocr', step: 'read' }),
    ).toBe(1);
    expect(m.value('braid_pipeline_step_retries_total', { pipeline: 'ocr', step: 'detect' })).toBe(
      2,
    );
    expect(m.find('braid_pipeline_step_retries_total', { step: 'rerank' })).toEqual([]);
  });

  it("polls host and GPU metrics once started, and includes Node's process metrics", async () => {
    const proc = new Map([
      ['/proc/stat', 'cpu  1 0 0 9 0 0 0 0\n'],
      ['/proc/meminfo', 'MemTotal: 100 kB\nMemAvailable: 40 kB\n'],
    ]);
    const polled: string[] = [];
    const metrics = createMetrics({
      readProc: async p => proc.get(p)!,
      nvidiaSmi: async () => (polled.push('nvidia-smi'), 'GPU-1, 50, 100, 10, 60, 300\n'),
      intervalMs: 60_000,
      clock: new SimulatedClock(),
    });
    // start() polls at once, without waiting for the interval; stop() waits for that poll. The
    // clock never moves, so there is no second one.
    metrics.start();
    await metrics.stop();
    expect(polled.filter(p => p === 'nvidia-smi')).toHaveLength(1);
    const m = parsePromText(await metrics.render());
    expect(m.value('nv_cpu_memory_used_bytes')).toBe(60 * 1024);
    expect(m.value('nv_gpu_utilization', { gpu_uuid: 'GPU-1' })).toBe(0.5);
    expect(m.find('process_cpu_user_seconds_total')).toHaveLength(1);
    expect(m.find('nodejs_heap_size_used_bytes')).toHaveLength(1);
  });
});

function registerCached(
  metrics: ReturnType<typeof createMetrics>,
  v: ReturnType<typeof version>,
): void {
  v.stats.observe(metrics.registerVersion({ ...v.source, cached: true }));
}
