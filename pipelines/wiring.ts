/**
 * @module The dataflow of a pipeline: who produces and who reads each tensor, parsed guards,
 * early-return values, and the step graph (graphology) with its cycles, order and levels.
 */
import { DirectedGraph } from 'graphology';
import { hasCycle, topologicalGenerations } from 'graphology-dag';
import type { PlanGuard } from '../engine/core/plan.js';
import type { Diagnostics } from './diagnostics.js';
import { parseExpression } from './expression.js';
import { listOf } from './normalize.js';
import type { NormStep } from './normalize.js';
import type { ConstantDecl, PipelineFile } from './schema.js';

/** Where a tensor comes from: a pipeline input, or an output of a step. */
export type TensorSource =
  | { readonly kind: 'input' }
  | { readonly kind: 'step'; readonly step: number; readonly param: string };

/** The dataflow of a pipeline. Step numbers are indices into the file's `steps`. */
export interface Wiring {
  readonly sources: ReadonlyMap<string, TensorSource>;
  readonly consumers: ReadonlyMap<string, readonly number[]>;
  readonly guards: ReadonlyMap<number, PlanGuard>;
  readonly returns: ReadonlyMap<number, ReadonlyMap<string, string | ConstantDecl>>;
  /** Tensors each step waits for. */
  readonly reads: ReadonlyMap<number, readonly string[]>;
  /** Steps in execution order; undefined when the steps form a cycle. */
  readonly order?: readonly NormStep[];
  readonly levels: ReadonlyMap<number, number>;
}

/**
 * Builds the dataflow and checks it: tensors produced twice, reads of unknown tensors, guards,
 * early returns, outputs never produced, unused inputs (warnings) and cycles.
 *
 * @example
 * const wiring = wirePipeline(file, steps, diagnostics);
 */
export function wirePipeline(
  file: PipelineFile,
  steps: readonly NormStep[],
  diag: Diagnostics,
): Wiring {
  const sources = collectSources(file, steps, diag);
  const guards = new Map<number, PlanGuard>();
  const returns = new Map<number, Map<string, string | ConstantDecl>>();
  const reads = new Map<number, string[]>();
  const consumers = new Map<string, number[]>();
  for (const s of steps) {
    const r = new Set<string>();
    for (const b of s.inputs)
      if (known(sources, b.tensor, { path: b.path, step: s.name }, diag)) r.add(b.tensor);
    const guard = parseGuard(s, sources, diag);
    if (guard) {
      guards.set(s.index, guard);
      guard.tensors.forEach(t => r.add(t));
    }
    if (s.kind === 'return') {
      const values = checkReturn(file, s, sources, diag);
      returns.set(s.index, values);
      for (const v of values.values()) if (typeof v === 'string') r.add(v);
    }
    reads.set(s.index, [...r]);
    for (const t of r) consumers.set(t, [...(consumers.get(t) ?? []), s.index]);
  }
  checkOutputs(file, sources, diag);
  warnUnused(file, steps, sources, consumers, diag);
  const { order, levels } = orderSteps(steps, sources, reads, diag);
  return { sources, consumers, guards, returns, reads, ...(order ? { order } : {}), levels };
}

function collectSources(
  file: PipelineFile,
  steps: readonly NormStep[],
  diag: Diagnostics,
): Map<string, TensorSource> {
  const sources = new Map<string, TensorSource>(
    Object.keys(file.inputs).map(n => [n, { kind: 'input' }]),
  );
  for (const s of steps) {
    for (const o of s.outputs) {
      const prev = sources.get(o.tensor);
      if (prev) {
        const first =
          prev.kind === 'input'
            ? 'it is a pipeline input'
            : `output '${prev.param}' of step '${steps.find(x => x.index === prev.step)?.name}' produces it`;
        diag.error(
          { path: o.path, step: s.name, tensor: o.tensor },
          `tensor produced twice: expected one producer, but ${first} and so does output '${o.param}'`,
        );
        continue;
      }
      sources.set(o.tensor, { kind: 'step', step: s.index, param: o.param });
    }
  }
  return sources;
}

function known(
  sources: ReadonlyMap<string, TensorSource>,
  tensor: string,
  site: { path: readonly PropertyKey[]; step: string; offset?: number },
  diag: Diagnostics,
): boolean {
  if (sources.has(tensor)) return true;
  diag.error(
    { ...site, tensor },
    `unknown tensor: expected a pipeline input or a step output, found no tensor named '${tensor}'`,
  );
  return false;
}

function parseGuard(
  s: NormStep,
  sources: ReadonlyMap<string, TensorSource>,
  diag: Diagnostics,
): PlanGuard | undefined {
  const source = s.decl.when;
  if (source === undefined) return undefined;
  const path = [...s.path, 'when'];
  const parsed = parseExpression(source);
  if (!parsed.ok) {
    diag.error({ path, offset: parsed.offset, step: s.name }, `guard "${source}": ${parsed.error}`);
    return undefined;
  }
  const tensors = new Set<string>();
  for (const ref of parsed.refs)
    if (known(sources, ref.tensor, { path, step: s.name, offset: ref.offset }, diag))
      tensors.add(ref.tensor);
  return { source, expr: parsed.expr, tensors: [...tensors] };
}

