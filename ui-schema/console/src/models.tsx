/**
 * Every model and version in the repository with its state and, when not ready, the reason;
 * load, unload and reload through the repository API.
 */
import { useState } from 'preact/hooks';
import { postJson } from './api.js';
import type { IndexRow, Snapshot } from './api.js';

type Action = 'load' | 'unload' | 'reload';

/** Rows grouped by model name, in index order. */
function byModel(index: readonly IndexRow[]): Map<string, IndexRow[]> {
  const out = new Map<string, IndexRow[]>();
  for (const row of index) out.set(row.name, [...(out.get(row.name) ?? []), row]);
  return out;
}

export function ModelsPage({ snapshot }: { snapshot: Snapshot | undefined }) {
  const [busy, setBusy] = useState<string | undefined>();
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>();
  if (!snapshot) return <p>Waiting for the server…</p>;
  const pipelines = new Set(snapshot.stats.filter(s => s.braid_steps).map(s => s.name));
  const act = async (name: string, action: Action): Promise<void> => {
    setBusy(name);
    setMessage({ text: `${action === 'unload' ? 'Unloading' : 'Loading'} ${name}…`, error: false });
    try {
      await postJson(
        `/v2/repository/models/${encodeURIComponent(name)}/${action === 'unload' ? 'unload' : 'load'}`,
      );
      setMessage({
        text: `${name}: ${action === 'unload' ? 'unloaded' : action === 'reload' ? 'reloaded' : 'loaded'}`,
        error: false,
      });
    } catch (e) {
      setMessage({ text: `${name}: ${(e as Error).message}`, error: true });
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <section aria-labelledby="models-title">
      <h1 id="models-title">Models</h1>
      <p class={message?.error ? 'message error' : 'message'} role="status" aria-live="polite">
        {message?.text ?? ''}
      </p>
      <table class="models">
        <thead>
          <tr>
            <th scope="col">Model</th>
            <th scope="col">Version</th>
            <th scope="col">State</th>
            <th scope="col">Reason</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {[...byModel(snapshot.index)].map(([name, rows]) =>
            rows.map((row, i) => (
              <tr data-model={name} data-version={row.version ?? ''}>
                <th scope="row">{i === 0 ? name : ''}</th>
                <td>{row.version ?? '–'}</td>
                <td>
                  <span
                    class={`state ${(row.state ?? 'unknown').toLowerCase()}`}
                    data-state={row.state ?? 'UNKNOWN'}
                  >
                    {row.state ?? 'UNKNOWN'}
                  </span>
                </td>
                <td class="reason">{row.reason ?? ''}</td>
                <td class="actions">
                  {i === 0 && (
                    <Actions
                      name={name}
                      rows={rows}
                      pipeline={pipelines.has(name)}
                      busy={busy === name}
                      act={act}
                    />
                  )}
                </td>
              </tr>
            )),
          )}
        </tbody>
      </table>
    </section>
  );
}

function Actions(props: {
  name: string;
  rows: IndexRow[];
  pipeline: boolean;
  busy: boolean;
  act: (n: string, a: Action) => Promise<void>;
}) {
  const { name, rows, pipeline, busy, act } = props;
  const ready = rows.some(r => r.state === 'READY');
  return (
    <>
      {!ready && (
        <button
          type="button"
          disabled={busy}
          aria-label={`Load ${name}`}
          onClick={() => void act(name, 'load')}
        >
          Load
        </button>
      )}
      {ready && (
        <button
          type="button"
          disabled={busy}
          aria-label={`Reload ${name}`}
          onClick={() => void act(name, 'reload')}
        >
          Reload
        </button>
      )}
      {ready && (
        <button
          type="button"
          disabled={busy}
          aria-label={`Unload ${name}`}
          onClick={() => void act(name, 'unload')}
        >
          Unload
        </button>
      )}
      {ready && (
        <a class="button" href={`#/try/${encodeURIComponent(name)}`} aria-label={`Try ${name}`}>
          Try
        </a>
      )}
      {ready && (
        <a
          class="button"
          href={`#/config/${encodeURIComponent(name)}`}
          aria-label={`Config of ${name}`}
        >
          Config
        </a>
      )}
      {ready && pipeline && (
        <a
          class="button"
          href={`#/graph/${encodeURIComponent(name)}`}
          aria-label={`Graph of ${name}`}
        >
          Graph
        </a>
      )}
    </>
  );
}
