import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import {
  cpuUtilization,
  HostMetrics,
  parseMeminfo,
  parseProcStat,
} from '../../../../engine/telemetry/metrics/host-metrics.js';
import { parsePromText } from '../prom-text.js';

const stat = (user: number, idle: number) =>
  `cpu  ${user} 0 0 ${idle} 0 0 0 0 0 0\ncpu0 1 0 0 1 0 0 0 0 0 0\n`;
const MEMINFO =
  'MemTotal:       16000000 kB\nMemFree:         1000000 kB\nMemAvailable:    4000000 kB\n';

describe('host metrics from /proc', () => {
  it('reads aggregate CPU time, counting iowait as idle', () => {
    expect(parseProcStat('cpu  100 20 30 800 50 0 0 0 0 0\n')).toEqual({ busy: 150, total: 1000 });
    expect(parseProcStat('intr 1 2 3\n')).toBeUndefined();
    expect(cpuUtilization({ busy: 150, total: 1000 }, { busy: 450, total: 2000 })).toBeCloseTo(0.3);
    expect(cpuUtilization({ busy: 1, total: 10 }, { busy: 1, total: 10 })).toBe(0);
  });

  it('reads used memory as total minus available', () => {
    expect(parseMeminfo(MEMINFO)).toEqual({ total: 16000000 * 1024, used: 12000000 * 1024 });
    expect(parseMeminfo('MemTotal: 10 kB\n')).toBeUndefined();
  });

  it('exports the utilization of the interval between two polls', async () => {
    const registry = new Registry();
    const files = new Map([
      ['/proc/stat', stat(100, 900)],
      ['/proc/meminfo', MEMINFO],
    ]);
    const host = new HostMetrics({ registry, read: async p => files.get(p)! });
    await host.poll();
    files.set('/proc/stat', stat(400, 1600)); // 300 busy of 1000 ticks
    await host.poll();
    const m = parsePromText(await registry.metrics());
    expect(m.value('nv_cpu_utilization')).toBeCloseTo(0.3);
    expect(m.value('nv_cpu_memory_total_bytes')).toBe(16000000 * 1024);
    expect(m.value('nv_cpu_memory_used_bytes')).toBe(12000000 * 1024);
  });

  it('exports no series where /proc cannot be read', async () => {
    const registry = new Registry();
    const host = new HostMetrics({ registry, read: () => Promise.reject(new Error('ENOENT')) });
    await host.poll();
    expect(await registry.metrics()).toBe('\n');
  });
});
