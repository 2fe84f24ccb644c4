/**
 * A pipeline drawn from its compiled plan: inputs, steps and outputs laid out as a DAG by dagre,
 * each edge labelled with the tensor it carries (datatype and inferred dims, symbols kept),
 * `when:` guards and `map:` fan-outs marked, and live per-step figures from the statistics.
 */
import { Graph, layout } from '@dagrejs/dagre';
import { useEffect, useState } from 'preact/hooks';
import { fmt, getJson, meanMs } from './api.js';
import type { Snapshot, StepFigures as StepLive, StepStats } from './api.js';

interface PlanTensor {
  readonly name: string;
  readonly datatype: string;
  readonly dims: readonly (number | string)[];
  readonly producer?: number;
}
interface PlanStep {
  readonly index: number;
  readonly name: string;
  readonly kind: string;
  readonly target?: string;
  readonly reads: readonly string[];
  readonly writes: readonly string[];
  readonly when?: string;
  readonly map?: { readonly over: string; readonly mode: string };
  readonly onError: string;
}
interface Plan {
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: readonly { readonly name: string; readonly tensor: string }[];
  readonly tensors: readonly PlanTensor[];
  readonly steps: readonly PlanStep[];
  readonly warnings: readonly string[];
}

interface NodeBox {
  readonly id: string;
  readonly kind: 'input' | 'step' | 'output';
  readonly label: string;
  readonly step?: PlanStep;
  x: number;
  y: number;
  width: number;
  height: number;
}
interface EdgeLine {
  readonly label: string;
  readonly points: { x: number; y: number }[];
  readonly x: number;
  readonly y: number;
}

/** `FP32 [N, 4, 2]`, with `?` for unknown dims. */
function typeOf(t: PlanTensor | undefined): string {
  return t ? `${t.datatype} [${t.dims.join(', ')}]` : '';
}

function layoutPlan(plan: Plan): {
  nodes: NodeBox[];
  edges: EdgeLine[];
  width: number;
  height: number;
} {
  const g = new Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 30, ranksep: 50, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  const tensors = new Map(plan.tensors.map(t => [t.name, t]));
  const source = (tensor: string): string => {
    const p = tensors.get(tensor)?.producer;
    return p === undefined ? `in:${tensor}` : `step:${p}`;
  };
  for (const name of plan.inputs)
    g.setNode(`in:${name}`, { kind: 'input', label: name, width: 150, height: 40 });
  for (const s of plan.steps) {
    const extra = (s.when ? 18 : 0) + (s.map ? 18 : 0);
    g.setNode(`step:${s.index}`, {
      kind: 'step',
      label: s.name,
      step: s,
      width: 290,
      height: 96 + extra,
    });
  }
  for (const o of plan.outputs)
    g.setNode(`out:${o.name}`, { kind: 'output', label: o.name, width: 150, height: 40 });
  const edge = (from: string, to: string, tensor: string): void => {
    const label = `${tensor}: ${typeOf(tensors.get(tensor))}`;
    g.setEdge(
      from,
      to,
      { label, width: label.length * 6.5, height: 14, labelpos: 'c' },
      `${from}>${to}>${tensor}`,
    );
  };
  for (const s of plan.steps)
    for (const t of new Set(s.reads)) edge(source(t), `step:${s.index}`, t);
  for (const o of plan.outputs) edge(source(o.tensor), `out:${o.name}`, o.tensor);
  layout(g);
  const nodes = g.nodes().map(id => ({ id, ...(g.node(id) as unknown as Omit<NodeBox, 'id'>) }));
  const edges = g.edges().map(e => g.edge(e) as unknown as EdgeLine);
  const { width = 0, height = 0 } = g.graph();
  return { nodes, edges, width, height };
}

interface Figures {
  stats: StepStats;
  callsPerSec?: number;
  live?: StepLive;
}

/**
 * Per-step figures: totals from the newest snapshot, calls a second from the last two, and the
 * server's p50/p99 over its window.
 */
function stepFigures(model: string, history: readonly Snapshot[]): Map<string, Figures> {
  const steps = (snap: Snapshot | undefined) =>
    snap?.stats.find(s => s.name === model && s.braid_steps)?.braid_steps ?? [];
  const [prev, last] = [history.at(-2), history.at(-1)];
  const before = new Map(steps(prev).map(s => [s.step, s]));
  const seconds = prev && last ? (last.time - prev.time) / 1000 : 0;
  const live = new Map(
    (last?.live?.steps ?? []).filter(s => s.pipeline === model).map(s => [s.step, s]),
  );
  return new Map(
    steps(last).map(s => {
      const b = before.get(s.step);
      // A step never timed since the start has no series yet: with metrics on, that is no run.
      const l =
        live.get(s.step) ?? (last?.live ? { pipeline: model, step: s.step, count: 0 } : undefined);
      return [
        s.step,
        {
          stats: s,
          ...(b && seconds > 0 ? { callsPerSec: (s.calls - b.calls) / seconds } : {}),
          ...(l ? { live: l } : {}),
        },
      ];
    }),
  );
}

