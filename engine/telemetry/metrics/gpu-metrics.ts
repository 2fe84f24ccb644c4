/**
 * @module Triton's GPU metrics, read from `nvidia-smi` instead of DCGM: utilization (0–1),
 * memory total and used (bytes), power usage and limit (W), and energy consumed since start (J,
 * power integrated over the polling interval), each labelled `gpu_uuid`. Without nvidia-smi, or
 * without GPUs, there are no series and no errors.
 */
import { execFile } from 'node:child_process';
import { Counter, Gauge } from 'prom-client';
import type { Registry } from 'prom-client';
import type { Clock } from '../../core/clock.js';
import type { Logger } from '../../core/logger.js';
import type { Mutable } from '../../core/mutable.js';

/** One GPU as nvidia-smi reports it; a field nvidia-smi cannot read is absent. */
export interface GpuReading {
  readonly uuid: string;
  readonly utilization?: number;
  readonly memoryTotalBytes?: number;
  readonly memoryUsedBytes?: number;
  readonly powerWatts?: number;
  readonly powerLimitWatts?: number;
}

/** The nvidia-smi arguments whose output {@link parseNvidiaSmi} reads. */
export const NVIDIA_SMI_ARGS = [
  '--query-gpu=uuid,utilization.gpu,memory.total,memory.used,power.draw,power.limit',
  '--format=csv,noheader,nounits',
];

const MIB = 1024 * 1024;

type GaugeKey =
  'utilization' | 'memoryTotalBytes' | 'memoryUsedBytes' | 'powerWatts' | 'powerLimitWatts';

/** The numeric columns after the uuid, in query order, with the factor to Triton's units. */
const FIELDS: readonly (readonly [GaugeKey, number])[] = [
  ['utilization', 0.01],
  ['memoryTotalBytes', MIB],
  ['memoryUsedBytes', MIB],
  ['powerWatts', 1],
  ['powerLimitWatts', 1],
];

/**
 * Parses `nvidia-smi --query-gpu=… --format=csv,noheader,nounits` output, one GPU per line.
 * `[N/A]`, `[Not Supported]` and other non-numbers leave the field out.
 *
 * @example
 * parseNvidiaSmi('GPU-1, 50, 81559, 1024, 70.5, 700.00\n')[0]?.utilization; // 0.5
 */
export function parseNvidiaSmi(csv: string): GpuReading[] {
  const out: GpuReading[] = [];
  for (const line of csv.split('\n')) {
    const [uuid, ...fields] = line.split(',').map(s => s.trim());
    if (!uuid?.startsWith('GPU-')) continue;
    const reading: Mutable<GpuReading> = { uuid };
    for (const [i, [key, scale]] of FIELDS.entries()) {
      const raw = fields[i];
      const n = raw === undefined || raw === '' ? NaN : Number(raw);
      if (Number.isFinite(n)) reading[key] = n * scale;
    }
    out.push(reading);
  }
  return out;
}

/** Options of {@link GpuMetrics}. */
export interface GpuMetricsOptions {
  readonly registry: Registry;
  readonly clock: Clock;
  readonly logger: Logger;
  /** Runs nvidia-smi and resolves with its output; tests replace it. Default: `nvidia-smi` on PATH. */
  readonly query?: () => Promise<string>;
}

const GAUGES: readonly [GaugeKey, string, string][] = [
  ['utilization', 'nv_gpu_utilization', 'GPU utilization rate [0.0 - 1.0)'],
  ['memoryTotalBytes', 'nv_gpu_memory_total_bytes', 'GPU total memory, in bytes'],
  ['memoryUsedBytes', 'nv_gpu_memory_used_bytes', 'GPU used memory, in bytes'],
  ['powerWatts', 'nv_gpu_power_usage', 'GPU power usage in watts'],
  ['powerLimitWatts', 'nv_gpu_power_limit', 'GPU power management limit in watts'],
];

/** The GPU gauges, updated by {@link GpuMetrics.poll}. */
export class GpuMetrics {
  readonly #o: GpuMetricsOptions;
  readonly #query: () => Promise<string>;
  #series: { gauges: Map<GaugeKey, Gauge<'gpu_uuid'>>; energy: Counter<'gpu_uuid'> } | undefined;
  #lastPollAt: number | undefined;
  #state: 'probing' | 'on' | 'off' = 'probing';
  #warned = false;

  constructor(opts: GpuMetricsOptions) {
    this.#o = opts;
    this.#query = opts.query ?? runNvidiaSmi;
  }

  /** Whether polling is still worth doing: false once nvidia-smi turned out to be absent. */
  get available(): boolean {
    return this.#state !== 'off';
  }

  /** Queries nvidia-smi once. Never throws. */
  async poll(): Promise<void> {
    if (this.#state === 'off') return;
    let gpus: GpuReading[];
    try {
      gpus = parseNvidiaSmi(await this.#query());
    } catch (e) {
      this.#failed(e);
      return;
    }
    if (gpus.length === 0 && this.#state === 'probing') {
      this.#state = 'off';
      this.#o.logger.log('debug', 'nvidia-smi reports no GPU; GPU metrics off');
      return;
    }
    this.#state = 'on';
    this.#record(gpus);
  }

  #record(gpus: readonly GpuReading[]): void {
    const now = this.#o.clock.now();
    const dtSecs = this.#lastPollAt === undefined ? 0 : (now - this.#lastPollAt) / 1000;
    this.#lastPollAt = now;
    const s = (this.#series ??= this.#create());
    for (const gpu of gpus) {
      const labels = { gpu_uuid: gpu.uuid };
      for (const [key] of GAUGES) {
        const v = gpu[key];
        if (v !== undefined) s.gauges.get(key)!.set(labels, v);
      }
      s.energy.inc(labels, (gpu.powerWatts ?? 0) * dtSecs);
    }
  }

  #failed(e: unknown): void {
    const detail = e instanceof Error ? e.message : String(e);
    if (this.#state === 'probing') {
      // No nvidia-smi, or no driver: a machine without GPUs, which is not an error.
      this.#state = 'off';
      this.#o.logger.log('debug', 'nvidia-smi not usable; GPU metrics off', { error: detail });
    } else if (!this.#warned) {
      this.#warned = true;
      this.#o.logger.log('warn', 'nvidia-smi failed; GPU metrics keep their last values', {
        error: detail,
      });
    }
  }

  #create(): { gauges: Map<GaugeKey, Gauge<'gpu_uuid'>>; energy: Counter<'gpu_uuid'> } {
    const registers = [this.#o.registry];
    const labelNames = ['gpu_uuid'] as const;
    const gauges = new Map(
      GAUGES.map(([key, name, help]) => [key, new Gauge({ name, help, labelNames, registers })]),
    );
    const energy = new Counter({
      name: 'nv_energy_consumption',
      help: 'GPU energy consumption in joules since the Braid server started',
      labelNames,
      registers,
    });
    return { gauges, energy };
  }
}

function runNvidiaSmi(): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('nvidia-smi', NVIDIA_SMI_ARGS, { timeout: 10_000 }, (err, stdout) =>
      err ? reject(err) : resolve(stdout),
    );
  });
}
