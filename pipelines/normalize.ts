/**
 * @module Turns parsed step declarations into one uniform shape: shorthands expanded, pipeline
 * defaults applied, each binding carrying the YAML path it came from. Checks what can be checked
 * on a single step (one target, no duplicate names, policies that fit together).
 */
import type { DataType } from '../engine/core/datatype.js';
import type { Diagnostics } from './diagnostics.js';
import type { ConstantDecl, DimDecl, PipelineFile, StepDecl } from './schema.js';
import type { YamlPath } from './source.js';

/** A step input after normalization. */
export interface NormInput {
  readonly param: string;
  readonly tensor: string;
  readonly optional: boolean;
  readonly shape?: readonly DimDecl[];
  readonly path: YamlPath;
}

/** A step output after normalization. */
export interface NormOutput {
  readonly param: string;
  readonly tensor: string;
  readonly datatype?: DataType;
  readonly shape?: readonly DimDecl[];
  readonly path: YamlPath;
}

/** A step after normalization. */
export interface NormStep {
  readonly index: number;
  readonly name: string;
  readonly kind: 'model' | 'module' | 'return';
  readonly decl: StepDecl;
  readonly inputs: readonly NormInput[];
  readonly outputs: readonly NormOutput[];
  readonly path: YamlPath;
  readonly timeoutMs?: number;
  readonly retry?: NonNullable<StepDecl['retry']>;
  readonly onError: 'fail' | 'skip' | 'default';
  readonly defaults?: Readonly<Record<string, ConstantDecl>>;
}

/**
 * Normalizes every step, recording problems in `diag`. Steps with an unusable target are left
 * out so later checks do not pile follow-up errors on them.
 *
 * @example
 * const steps = normalizeSteps(file, diagnostics);
 */
export function normalizeSteps(file: PipelineFile, diag: Diagnostics): NormStep[] {
  const seen = new Map<string, number>();
  const out: NormStep[] = [];
  file.steps.forEach((decl, index) => {
    const path: YamlPath = ['steps', index];
    const first = seen.get(decl.name);
    if (first !== undefined) {
      diag.error(
        { path: [...path, 'name'], step: decl.name },
        `step name is used twice: expected a unique name, found it again after step #${first + 1}`,
      );
      return;
    }
    seen.set(decl.name, index);
    const kind = targetKind(decl, path, diag);
    if (!kind) return;
    checkPolicies(decl, kind, path, diag);
    const onError = decl.on_error ?? file.defaults?.on_error ?? 'fail';
    const timeoutMs = decl.timeout_ms ?? file.defaults?.timeout_ms;
    const retry = decl.retry ?? file.defaults?.retry;
    out.push({
      index,
      name: decl.name,
      kind,
      decl,
      inputs: normInputs(decl, path),
      outputs: normOutputs(decl, path),
      path,
      onError: kind === 'return' ? 'fail' : onError,
      ...(timeoutMs === undefined || kind === 'return' ? {} : { timeoutMs }),
      ...(retry === undefined || kind === 'return' ? {} : { retry }),
      ...(decl.default ? { defaults: decl.default } : {}),
    });
  });
  checkCacheAgreement(out, diag);
  return out;
}

/**
 * Cached calls are chosen per model (and version) of the pipeline, so every step calling one
 * model must agree on `cache`.
 */
function checkCacheAgreement(steps: readonly NormStep[], diag: Diagnostics): void {
  const first = new Map<string, NormStep>();
  for (const s of steps) {
    if (s.kind !== 'model') continue;
    const target = `${s.decl.model}@${s.decl.version ?? 'latest'}`;
    const other = first.get(target);
    if (!other) {
      first.set(target, s);
      continue;
    }
    const [a, b] = [other.decl.cache === true, s.decl.cache === true];
    if (a !== b) {
      diag.error(
        { path: [...s.path, 'cache'], key: s.decl.cache !== undefined, step: s.name },
        `steps calling model '${s.decl.model}' must agree on cache: expected cache: ${a} as step '${other.name}' has, found ${b}`,
      );
    }
  }
}

