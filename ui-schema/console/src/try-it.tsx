/**
 * Try a model: a form generated from its metadata (typed inputs; a file picker for BYTES inputs
 * such as images), the response, and for pipelines the per-step timings of `braid_debug`, with
 * boxes-shaped outputs drawn over the uploaded image.
 */
import { useEffect, useState } from 'preact/hooks';
import { getJson, infer } from './api.js';
import type { InferResult, InputValue, ModelMeta, TensorMeta } from './api.js';
import { DebugChoices, planTensors } from './debug-choices.js';
import { Result } from './try-result.js';

interface Field {
  shape: string;
  text: string;
  file?: { bytes: Uint8Array; url: string; name: string };
}

const product = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

function initialField(t: TensorMeta): Field {
  const shape = t.shape.map(d => (d < 0 ? 1 : d));
  const n = product(shape);
  const text =
    t.datatype === 'BYTES'
      ? ''
      : n <= 64
        ? Array.from({ length: n }, () => (t.datatype === 'BOOL' ? 'false' : '0')).join(', ')
        : '';
  return { shape: shape.join(', '), text };
}

function parseValues(t: TensorMeta, f: Field): InputValue {
  const shape = f.shape
    .split(/[\s,]+/)
    .filter(Boolean)
    .map(Number);
  if (shape.some(d => !Number.isInteger(d) || d < 0))
    throw new Error(`input ${t.name}: shape must be non-negative integers, got '${f.shape}'`);
  if (t.datatype === 'BYTES' && f.file)
    return { name: t.name, datatype: 'BYTES', shape, file: f.file.bytes };
  if (t.datatype === 'BYTES') return { name: t.name, datatype: t.datatype, shape, data: [f.text] };
  const trimmed = f.text.trim();
  const raw: unknown = trimmed.startsWith('[')
    ? JSON.parse(trimmed)
    : trimmed.split(/[\s,]+/).filter(Boolean);
  const flat = ([raw] as unknown[]).flat(Infinity as 1);
  const data = flat.map(v =>
    t.datatype === 'BOOL' ? v === true || v === 'true' || v === '1' : Number(v),
  );
  if (data.length !== product(shape))
    throw new Error(
      `input ${t.name}: shape [${shape.join(', ')}] needs ${product(shape)} values, got ${data.length}`,
    );
  return { name: t.name, datatype: t.datatype, shape, data };
}

export function TryPage({ model }: { model: string }) {
  const [meta, setMeta] = useState<ModelMeta | undefined>();
  const [fields, setFields] = useState<Record<string, Field>>({});
  const [debug, setDebug] = useState(true);
  const [result, setResult] = useState<InferResult | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [running, setRunning] = useState(false);
  const [intermediates, setIntermediates] = useState<string[]>([]);
  const [capture, setCapture] = useState<ReadonlySet<string>>(new Set());
  useEffect(() => {
    setMeta(undefined);
    setResult(undefined);
    setIntermediates([]);
    setCapture(new Set());
    getJson<ModelMeta>(`/v2/models/${encodeURIComponent(model)}`).then(
      m => {
        setMeta(m);
        setFields(Object.fromEntries(m.inputs.map(t => [t.name, initialField(t)])));
        if (m.platform === 'ensemble')
          void planTensors(model).then(setIntermediates, () => setIntermediates([]));
      },
      (e: Error) => setError(e.message),
    );
  }, [model]);
  if (!meta) return error ? <p class="message error">{error}</p> : <p>Loading {model}…</p>;
  const pipeline = meta.platform === 'ensemble';
  const update = (name: string, change: Partial<Field>): void =>
    setFields(f => ({ ...f, [name]: { ...f[name]!, ...change } }));
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setRunning(true);
    setError(undefined);
    setResult(undefined);
    try {
      const inputs = meta.inputs.map(t => parseValues(t, fields[t.name]!));
      const wanted = capture.size > 0 ? [...capture].join(',') : true;
      setResult(await infer(model, inputs, pipeline && debug ? { braid_debug: wanted } : {}));
    } catch (err) {
      setError((err as Error).message);
    } finally {
      setRunning(false);
    }
  };
  const image = Object.values(fields).find(f => f.file)?.file;
  return (
    <section aria-labelledby="try-title">
      <h1 id="try-title">Try {meta.name}</h1>
      <p>
        Platform {meta.platform}, versions {meta.versions.join(', ')}
        {pipeline && (
          <>
            {' · '}
            <a href={`#/graph/${encodeURIComponent(model)}`}>graph</a>
          </>
        )}
      </p>
      <form class="try" onSubmit={e => void submit(e)}>
        {meta.inputs.map(t => (
          <InputField t={t} field={fields[t.name]!} update={c => update(t.name, c)} />
        ))}
        {pipeline && (
          <DebugChoices
            debug={debug}
            setDebug={setDebug}
            tensors={intermediates}
            capture={capture}
            setCapture={setCapture}
          />
        )}
        <button type="submit" disabled={running}>
          {running ? 'Running…' : 'Run'}
        </button>
      </form>
      {error && (
        <p class="message error" role="alert">
          {error}
        </p>
      )}
      {result && <Result result={result} image={image?.url} />}
    </section>
  );
}

function InputField({
  t,
  field,
  update,
}: {
  t: TensorMeta;
  field: Field;
  update: (c: Partial<Field>) => void;
}) {
  const id = `input-${t.name}`;
  const onFile = async (e: Event): Promise<void> => {
    const file = (e.target as HTMLInputElement).files?.[0];
    if (!file) return update({ file: undefined });
    const bytes = new Uint8Array(await file.arrayBuffer());
    update({ file: { bytes, url: URL.createObjectURL(file), name: file.name } });
  };
  return (
    <fieldset>
      <legend>
        {t.name} <span class="type">{`${t.datatype} [${t.shape.join(', ')}]`}</span>
      </legend>
      <label for={`${id}-shape`}>shape</label>
      <input
        id={`${id}-shape`}
        value={field.shape}
        onInput={e => update({ shape: (e.target as HTMLInputElement).value })}
      />
      {t.datatype === 'BYTES' ? (
        <>
          <label for={`${id}-file`}>file (e.g. an image)</label>
          <input id={`${id}-file`} type="file" onChange={e => void onFile(e)} />
          <label for={`${id}-text`}>or text</label>
          <input
            id={`${id}-text`}
            value={field.text}
            disabled={!!field.file}
            onInput={e => update({ text: (e.target as HTMLInputElement).value })}
          />
          {field.file && (
            <img class="preview" src={field.file.url} alt={`Selected file ${field.file.name}`} />
          )}
        </>
      ) : (
        <>
          <label for={`${id}-data`}>values (comma separated or JSON)</label>
          <textarea
            id={`${id}-data`}
            rows={2}
            value={field.text}
            onInput={e => update({ text: (e.target as HTMLTextAreaElement).value })}
          />
        </>
      )}
    </fieldset>
  );
}
