/**
 * @module A compiled plan as text, for `braid validate --explain`: steps in execution order by
 * parallel level, the inferred datatype and shape of every edge, and the policies of each step.
 */
import type { ExecutionPlan, PlanStep, PlanTensor } from '../engine/core/plan.js';

/**
 * Describes a plan in a few lines per step.
 *
 * @example
 * console.log(explainPlan(plan));
 * // pipeline 'ocr' (models/ocr/1/pipeline.yaml): 4 steps in 3 levels
 * // inputs:
 * //   IMAGE  UINT8 [N]
 * // level 0 (1 step):
 * //   [0] decode  module 'decode.ts' x1
 * //        IMAGE UINT8[N] -> image
 * //        => pixels FP32[1,3,H,W]
 * // ...
 */
export function explainPlan(plan: ExecutionPlan): string {
  const lines: string[] = [];
  const deadline = plan.deadlineMs === undefined ? '' : `, deadline ${plan.deadlineMs} ms`;
  lines.push(
    `pipeline '${plan.name}' (${plan.source}): ${plan.steps.length} step(s) in ${plan.levels.length} level(s)${deadline}`,
  );
  lines.push('inputs:');
  for (const t of plan.inputs)
    lines.push(`  ${t.name}  ${type(t)}${t.optional ? '  (optional)' : ''}`);
  plan.levels.forEach((level, i) => {
    lines.push(
      `level ${i} (${level.length} step${level.length === 1 ? '' : 's'}${level.length > 1 ? ', run concurrently' : ''}):`,
    );
    for (const index of level) lines.push(...describeStep(plan, plan.steps[index]!));
  });
  lines.push('outputs:');
  for (const o of plan.outputs) {
    const from = plan.producer.get(o.tensor);
    const src = from === undefined ? 'pipeline input' : `step '${plan.steps[from]!.name}'`;
    lines.push(
      `  ${o.name}  ${type(o.spec)}  <- ${o.tensor} (${src})${o.optional ? '  (optional)' : ''}`,
    );
  }
  if (plan.streams !== undefined)
    lines.push(
      `streams: each response of step '${plan.steps[plan.streams]!.name}' (decoupled) is one response`,
    );
  if (plan.warnings.length > 0) {
    lines.push('warnings:');
    for (const w of plan.warnings) lines.push(`  ${w}`);
  }
  return lines.join('\n');
}

function describeStep(plan: ExecutionPlan, s: PlanStep): string[] {
  const lines = [`  [${s.index}] ${s.name}  ${targetText(s)}${policies(s)}`];
  if (s.when) lines.push(`       when ${s.when.source}`);
  if (s.map)
    lines.push(
      `       map over ${s.map.over} (${s.map.mode}${s.map.maxParallel > 0 ? `, at most ${s.map.maxParallel} at once` : ''})`,
    );
  for (const b of s.inputs) {
    const t = plan.tensors.get(b.tensor);
    lines.push(
      `       ${b.tensor} ${t ? type(t, '') : '?'} -> ${b.param}${b.optional ? ' (optional)' : ''}`,
    );
  }
  for (const o of s.outputs) {
    const t = plan.tensors.get(o.tensor);
    lines.push(`       ${o.param} => ${o.tensor} ${t ? type(t, '') : '?'}`);
  }
  for (const [name, v] of s.returns ?? []) {
    lines.push(
      `       return ${name} = ${'tensor' in v ? v.tensor : `literal ${v.constant.datatype}[${v.constant.shape.join(',')}]`}`,
    );
  }
  return lines;
}

function targetText(s: PlanStep): string {
  const t = s.target;
  if (t.kind === 'model')
    return `model '${t.model}'${t.version === undefined ? '' : ` version ${t.version}`}`;
  if (t.kind === 'module') return `module '${t.path}' x${t.instances}`;
  return 'early return';
}

function policies(s: PlanStep): string {
  const parts: string[] = [];
  if (s.timeoutMs !== undefined) parts.push(`timeout ${s.timeoutMs} ms`);
  if (s.retry && s.retry.attempts > 1)
    parts.push(`retry ${s.retry.attempts}x on ${s.retry.on.join('/')}`);
  if (s.onError.policy !== 'fail') parts.push(`on_error ${s.onError.policy}`);
  return parts.length === 0 ? '' : `  (${parts.join(', ')})`;
}

function type(t: PlanTensor, sep = ' '): string {
  return `${t.datatype}${sep}[${t.dims.join(',')}]`;
}
