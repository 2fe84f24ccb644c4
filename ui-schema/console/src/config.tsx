/**
 * A model's completed config, and two editors over the same text: a form for the common fields
 * generated from the model config's JSON Schema (ui-schema/model-config.schema.json) and the raw
 * JSON. Each edit is checked by the server with the messages a load gives, and "Load with this
 * config" loads the model with it as an override.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { getJson, postJson } from './api.js';
import { ConfigForm, ROOT } from './config-form.js';
import type { SchemaNode } from './config-form.js';
import type { Snapshot } from './api.js';
import { ControlNotice, controlRefusal } from './models.js';

/** `integer`, `array of object`, `"A" | "B"`: a field's type as a person reads it. */
function typeText(n: SchemaNode | undefined): string {
  if (!n) return 'any';
  if (n.enum) return n.enum.map(v => JSON.stringify(v)).join(' | ');
  if (n.anyOf) return n.anyOf.map(typeText).join(' or ');
  if (n.type === 'array') return `array of ${typeText(n.items)}`;
  return Array.isArray(n.type) ? n.type.join(' | ') : ((n.type as string | undefined) ?? 'object');
}

const FIELDS = Object.entries(ROOT);

/** `text` as a JSON object, or undefined when it is not one. */
function parseObject(text: string): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v)
      ? (v as Record<string, unknown>)
      : undefined;
  } catch {
    return undefined;
  }
}

type Check =
  | { state: 'checking' }
  | { state: 'valid'; warnings: string[] }
  | { state: 'invalid'; message: string };

export function ConfigPage({
  model,
  controlMode,
}: {
  model: string;
  controlMode: Snapshot['controlMode'];
}) {
  const refusal = controlRefusal(controlMode);
  const [text, setText] = useState<string | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [check, setCheck] = useState<Check | undefined>();
  const [loadMessage, setLoadMessage] = useState<{ text: string; error: boolean } | undefined>();
  const timer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  useEffect(() => {
    getJson<unknown>(`/v2/models/${encodeURIComponent(model)}/config`).then(
      c => setText(JSON.stringify(c, null, 2)),
      (e: Error) => setError(e.message),
    );
  }, [model]);
  const validate = (value: string): void => {
    setCheck({ state: 'checking' });
    clearTimeout(timer.current);
    timer.current = setTimeout(() => {
      fetch(`/console/api/config-check/${encodeURIComponent(model)}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ config: value }),
      })
        .then(async res => {
          const body = (await res.json()) as { error?: string; warnings?: string[] };
          setCheck(
            res.ok
              ? { state: 'valid', warnings: body.warnings ?? [] }
              : { state: 'invalid', message: body.error ?? `HTTP ${res.status}` },
          );
        })
        .catch((e: Error) => setCheck({ state: 'invalid', message: e.message }));
    }, 300);
  };
  const load = async (): Promise<void> => {
    setLoadMessage({ text: `Loading ${model} with this config…`, error: false });
    try {
      await postJson(`/v2/repository/models/${encodeURIComponent(model)}/load`, {
        parameters: { config: text },
      });
      setLoadMessage({ text: `${model}: loaded with this config`, error: false });
    } catch (e) {
      setLoadMessage({ text: `${model}: ${(e as Error).message}`, error: true });
    }
  };
  if (error) return <p class="message error">{error}</p>;
  if (text === undefined) return <p>Loading the config of {model}…</p>;
  const parsed = parseObject(text);
  const edit = (value: string): void => {
    setText(value);
    validate(value);
  };
  return (
    <section aria-labelledby="config-title">
      <h1 id="config-title">Config of {model}</h1>
      <p>
        The completed config (defaults filled in). Edit it and load the model with it as an
        override; the file on disk is not changed.
      </p>
      <div class="config">
        <div>
          <h2>Common fields</h2>
          {parsed ? (
            <ConfigForm config={parsed} onChange={c => edit(JSON.stringify(c, null, 2))} />
          ) : (
            <p class="message">
              The JSON does not parse as an object; fix it in the editor to use the form.
            </p>
          )}
        </div>
        <div>
          <h2>
            <label for="config-text">Config (JSON)</label>
          </h2>
          <textarea
            id="config-text"
            spellcheck={false}
            rows={24}
            value={text}
            onInput={e => edit((e.target as HTMLTextAreaElement).value)}
          />
          <p
            class={check?.state === 'invalid' ? 'message error' : 'message'}
            role="status"
            aria-live="polite"
            data-check={check?.state ?? ''}
          >
            {check === undefined
              ? 'Edit to check.'
              : check.state === 'checking'
                ? 'Checking…'
                : check.state === 'valid'
                  ? ['Valid.', ...check.warnings].join(' ')
                  : check.message}
          </p>
          {refusal && <ControlNotice text={refusal} mode={controlMode} />}
          <button
            type="button"
            disabled={
              refusal !== undefined || check?.state === 'invalid' || check?.state === 'checking'
            }
            {...(refusal ? { 'aria-describedby': 'control-mode-notice' } : {})}
            onClick={() => void load()}
          >
            Load with this config
          </button>
          <p class={loadMessage?.error ? 'message error' : 'message'} role="status">
            {loadMessage?.text ?? ''}
          </p>
        </div>
      </div>
      <details class="all-fields">
        <summary>Every field of the schema</summary>
        <dl class="fields">
          {FIELDS.map(([name, node]) => (
            <>
              <dt>{name}</dt>
              <dd>
                {typeText(node)}
                {node.description ? ` — ${node.description}` : ''}
              </dd>
            </>
          ))}
        </dl>
      </details>
    </section>
  );
}
