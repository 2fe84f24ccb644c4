import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { SimulatedClock } from '../../../../engine/core/clock.js';
import { InMemoryLogger } from '../../../../engine/core/logger.js';
import { GpuMetrics, parseNvidiaSmi } from '../../../../engine/telemetry/metrics/gpu-metrics.js';
import { parsePromText } from '../prom-text.js';

const H100 = 'GPU-5e3f0b2a-0000-1111-2222-333344445555, 37, 81559, 1024, 120.50, 700.00\n';
const NA =
  'GPU-aaaaaaaa-0000-1111-2222-333344445555, [N/A], 16384, 0, [Not Supported], [Not Supported]\n';

describe('GPU metrics from nvidia-smi', () => {
  it('parses one GPU per line into Triton units, leaving out what the GPU cannot report', () => {
    expect(parseNvidiaSmi(H100 + NA + '\n')).toEqual([
      {
        uuid: 'GPU-5e3f0b2a-0000-1111-2222-333344445555',
        utilization: 0.37,
        memoryTotalBytes: 81559 * 1048576,
        memoryUsedBytes: 1024 * 1048576,
        powerWatts: 120.5,
        powerLimitWatts: 700,
      },
      {
        uuid: 'GPU-aaaaaaaa-0000-1111-2222-333344445555',
        memoryTotalBytes: 16384 * 1048576,
        memoryUsedBytes: 0,
      },
    ]);
    expect(parseNvidiaSmi('No devices were found\n')).toEqual([]);
  });

  it('parses the line an idle H100 printed for NVIDIA_SMI_ARGS', () => {
    const captured = 'GPU-9cf8e0bc-d2f2-c35c-361b-1f9c9a175a20, 0, 81559, 0, 122.16, 700.00\n';
    expect(parseNvidiaSmi(captured)).toEqual([
      {
        uuid: 'GPU-9cf8e0bc-d2f2-c35c-361b-1f9c9a175a20',
        utilization: 0,
        memoryTotalBytes: 85_520_809_984,
        memoryUsedBytes: 0,
        powerWatts: 122.16,
        powerLimitWatts: 700,
      },
    ]);
  });

  it('exports gauges per gpu_uuid and integrates power into energy', async () => {
    const registry = new Registry();
    const clock = new SimulatedClock();
    const gpu = new GpuMetrics({
      registry,
      clock,
      logger: new InMemoryLogger(),
      query: async () => H100 + NA,
    });
    await gpu.poll();
    clock.advance(2000);
    await gpu.poll();
    const m = parsePromText(await registry.metrics());
    const a = { gpu_uuid: 'GPU-5e3f0b2a-0000-1111-2222-333344445555' };
    expect(m.value('nv_gpu_utilization', a)).toBeCloseTo(0.37);
    expect(m.value('nv_gpu_memory_used_bytes', a)).toBe(1024 * 1048576);
    expect(m.value('nv_gpu_power_usage', a)).toBe(120.5);
    expect(m.value('nv_gpu_power_limit', a)).toBe(700);
    expect(m.value('nv_energy_consumption', a)).toBeCloseTo(241); // 120.5 W for 2 s
    const b = { gpu_uuid: 'GPU-aaaaaaaa-0000-1111-2222-333344445555' };
    expect(m.find('nv_gpu_utilization', b)).toEqual([]);
    expect(m.value('nv_gpu_memory_total_bytes', b)).toBe(16384 * 1048576);
  });

  it('without nvidia-smi, or without GPUs, exports nothing and gives up quietly', async () => {
    for (const query of [
      () => Promise.reject(Object.assign(new Error('spawn nvidia-smi ENOENT'), { code: 'ENOENT' })),
      async () => 'No devices were found\n',
    ]) {
      const registry = new Registry();
      const logger = new InMemoryLogger();
      const gpu = new GpuMetrics({ registry, clock: new SimulatedClock(), logger, query });
      await gpu.poll();
      expect(gpu.available).toBe(false);
      expect(await registry.metrics()).toBe('\n');
      expect(logger.lines.map(l => l.level)).toEqual(['debug']);
    }
  });

  it('warns once when nvidia-smi starts failing after it worked, keeping the last values', async () => {
    const registry = new Registry();
    const logger = new InMemoryLogger();
    let fail = false;
    const gpu = new GpuMetrics({
      registry,
      clock: new SimulatedClock(),
      logger,
      query: async () => (fail ? Promise.reject(new Error('timeout')) : H100),
    });
    await gpu.poll();
    fail = true;
    await gpu.poll();
    await gpu.poll();
    expect(gpu.available).toBe(true);
    expect(logger.lines.map(l => [l.level, l.msg])).toEqual([
      ['warn', 'nvidia-smi failed; GPU metrics keep their last values'],
    ]);
    expect(parsePromText(await registry.metrics()).find('nv_gpu_power_usage')).toHaveLength(1);
  });
});
