/** Try-it's debug options for pipelines: per-step timings, and which intermediate tensors to return. */
import { getJson } from './api.js';

/** Tensors of a pipeline's plan that are neither its inputs nor its outputs. */
export async function planTensors(model: string): Promise<string[]> {
  const plan = await getJson<{
    inputs: string[];
    outputs: { tensor: string }[];
    tensors: { name: string }[];
  }>(`/console/api/plan/${encodeURIComponent(model)}`);
  const ends = new Set([...plan.inputs, ...plan.outputs.map(o => o.tensor)]);
  return plan.tensors.map(t => t.name).filter(t => !ends.has(t));
}

interface DebugChoicesProps {
  readonly debug: boolean;
  readonly setDebug: (on: boolean) => void;
  readonly tensors: readonly string[];
  readonly capture: ReadonlySet<string>;
  readonly setCapture: (next: ReadonlySet<string>) => void;
}

export function DebugChoices({ debug, setDebug, tensors, capture, setCapture }: DebugChoicesProps) {
  const toggle = (t: string, on: boolean): void => {
    const next = new Set(capture);
    if (on) next.add(t);
    else next.delete(t);
    setCapture(next);
  };
  return (
    <>
      <label class="check">
        <input
          type="checkbox"
          checked={debug}
          onChange={e => setDebug((e.target as HTMLInputElement).checked)}
        />{' '}
        per-step timings (braid_debug)
      </label>
      {debug && tensors.length > 0 && (
        <fieldset class="capture">
          <legend>Also return these intermediate tensors</legend>
          {tensors.map(t => (
            <label class="check">
              <input
                type="checkbox"
                name="capture"
                value={t}
                checked={capture.has(t)}
                onChange={e => toggle(t, (e.target as HTMLInputElement).checked)}
              />{' '}
              {t}
            </label>
          ))}
        </fieldset>
      )}
    </>
  );
}
