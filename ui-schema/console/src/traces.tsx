/**
 * The last sampled traces kept by the server, and one as a waterfall (each span a bar on the
 * trace's time axis, indented under its parent, batch links listed), downloadable as OTLP JSON.
 */
import { useEffect, useState } from 'preact/hooks';
import { fmt, getJson } from './api.js';
import { Bar } from './timings.js';

interface Summary {
  readonly traceId: string;
  readonly name: string;
  readonly model?: string;
  readonly startMs: number;
  readonly durationMs: number;
  readonly spanCount: number;
}
interface Span {
  readonly spanId: string;
  readonly parentSpanId?: string;
  readonly name: string;
  readonly startMs: number;
  readonly durationMs: number;
  readonly links: readonly string[];
  readonly error?: string;
}

/** Polls `load` every 2 s while mounted. */
function usePoll<T>(load: () => Promise<T>, deps: unknown[]): { value?: T; error?: string } {
  const [state, setState] = useState<{ value?: T; error?: string }>({});
  useEffect(() => {
    let stopped = false;
    const tick = (): void => {
      load().then(
        value => !stopped && setState({ value }),
        (e: Error) => !stopped && setState({ error: e.message }),
      );
    };
    tick();
    const timer = setInterval(tick, 2000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, deps);
  return state;
}

export function TracesPage({ selected }: { selected: string | undefined }) {
  const list = usePoll(() => getJson<{ traces: Summary[] }>('/console/api/traces'), []);
  return (
    <section aria-labelledby="traces-title">
      <h1 id="traces-title">Traces</h1>
      <p>
        The last sampled requests, kept in memory (turn sampling on with --trace-config rate=1 or
        POST /v2/trace/setting).
      </p>
      {list.error && <p class="message error">{list.error}</p>}
      {list.value && list.value.traces.length === 0 && <p>No trace kept yet.</p>}
      <ul class="trace-list">
        {list.value?.traces.map(t => (
          <li>
            <a
              href={`#/traces/${t.traceId}`}
              aria-current={t.traceId === selected ? 'true' : undefined}
            >
              {t.name} {t.model ?? ''} · {fmt(t.durationMs, 2)} ms · {t.spanCount} spans ·{' '}
              {new Date(t.startMs).toLocaleTimeString()}
            </a>
          </li>
        ))}
      </ul>
      {selected && <Waterfall traceId={selected} />}
    </section>
  );
}

function depthOf(spans: readonly Span[]): Map<string, number> {
  const parent = new Map(spans.map(s => [s.spanId, s.parentSpanId]));
  const depth = new Map<string, number>();
  for (const s of spans) {
    let d = 0;
    for (let p = s.parentSpanId; p && parent.has(p) && d < 50; p = parent.get(p)) d++;
    depth.set(s.spanId, d);
  }
  return depth;
}

function Waterfall({ traceId }: { traceId: string }) {
  const [spans, setSpans] = useState<Span[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    getJson<{ spans: Span[] }>(`/console/api/traces/${traceId}`).then(
      r => setSpans(r.spans),
      (e: Error) => setError(e.message),
    );
  }, [traceId]);
  if (error) return <p class="message error">{error}</p>;
  if (!spans) return <p>Loading trace…</p>;
  const start = Math.min(...spans.map(s => s.startMs));
  const total = Math.max(1e-3, ...spans.map(s => s.startMs + s.durationMs - start));
  const depth = depthOf(spans);
  const names = new Map(spans.map(s => [s.spanId, s.name]));
  return (
    <section class="waterfall" aria-labelledby="waterfall-title">
      <h2 id="waterfall-title">Trace {traceId}</h2>
      <p>
        <a href={`/console/api/traces/${traceId}?format=otlp`} download={`trace-${traceId}.json`}>
          Download as OTLP JSON
        </a>
      </p>
      <table>
        <thead>
          <tr>
            <th scope="col">Span</th>
            <th scope="col">ms</th>
            <th scope="col">Timeline</th>
          </tr>
        </thead>
        <tbody>
          {spans.map(s => (
            <tr data-span={s.name}>
              <th scope="row" class={`depth-${Math.min(depth.get(s.spanId) ?? 0, 8)}`}>
                {s.name}
                {s.links.length > 0 && (
                  <span class="links"> ↔ {s.links.map(l => names.get(l) ?? l).join(', ')}</span>
                )}
                {s.error && <span class="error-text"> ({s.error})</span>}
              </th>
              <td>{fmt(s.durationMs, 3)}</td>
              <td class="bar-cell">
                <Bar
                  left={((s.startMs - start) / total) * 100}
                  width={Math.max(0.3, (s.durationMs / total) * 100)}
                  error={!!s.error}
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}