function targetKind(
  decl: StepDecl,
  path: YamlPath,
  diag: Diagnostics,
): NormStep['kind'] | undefined {
  const kinds = (['model', 'module', 'return'] as const).filter(k => decl[k] !== undefined);
  const site = { path, step: decl.name };
  if (kinds.length !== 1) {
    const found = kinds.length === 0 ? 'none' : kinds.join(' and ');
    diag.error(
      site,
      `a step runs exactly one of model, module or return: expected one, found ${found}`,
    );
    return undefined;
  }
  const kind = kinds[0]!;
  if (decl.version !== undefined && kind !== 'model') {
    diag.error(
      { path: [...path, 'version'], key: true, step: decl.name },
      `'version' applies to model steps, found it on a ${kind} step`,
    );
  }
  if (kind === 'return') {
    for (const key of ['inputs', 'outputs', 'map'] as const) {
      const v = decl[key];
      const empty =
        v === undefined || (Array.isArray(v) ? v.length === 0 : Object.keys(v).length === 0);
      if (!empty)
        diag.error(
          { path: [...path, key], key: true, step: decl.name },
          `a return step reads tensors through 'return' and 'when', found '${key}'`,
        );
    }
  }
  return kind;
}

function checkPolicies(
  decl: StepDecl,
  kind: NormStep['kind'],
  path: YamlPath,
  diag: Diagnostics,
): void {
  const step = decl.name;
  if (decl.on_error === 'default' && !decl.default) {
    diag.error(
      { path: [...path, 'on_error'], step },
      "on_error 'default' needs a 'default' value for each output, found none",
    );
  }
  if (decl.default && decl.on_error !== 'default') {
    diag.error(
      { path: [...path, 'default'], key: true, step },
      `'default' is used only with on_error: default, found on_error: ${decl.on_error ?? 'fail'}`,
    );
  }
  if (kind === 'return' && (decl.retry || decl.timeout_ms !== undefined || decl.on_error)) {
    diag.error(
      { path, step },
      'a return step calls nothing: timeout_ms, retry and on_error do not apply',
    );
  }
  if (decl.cache !== undefined && kind !== 'model') {
    diag.error(
      { path: [...path, 'cache'], key: true, step },
      `'cache' applies to model steps (the response cache keeps model responses), found it on a ${kind} step`,
    );
  }
  if (decl.instances !== 1 && kind !== 'module') {
    diag.error(
      { path: [...path, 'instances'], key: true, step },
      `'instances' applies to module steps, found it on a ${kind} step`,
    );
  }
  if (decl.map && !bindingNames(decl.inputs).some(([, t]) => t === decl.map?.over)) {
    diag.error(
      { path: [...path, 'map', 'over'], step, tensor: decl.map.over },
      `map.over must be a tensor this step reads: expected one of ${listOf(bindingNames(decl.inputs).map(([, t]) => t))}, found '${decl.map.over}'`,
    );
  }
}

function normInputs(decl: StepDecl, path: YamlPath): NormInput[] {
  const base = [...path, 'inputs'];
  if (Array.isArray(decl.inputs)) {
    return decl.inputs.map((n, i) => ({
      param: n,
      tensor: n,
      optional: false,
      path: [...base, i],
    }));
  }
  return Object.entries(decl.inputs).map(([param, b]) =>
    typeof b === 'string'
      ? { param, tensor: b, optional: false, path: [...base, param] }
      : {
          param,
          tensor: b.from,
          optional: b.optional,
          ...(b.shape ? { shape: b.shape } : {}),
          path: [...base, param],
        },
  );
}

function normOutputs(decl: StepDecl, path: YamlPath): NormOutput[] {
  const base = [...path, 'outputs'];
  if (Array.isArray(decl.outputs))
    return decl.outputs.map((n, i) => ({ param: n, tensor: n, path: [...base, i] }));
  return Object.entries(decl.outputs).map(([param, b]) =>
    typeof b === 'string'
      ? { param, tensor: b, path: [...base, param] }
      : {
          param,
          tensor: b.tensor,
          ...(b.datatype ? { datatype: b.datatype } : {}),
          ...(b.shape ? { shape: b.shape } : {}),
          path: [...base, param],
        },
  );
}

function bindingNames(b: StepDecl['inputs']): [string, string][] {
  if (Array.isArray(b)) return b.map(n => [n, n]);
  return Object.entries(b).map(([p, v]) => [p, typeof v === 'string' ? v : v.from]);
}

/** Formats names for messages: `'a', 'b'` or `none`. */
export function listOf(names: readonly string[]): string {
  return names.length === 0 ? 'none' : names.map(n => `'${n}'`).join(', ');
}
