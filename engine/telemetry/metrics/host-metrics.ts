/**
 * @module Triton's host metrics from Linux /proc: `nv_cpu_utilization` (0–1, over the last
 * interval), `nv_cpu_memory_total_bytes` and `nv_cpu_memory_used_bytes` (total − available),
 * computed as Triton's `Metrics::PollCpuMetrics` does. Where /proc is missing the series are
 * absent.
 */
import { readFile } from 'node:fs/promises';
import { Gauge } from 'prom-client';
import type { Registry } from 'prom-client';

/** Aggregate CPU time from the `cpu ` line of /proc/stat, in clock ticks. */
export interface CpuTimes {
  readonly busy: number;
  readonly total: number;
}

/**
 * Reads the aggregate `cpu` line of /proc/stat: user nice system idle iowait irq softirq steal.
 * Idle time is idle + iowait; guest time is already inside user and nice.
 *
 * @example
 * parseProcStat('cpu  10 0 5 80 5 0 0 0 0 0\n'); // { busy: 15, total: 100 }
 */
export function parseProcStat(text: string): CpuTimes | undefined {
  const line = text.split('\n').find(l => l.startsWith('cpu '));
  if (!line) return undefined;
  const f = line.trim().split(/\s+/).slice(1, 9).map(Number);
  if (f.length < 4 || f.some(n => !Number.isFinite(n))) return undefined;
  const total = f.reduce((a, b) => a + b, 0);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  return { busy: total - idle, total };
}

/**
 * Reads MemTotal and MemAvailable from /proc/meminfo (kB) as bytes; used = total − available.
 *
 * @example
 * parseMeminfo('MemTotal: 1000 kB\nMemAvailable: 250 kB\n'); // { total: 1024000, used: 768000 }
 */
export function parseMeminfo(text: string): { total: number; used: number } | undefined {
  const kb = (key: string): number | undefined => {
    const m = new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(text);
    return m ? Number(m[1]) * 1024 : undefined;
  };
  const total = kb('MemTotal');
  const available = kb('MemAvailable');
  if (total === undefined || available === undefined || available > total) return undefined;
  return { total, used: total - available };
}

/** CPU utilization between two readings, 0 when no time passed. */
export function cpuUtilization(prev: CpuTimes, next: CpuTimes): number {
  const dt = next.total - prev.total;
  return dt > 0 ? Math.min(1, Math.max(0, (next.busy - prev.busy) / dt)) : 0;
}

/** Options of {@link HostMetrics}. */
export interface HostMetricsOptions {
  readonly registry: Registry;
  /** Reads a /proc file; tests replace it. Default: the file system. */
  readonly read?: (path: string) => Promise<string>;
}

/** The CPU and memory gauges, updated by {@link HostMetrics.poll}. */
export class HostMetrics {
  readonly #registry: Registry;
  readonly #read: (path: string) => Promise<string>;
  #gauges: { util: Gauge; total: Gauge; used: Gauge } | undefined;
  #last: CpuTimes | undefined;

  constructor(opts: HostMetricsOptions) {
    this.#registry = opts.registry;
    this.#read = opts.read ?? (p => readFile(p, 'utf8'));
  }

  /** Reads /proc once; the series appear with the first successful reading. Never throws. */
  async poll(): Promise<void> {
    let cpu: CpuTimes | undefined;
    let mem: { total: number; used: number } | undefined;
    try {
      [cpu, mem] = [
        parseProcStat(await this.#read('/proc/stat')),
        parseMeminfo(await this.#read('/proc/meminfo')),
      ];
    } catch {
      return;
    }
    if (!cpu || !mem) return;
    const g = (this.#gauges ??= this.#create());
    g.util.set(this.#last ? cpuUtilization(this.#last, cpu) : 0);
    g.total.set(mem.total);
    g.used.set(mem.used);
    this.#last = cpu;
  }

  #create(): { util: Gauge; total: Gauge; used: Gauge } {
    const registers = [this.#registry];
    return {
      util: new Gauge({
        name: 'nv_cpu_utilization',
        help: 'CPU utilization rate [0.0 - 1.0]',
        registers,
      }),
      total: new Gauge({
        name: 'nv_cpu_memory_total_bytes',
        help: 'CPU total memory (RAM), in bytes',
        registers,
      }),
      used: new Gauge({
        name: 'nv_cpu_memory_used_bytes',
        help: 'CPU used memory (RAM), in bytes',
        registers,
      }),
    };
  }
}