function checkReturn(
  file: PipelineFile,
  s: NormStep,
  sources: ReadonlyMap<string, TensorSource>,
  diag: Diagnostics,
): Map<string, string | ConstantDecl> {
  const values = new Map<string, string | ConstantDecl>();
  const declared = s.decl.return ?? {};
  for (const [out, v] of Object.entries(declared)) {
    const path = [...s.path, 'return', out];
    if (!(out in file.outputs)) {
      diag.error(
        { path, key: true, step: s.name },
        `a return value must be a pipeline output: expected one of ${listOf(Object.keys(file.outputs))}, found '${out}'`,
      );
      continue;
    }
    if (typeof v === 'string' && !known(sources, v, { path, step: s.name }, diag)) continue;
    values.set(out, v);
  }
  const missing = Object.entries(file.outputs)
    .filter(([n, d]) => !d.optional && !(n in declared))
    .map(([n]) => n);
  if (missing.length > 0) {
    diag.error(
      { path: [...s.path, 'return'], key: true, step: s.name },
      `an early return answers every required output: expected ${listOf(missing)} too, found no value`,
    );
  }
  return values;
}

function checkOutputs(
  file: PipelineFile,
  sources: ReadonlyMap<string, TensorSource>,
  diag: Diagnostics,
): void {
  for (const [name, decl] of Object.entries(file.outputs)) {
    const tensor = decl.from ?? name;
    if (!sources.has(tensor)) {
      diag.error(
        { path: ['outputs', name], key: true, tensor },
        `output never produced: expected a step output or pipeline input named '${tensor}', found none`,
      );
    }
  }
}

function warnUnused(
  file: PipelineFile,
  steps: readonly NormStep[],
  sources: ReadonlyMap<string, TensorSource>,
  consumers: ReadonlyMap<string, readonly number[]>,
  diag: Diagnostics,
): void {
  const outputs = new Set(Object.entries(file.outputs).map(([n, d]) => d.from ?? n));
  for (const name of Object.keys(file.inputs)) {
    if (!consumers.has(name) && !outputs.has(name))
      diag.warn(
        { path: ['inputs', name], key: true, tensor: name },
        'unused input: no step and no output reads it',
      );
  }
  for (const [tensor, src] of sources) {
    if (src.kind !== 'step' || consumers.has(tensor) || outputs.has(tensor)) continue;
    const step = steps.find(s => s.index === src.step)!;
    const out = step.outputs.find(o => o.tensor === tensor)!;
    diag.warn(
      { path: out.path, step: step.name, tensor },
      `unused tensor: output '${out.param}' is computed but nothing reads it`,
    );
  }
}

function orderSteps(
  steps: readonly NormStep[],
  sources: ReadonlyMap<string, TensorSource>,
  reads: ReadonlyMap<number, readonly string[]>,
  diag: Diagnostics,
): { order?: NormStep[]; levels: Map<number, number> } {
  const graph = new DirectedGraph({ multi: false, allowSelfLoops: true });
  for (const s of steps) graph.addNode(String(s.index));
  for (const s of steps) {
    for (const t of reads.get(s.index) ?? []) {
      const src = sources.get(t);
      if (src?.kind === 'step' && graph.hasNode(String(src.step)))
        graph.mergeEdge(String(src.step), String(s.index), { tensor: t });
    }
  }
  const levels = new Map<number, number>();
  if (hasCycle(graph)) {
    reportCycle(graph, steps, diag);
    return { levels };
  }
  const byIndex = new Map(steps.map(s => [s.index, s]));
  const order: NormStep[] = [];
  topologicalGenerations(graph).forEach((gen, level) => {
    for (const node of gen.map(Number).sort((a, b) => a - b)) {
      levels.set(node, level);
      order.push(byIndex.get(node)!);
    }
  });
  return { order, levels };
}

function reportCycle(graph: DirectedGraph, steps: readonly NormStep[], diag: Diagnostics): void {
  const name = (n: string) => steps.find(s => String(s.index) === n)!;
  const cycle = findCycle(graph);
  if (!cycle) return;
  const links = cycle.map((n, i) => {
    const next = cycle[(i + 1) % cycle.length]!;
    return `'${name(n).name}' -(${String(graph.getEdgeAttribute(graph.edge(n, next), 'tensor'))})-> `;
  });
  const first = name(cycle[0]!);
  diag.error(
    { path: first.path, step: first.name },
    `steps form a cycle: expected a DAG, found ${links.join('')}'${first.name}'`,
  );
}

/** One cycle of a graph known to have one, as its nodes in order. */
function findCycle(graph: DirectedGraph): string[] | undefined {
  const state = new Map<string, 1 | 2>();
  const stack: string[] = [];
  const visit = (n: string): string[] | undefined => {
    state.set(n, 1);
    stack.push(n);
    for (const next of graph.outNeighbors(n)) {
      if (state.get(next) === 1) return stack.slice(stack.indexOf(next));
      if (!state.has(next)) {
        const c = visit(next);
        if (c) return c;
      }
    }
    stack.pop();
    state.set(n, 2);
    return undefined;
  };
  for (const n of graph.nodes()) {
    if (state.has(n)) continue;
    const c = visit(n);
    if (c) return c;
  }
  return undefined;
}
