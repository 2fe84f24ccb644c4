/**
 * The Braid console: one page with a tab per view, fed by the server's live event stream
 * (about one snapshot a second while the page is open).
 */
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import type { Snapshot } from './api.js';
import { ConfigPage } from './config.js';
import { GraphPage } from './graph.js';
import { LogsPage } from './logs.js';
import { MachinePage } from './machine.js';
import { MetricsPage } from './metrics.js';
import { ModelsPage } from './models.js';
import { TracesPage } from './traces.js';
import { TryPage } from './try-it.js';

/** Snapshots kept for the charts: two minutes at one a second. */
const HISTORY = 120;

function useRoute(): string[] {
  const read = (): string[] =>
    location.hash.replace(/^#\/?/, '').split('/').map(decodeURIComponent).filter(Boolean);
  const [route, setRoute] = useState(read);
  useEffect(() => {
    const onHash = (): void => setRoute(read());
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  return route;
}

function useLiveFeed(): { history: Snapshot[]; connected: boolean } {
  const [history, setHistory] = useState<Snapshot[]>([]);
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    const source = new EventSource('/console/api/events');
    source.addEventListener('open', () => setConnected(true));
    source.addEventListener('error', () => setConnected(false));
    source.addEventListener('snapshot', e => {
      const snap = JSON.parse((e as MessageEvent<string>).data) as Snapshot;
      setHistory(h => [...h.slice(-(HISTORY - 1)), snap]);
    });
    return () => source.close();
  }, []);
  return { history, connected };
}

const TABS: readonly [string, string][] = [
  ['models', 'Models'],
  ['metrics', 'Metrics'],
  ['traces', 'Traces'],
  ['logs', 'Logs'],
];

function App() {
  const route = useRoute();
  const { history, connected } = useLiveFeed();
  const [page = 'models', arg] = route;
  const latest = history.at(-1);
  return (
    <>
      <header class="top">
        <a class="brand" href="#/models">
          Braid console
        </a>
        <nav aria-label="Console sections">
          {TABS.map(([id, label]) => (
            <a href={`#/${id}`} aria-current={page === id ? 'page' : undefined}>
              {label}
            </a>
          ))}
        </nav>
        <span class={connected ? 'live on' : 'live'} role="status">
          {connected ? 'live' : 'connecting…'}
        </span>
      </header>
      <main>
        {page === 'models' && <ModelsPage snapshot={latest} />}
        {page === 'graph' && arg && <GraphPage model={arg} history={history} />}
        {page === 'machine' && arg && <MachinePage model={arg} />}
        {page === 'try' && arg && <TryPage model={arg} />}
        {page === 'config' && arg && <ConfigPage model={arg} controlMode={latest?.controlMode} />}
        {page === 'metrics' && <MetricsPage history={history} />}
        {page === 'traces' && <TracesPage selected={arg} />}
        {page === 'logs' && <LogsPage />}
      </main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
