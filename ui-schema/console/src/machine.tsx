/**
 * The state machine a pipeline's requests step through (the one `braid validate --explain
 * --format xstate` prints): a region per step with its states and transitions, each guard and
 * action spelled out, the run's endings, and the tensors' regions folded away. The JSON downloads
 * as it is, for Stately's editor or xstate's `createMachine`.
 */
import { useEffect, useState } from 'preact/hooks';
import { getJson } from './api.js';

interface Guard {
  readonly type: string;
  readonly params: Readonly<Record<string, string | readonly string[]>>;
}
interface Transition {
  readonly target: string;
  readonly guard?: Guard;
  readonly actions?: readonly { readonly type: string }[];
}
interface State {
  readonly type?: string;
  readonly description?: string;
  readonly on?: Readonly<Record<string, Transition>>;
  readonly always?: readonly Transition[];
  readonly states?: Readonly<Record<string, State>>;
}
interface Machine {
  readonly id: string;
  readonly description: string;
  readonly states: Readonly<Record<string, State>>;
}

const list = (v: string | readonly string[] | undefined): string =>
  typeof v === 'string' ? v : (v ?? []).join(', ');

/** What a named guard means, in words. */
export function guardText(g: Guard): string {
  const p = g.params;
  switch (g.type) {
    case 'inputsReady':
      return `inputs settled: ${list(p['tensors'])}`;
    case 'inputAbsent':
      return `a required input is absent: ${list(p['required'])}`;
    case 'stepIn':
      return `step ${list(p['step'])} is ${list(p['states']).replaceAll(', ', ' or ')}`;
    case 'anyStepIn':
      return `any of ${list(p['steps'])} is ${list(p['states']).replaceAll(', ', ' or ')}`;
    default:
      return g.type;
  }
}

interface Row {
  readonly from: string;
  readonly when: string;
  readonly to: string;
  readonly actions: string;
}

/** Every transition of a region, eventless ones ("always") first within each state. */
function rows(region: State): Row[] {
  const out: Row[] = [];
  for (const [from, state] of Object.entries(region.states ?? {})) {
    const actions = (t: Transition) => (t.actions ?? []).map(a => a.type).join(', ');
    for (const t of state.always ?? [])
      out.push({
        from,
        when: t.guard ? guardText(t.guard) : 'at once',
        to: t.target,
        actions: actions(t),
      });
    for (const [event, t] of Object.entries(state.on ?? {}))
      out.push({ from, when: `event ${event}`, to: t.target, actions: actions(t) });
  }
  return out;
}

function Region({ name, region }: { name: string; region: State }) {
  const states = Object.entries(region.states ?? {});
  return (
    <section class="region" aria-label={`Region ${name}`} data-region={name}>
      <h3>
        {name} {region.description && <span class="note">{region.description}</span>}
      </h3>
      <p class="states">
        {states.map(([s, st]) => (
          <span
            class={`state${Object.keys(st.on ?? {}).length + (st.always?.length ?? 0) === 0 ? ' final' : ''}`}
            title={st.description}
          >
            {s}
          </span>
        ))}
      </p>
      <table>
        <thead>
          <tr>
            <th>from</th>
            <th>when</th>
            <th>to</th>
            <th>does</th>
          </tr>
        </thead>
        <tbody>
          {rows(region).map(r => (
            <tr>
              <td>{r.from}</td>
              <td>{r.when}</td>
              <td>{r.to}</td>
              <td>{r.actions}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function MachinePage({ model }: { model: string }) {
  const [machine, setMachine] = useState<Machine | undefined>();
  const [error, setError] = useState<string | undefined>();
  const url = `/console/api/machine/${encodeURIComponent(model)}`;
  useEffect(() => {
    setMachine(undefined);
    getJson<Machine>(url).then(setMachine, (e: Error) => setError(e.message));
  }, [url]);
  if (error) return <p class="message error">{error}</p>;
  if (!machine) return <p>Loading the state machine of {model}…</p>;
  const running = machine.states['running'] ?? {};
  const regions = Object.entries(running.states ?? {});
  const steps = regions.filter(([n]) => !n.startsWith('tensor:'));
  const tensors = regions.filter(([n]) => n.startsWith('tensor:'));
  const endings = Object.entries(running.on ?? {});
  return (
    <section aria-labelledby="machine-title">
      <h1 id="machine-title">State machine of {model}</h1>
      <p>
        <a href={`#/graph/${encodeURIComponent(model)}`}>Graph of {model}</a> ·{' '}
        <a href={url} download={`${model}.machine.json`}>
          Download as xstate JSON
        </a>
      </p>
      <p class="note">
        {machine.description}. Every request runs through this machine: the regions below run in
        parallel, one per step and one per tensor; eventless transitions fire as soon as their
        condition holds. The JSON opens in Stately's editor or in xstate's createMachine.
      </p>
      <h2>How a run ends</h2>
      <ul class="endings">
        {endings.map(([event, t]) => (
          <li>
            event {event} → {t.target}
          </li>
        ))}
      </ul>
      <h2>Steps</h2>
      {steps.map(([name, region]) => (
        <Region name={name} region={region} />
      ))}
      <details>
        <summary>Tensors ({tensors.length})</summary>
        {tensors.map(([name, region]) => (
          <Region name={name} region={region} />
        ))}
      </details>
    </section>
  );
}
