/**
 * Every model and version in the repository with its state and, when not ready, the reason;
 * load, unload and reload through the repository API.
 */
import { useState } from 'preact/hooks';
import { postJson } from './api.js';
import type { IndexRow, Snapshot } from './api.js';

type Action = 'load' | 'unload' | 'reload';

/**
 * Why the repository API refuses load and unload under `mode`, with how to allow them;
 * undefined when it allows them (or the server did not say).
 */
export function controlRefusal(mode: Snapshot['controlMode']): string | undefined {
  if (mode === 'none')
    return 'Load, unload and reload are off: this server loaded every model at start and keeps them (model control mode none, the default). To use them, start it with `braid serve --model-control-mode explicit` (add `--load-model "*"` to load every model at start as now).';
  if (mode === 'poll')
    return 'Load, unload and reload are off: this server follows the model repository on disk (model control mode poll); edit the repository instead, or start it with `--model-control-mode explicit`.';
  return undefined;
}

/** Rows grouped by model name, in index order. */
function byModel(index: readonly IndexRow[]): Map<string, IndexRow[]> {
  const out = new Map<string, IndexRow[]>();
  for (const row of index) out.set(row.name, [...(out.get(row.name) ?? []), row]);
  return out;
}

/** The refusal as a notice, its `quoted` parts as code; `id` is what the buttons point at. */
export function ControlNotice({ text, mode }: { text: string; mode: Snapshot['controlMode'] }) {
  return (
    <p class="notice" id="control-mode-notice" data-control-mode={mode}>
      {text.split('`').map((part, i) => (i % 2 === 1 ? <code>{part}</code> : part))}
    </p>
  );
}

export function ModelsPage({ snapshot }: { snapshot: Snapshot | undefined }) {
  const [busy, setBusy] = useState<string | undefined>();
  const [message, setMessage] = useState<{ text: string; error: boolean } | undefined>();
  if (!snapshot) return <p>Waiting for the server…</p>;
  const pipelines = new Set(snapshot.stats.filter(s => s.braid_steps).map(s => s.name));
  const refusal = controlRefusal(snapshot.controlMode);
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
      {refusal && <ControlNotice text={refusal} mode={snapshot.controlMode} />}
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
                      locked={refusal !== undefined}
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
  /** The control mode refuses load and unload: the buttons are off, pointing at the notice. */
  locked: boolean;
  act: (n: string, a: Action) => Promise<void>;
}) {
  const { name, rows, pipeline, busy, locked, act } = props;
  const ready = rows.some(r => r.state === 'READY');
  const control = {
    disabled: busy || locked,
    ...(locked ? { 'aria-describedby': 'control-mode-notice' } : {}),
  };
  return (
    <>
      {!ready && (
        <button
          type="button"
          {...control}
          aria-label={`Load ${name}`}
          onClick={() => void act(name, 'load')}
        >
          Load
        </button>
      )}
      {ready && (
        <button
          type="button"
          {...control}
          aria-label={`Reload ${name}`}
          onClick={() => void act(name, 'reload')}
        >
          Reload
        </button>
      )}
      {ready && (
        <button
          type="button"
          {...control}
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
