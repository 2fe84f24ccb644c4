/**
 * @module Pipelines that stream: a pipeline whose last step calls a decoupled model sends each
 * response of that step as one response of its own, then the final flag. The steps before it run
 * once, as in any pipeline. What cannot stream with clear semantics is refused at load, naming
 * the step: a second decoupled step, a decoupled step whose outputs feed another step (it would
 * run once per response) or that is mapped, retried or has an on_error policy (responses already
 * sent cannot be taken back), and pipeline outputs that come from elsewhere.
 */
import type { ExecutionPlan, PlanStep } from '../engine/core/plan.js';
import type { Diagnostics } from './diagnostics.js';
import type { StepSignature } from './resolve.js';
import type { YamlPath } from './source.js';

/** Where the streaming check reports a step's problem. */
export interface StreamingSites {
  /** The YAML path of each plan step, by plan index. */
  readonly paths: readonly YamlPath[];
}

/**
 * The index of the step whose responses are the pipeline's, or undefined when no step calls a
 * decoupled model. Reports into `diag` every reason the pipeline cannot stream.
 *
 * @example
 * const streams = streamingStep(plan, signatures, { paths }, diagnostics); // 8 for ocr_stream
 */
export function streamingStep(
  plan: ExecutionPlan,
  sigs: ReadonlyMap<number, StepSignature>,
  sites: StreamingSites,
  diag: Diagnostics,
): number | undefined {
  const decoupled = plan.steps.filter(s => sigs.get(s.index)?.decoupled === true);
  if (decoupled.length === 0) return undefined;
  const [first, ...others] = decoupled;
  const at = (s: PlanStep, field?: string) => ({
    path: field === undefined ? sites.paths[s.index]! : [...sites.paths[s.index]!, field],
    key: field !== undefined,
    step: s.name,
  });
  for (const s of others)
    diag.error(
      at(s, 'model'),
      `${sigs.get(s.index)!.label} is decoupled, and so is step '${first!.name}': a pipeline streams the responses of one decoupled step, its last`,
    );
  for (const s of decoupled) checkStep(plan, s, sigs.get(s.index)!.label, at, diag);
  checkOutputs(plan, first!, diag);
  return first!.index;
}

type SiteOf = (s: PlanStep, field?: string) => { path: YamlPath; key: boolean; step: string };

function checkStep(
  plan: ExecutionPlan,
  s: PlanStep,
  label: string,
  at: SiteOf,
  diag: Diagnostics,
): void {
  const readers = plan.steps.filter(r => readsFrom(r, s));
  for (const r of readers)
    diag.error(
      at(s, 'outputs'),
      `${label} is decoupled, so this step must be the pipeline's last: expected its outputs to reach only the pipeline's outputs, found step '${r.name}' reading them`,
    );
  const why = s.map
    ? ['map', 'map: one call per item']
    : s.retry
      ? ['retry', 'retry: responses already sent cannot be taken back']
      : s.onError.policy !== 'fail'
        ? [
            'on_error',
            `on_error: ${s.onError.policy} (responses already sent cannot be taken back)`,
          ]
        : undefined;
  if (why)
    diag.error(
      at(s, why[0]),
      `${label} is decoupled (it streams the pipeline's responses), which cannot be combined with ${why[1]}`,
    );
}

function readsFrom(reader: PlanStep, producer: PlanStep): boolean {
  return producer.outputs.some(o => reader.reads.includes(o.tensor));
}

/** Every output comes from the streaming step or an early return. */
function checkOutputs(plan: ExecutionPlan, streaming: PlanStep, diag: Diagnostics): void {
  for (const out of plan.outputs) {
    const from = plan.producer.get(out.tensor);
    if (from === streaming.index) continue;
    const source = from === undefined ? 'the pipeline input' : `step '${plan.steps[from]!.name}'`;
    diag.error(
      { path: ['outputs', out.name], key: true, tensor: out.tensor },
      `the pipeline streams the responses of decoupled step '${streaming.name}': expected every output to come from it, found this one from ${source}`,
    );
  }
  if (plan.outputs.length === 0)
    diag.error(
      { path: ['outputs'], key: true, step: streaming.name },
      `the pipeline streams the responses of decoupled step '${streaming.name}', but it has no outputs`,
    );
}
