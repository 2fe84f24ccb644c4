/** The tail of the server log, with a level and text filter; new lines are fetched every 2 s while open. */
import { useEffect, useState } from 'preact/hooks';
import { getJson } from './api.js';

interface Entry {
  readonly seq: number;
  readonly time: string;
  readonly level: string;
  readonly msg: string;
  readonly fields: Readonly<Record<string, unknown>>;
}

const RANK: Record<string, number> = { debug: 0, info: 1, warn: 2, error: 3 };
const KEEP = 1000;

export function LogsPage() {
  const [entries, setEntries] = useState<Entry[]>([]);
  const [error, setError] = useState<string | undefined>();
  const [level, setLevel] = useState('debug');
  const [text, setText] = useState('');
  useEffect(() => {
    let after = 0;
    let stopped = false;
    const tick = (): void => {
      getJson<{ entries: Entry[] }>(`/console/api/logs?after=${after}`).then(
        r => {
          if (stopped || r.entries.length === 0) return;
          after = r.entries.at(-1)!.seq;
          setEntries(e => [...e, ...r.entries].slice(-KEEP));
        },
        (e: Error) => !stopped && setError(e.message),
      );
    };
    tick();
    const timer = setInterval(tick, 2000);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, []);
  const needle = text.toLowerCase();
  const shown = entries.filter(
    e =>
      (RANK[e.level] ?? 0) >= (RANK[level] ?? 0) &&
      (!needle || `${e.msg} ${JSON.stringify(e.fields)}`.toLowerCase().includes(needle)),
  );
  return (
    <section aria-labelledby="logs-title">
      <h1 id="logs-title">Logs</h1>
      <div class="filters">
        <label for="log-level">lowest level</label>
        <select
          id="log-level"
          value={level}
          onChange={e => setLevel((e.target as HTMLSelectElement).value)}
        >
          {Object.keys(RANK).map(l => (
            <option value={l}>{l}</option>
          ))}
        </select>
        <label for="log-text">contains</label>
        <input
          id="log-text"
          value={text}
          onInput={e => setText((e.target as HTMLInputElement).value)}
        />
      </div>
      {error && <p class="message error">{error}</p>}
      <ol class="log">
        {shown.map(e => (
          <li class={`level-${e.level}`}>
            <time>{e.time}</time> <strong>{e.level}</strong> {e.msg}{' '}
            <code>{Object.keys(e.fields).length ? JSON.stringify(e.fields) : ''}</code>
          </li>
        ))}
      </ol>
    </section>
  );
}
