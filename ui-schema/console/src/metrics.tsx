/**
 * Live metrics from the event stream: inferences a second and mean request latency per model
 * (uPlot charts over the last two minutes), and per model the server's figures over its short
 * window: p50/p99 latency, queue depth and the batch-size distribution.
 */
import uPlot from 'uplot';
import { useEffect, useRef } from 'preact/hooks';
import { fmt, meanMs } from './api.js';
import type { ModelFigures, Snapshot, VersionStats } from './api.js';

const COLORS = [
  '#1f6feb',
  '#d1242f',
  '#1a7f37',
  '#9a6700',
  '#8250df',
  '#bf3989',
  '#0a7ea4',
  '#57606a',
];

const key = (s: VersionStats): string => `${s.name} v${s.version}`;

/** Per version, per snapshot after the first: inferences a second and mean latency (ms) of that interval. */
function series(history: readonly Snapshot[]): {
  times: number[];
  rate: Map<string, (number | null)[]>;
  latency: Map<string, (number | null)[]>;
} {
  const times: number[] = [];
  const rate = new Map<string, (number | null)[]>();
  const latency = new Map<string, (number | null)[]>();
  for (let i = 1; i < history.length; i++) {
    const [a, b] = [history[i - 1]!, history[i]!];
    const before = new Map(a.stats.map(s => [key(s), s]));
    const seconds = (b.time - a.time) / 1000;
    times.push(b.time / 1000);
    for (const s of b.stats) {
      const p = before.get(key(s));
      const n = p ? s.inference_stats.success.count - p.inference_stats.success.count : 0;
      const ns = p ? s.inference_stats.success.ns - p.inference_stats.success.ns : 0;
      if (!rate.has(key(s))) {
        rate.set(key(s), Array<number | null>(times.length - 1).fill(null));
        latency.set(key(s), Array<number | null>(times.length - 1).fill(null));
      }
      rate.get(key(s))!.push(seconds > 0 ? n / seconds : null);
      latency.get(key(s))!.push(n > 0 ? ns / n / 1e6 : null);
    }
    for (const [k, v] of rate)
      if (v.length < times.length) {
        v.push(null);
        latency.get(k)!.push(null);
      }
  }
  return { times, rate, latency };
}

function Chart({
  title,
  unit,
  times,
  data,
}: {
  title: string;
  unit: string;
  times: number[];
  data: Map<string, (number | null)[]>;
}) {
  const host = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | undefined>(undefined);
  const names = [...data.keys()];
  const signature = names.join('|');
  useEffect(() => {
    const opts: uPlot.Options = {
      title,
      width: Math.min(900, (host.current?.clientWidth ?? 600) || 600),
      height: 220,
      series: [
        {},
        ...names.map((n, i) => ({
          label: n,
          stroke: COLORS[i % COLORS.length]!,
          width: 2,
          spanGaps: true,
        })),
      ],
      axes: [{}, { label: unit }],
    };
    plot.current = new uPlot(opts, [[]], host.current!);
    return () => plot.current?.destroy();
  }, [signature]);
  useEffect(() => {
    plot.current?.setData([times, ...names.map(n => data.get(n)!)] as uPlot.AlignedData);
  });
  return <div class="chart" ref={host} role="img" aria-label={`${title} chart`} />;
}

/** Only the versions that served something in the window, so the legend stays readable. */
function active(
  rate: Map<string, (number | null)[]>,
  other: Map<string, (number | null)[]>,
): [Map<string, (number | null)[]>, Map<string, (number | null)[]>] {
  const keys = [...rate].filter(([, v]) => v.some(x => x !== null && x > 0)).map(([k]) => k);
  return [new Map(keys.map(k => [k, rate.get(k)!])), new Map(keys.map(k => [k, other.get(k)!]))];
}

/** `1: 40 (80%), 4: 10 (20%)`: executions by batch size in the window. */
function distribution(batches: ModelFigures['batches']): string {
  const total = batches.reduce((n, b) => n + b.count, 0);
  return (
    batches.map(b => `${b.size}: ${b.count} (${fmt((100 * b.count) / total, 0)}%)`).join(', ') ||
    '–'
  );
}

export function MetricsPage({ history }: { history: readonly Snapshot[] }) {
  const all = series(history);
  const { times } = all;
  const [rate, latency] = active(all.rate, all.latency);
  const last = history.at(-1);
  const window = fmt(last?.live?.windowSeconds, 0);
  return (
    <section aria-labelledby="metrics-title">
      <h1 id="metrics-title">Metrics</h1>
      <p>
        Streamed once a second while this page is open; the server computes nothing for it when it
        is closed. Percentiles, batch sizes and request counts cover the last {window} s;
        percentiles are estimates from the latency histogram's buckets
        (braid_inference_request_duration_seconds), so they are only as fine as its bounds.
      </p>
      <Chart title="Inferences per second" unit="1/s" times={times} data={rate} />
      <Chart title="Mean request latency" unit="ms" times={times} data={latency} />
      <table class="model-figures">
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Requests ({window} s)</th>
            <th scope="col">p50 ms (est.)</th>
            <th scope="col">p99 ms (est.)</th>
            <th scope="col">Queue depth</th>
            <th scope="col">Batch sizes ({window} s)</th>
            <th scope="col">Mean queue ms (all)</th>
          </tr>
        </thead>
        <tbody>
          {(last?.stats ?? []).map(s => {
            const f = last?.live?.models.find(m => m.name === s.name && m.version === s.version);
            return (
              <tr data-model={s.name} data-version={s.version}>
                <th scope="row">{key(s)}</th>
                <td class="requests">{fmt(f?.requests, 0)}</td>
                <td class="p50">{fmt(f?.p50Ms, 2)}</td>
                <td class="p99">{fmt(f?.p99Ms, 2)}</td>
                <td class="pending">{fmt(f?.pending, 0)}</td>
                <td class="batches">{f ? distribution(f.batches) : '–'}</td>
                <td>{fmt(meanMs(s.inference_stats.queue), 2)}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </section>
  );
}