/** `p50 ≈ 3.1 ms · p99 ≈ 9.8 ms`, or why there is none. */
function quantiles(live: StepLive | undefined): string {
  if (!live) return 'p50/p99: no metrics';
  if (live.count === 0) return 'p50/p99: no run in the window';
  return `p50 ≈ ${fmt(live.p50Ms, 2)} ms · p99 ≈ ${fmt(live.p99Ms, 2)} ms`;
}

function StepNode({ n, figures }: { n: NodeBox; figures: Figures | undefined }) {
  const s = n.step!;
  const left = n.x - n.width / 2;
  let y = n.y - n.height / 2 + 18;
  const line = (text: string, cls = ''): preact.JSX.Element => {
    const el = (
      <text x={left + 10} y={y} class={cls}>
        {text}
      </text>
    );
    y += 18;
    return el;
  };
  const f = figures?.stats;
  return (
    <g class={`node step ${s.kind}`} data-step={s.name}>
      <rect x={left} y={n.y - n.height / 2} width={n.width} height={n.height} rx="6" />
      {line(s.name, 'title')}
      {line(s.kind === 'return' ? 'early return' : `${s.kind} ${s.target ?? ''}`, 'target')}
      {s.when && line(`when: ${s.when}`, 'when')}
      {s.map && line(`map: over ${s.map.over} (${s.map.mode})`, 'map')}
      {line(
        f
          ? `ran ${f.ran.count} · ${fmt(meanMs(f.ran))} ms · ${fmt(figures?.callsPerSec)} calls/s · skip ${f.skipped} · fail ${f.failed} · retry ${f.retries}`
          : 'no statistics yet',
        'figures',
      )}
      {line(quantiles(figures?.live), 'quantiles')}
    </g>
  );
}

export function GraphPage({ model, history }: { model: string; history: readonly Snapshot[] }) {
  const [plan, setPlan] = useState<Plan | undefined>();
  const [error, setError] = useState<string | undefined>();
  useEffect(() => {
    setPlan(undefined);
    getJson<Plan>(`/console/api/plan/${encodeURIComponent(model)}`).then(setPlan, (e: Error) =>
      setError(e.message),
    );
  }, [model]);
  if (error) return <p class="message error">{error}</p>;
  if (!plan) return <p>Loading the plan of {model}…</p>;
  const { nodes, edges, width, height } = layoutPlan(plan);
  const figures = stepFigures(model, history);
  return (
    <section aria-labelledby="graph-title">
      <h1 id="graph-title">Pipeline {plan.name}</h1>
      <p>
        <a href={`#/try/${encodeURIComponent(model)}`}>Try {plan.name}</a> ·{' '}
        <a href={`#/machine/${encodeURIComponent(model)}`}>State machine of {plan.name}</a>
      </p>
      <p class="note">
        Per step: runs, mean time, calls a second, skips, failures and retries since the load;
        p50/p99 over the last {fmt(history.at(-1)?.live?.windowSeconds, 0)} s are estimates from the
        buckets of braid_pipeline_step_duration_seconds, so only as fine as its bounds.
      </p>
      <div class="graph">
        <svg
          role="img"
          aria-label={`Graph of pipeline ${plan.name}: ${plan.steps.length} steps`}
          viewBox={`0 0 ${width} ${height}`}
          width={width}
          height={height}
        >
          <defs>
            <marker
              id="arrow"
              viewBox="0 0 10 10"
              refX="10"
              refY="5"
              markerWidth="8"
              markerHeight="8"
              orient="auto-start-reverse"
            >
              <path d="M 0 0 L 10 5 L 0 10 z" />
            </marker>
          </defs>
          {edges.map(e => (
            <g class="edge">
              <path
                d={`M ${e.points.map(p => `${p.x} ${p.y}`).join(' L ')}`}
                marker-end="url(#arrow)"
              />
              <text x={e.x} y={e.y + 4} text-anchor="middle">
                {e.label}
              </text>
            </g>
          ))}
          {nodes.map(n =>
            n.kind === 'step' ? (
              <StepNode n={n} figures={figures.get(n.label)} />
            ) : (
              <g class={`node ${n.kind}`}>
                <rect
                  x={n.x - n.width / 2}
                  y={n.y - n.height / 2}
                  width={n.width}
                  height={n.height}
                  rx="20"
                />
                <text x={n.x} y={n.y + 5} text-anchor="middle">
                  {n.label}
                </text>
              </g>
            ),
          )}
        </svg>
      </div>
      {plan.warnings.length > 0 && (
        <ul class="warnings">
          {plan.warnings.map(w => (
            <li>{w}</li>
          ))}
        </ul>
      )}
    </section>
  );
}
