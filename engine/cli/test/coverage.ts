/**
 * @module Pipeline coverage: which of a pipeline's branches a test suite exercised. A pipeline
 * file declares them: every step (did it run?), every `when:` guard (true and false), every
 * `map:` (over no items and over some), every retry policy (did a retry happen?) and every
 * on_error skip/default (did it answer for a failure?). Step records of the suite's requests say
 * which were taken. Pure: the suite feeds records in and reads the report out.
 */
import type { PipelineFile } from '../../../pipelines/index.js';
import type { StepRecord } from '../testing/step-records.js';

/** The branches one step declares. */
export interface StepBranches {
  readonly name: string;
  readonly guard: boolean;
  readonly map: boolean;
  readonly retry: boolean;
  readonly onError?: 'skip' | 'default';
}

/** How often each outcome of one step was seen. */
export interface StepTally {
  ran: number;
  skipped: number;
  returned: number;
  failed: number;
  defaulted: number;
  cancelled: number;
  retried: number;
  fellBack: number;
  guardTrue: number;
  guardFalse: number;
  mapEmpty: number;
  mapItems: number;
}

/** Covered and total items of one kind. */
export interface Fraction {
  readonly covered: number;
  readonly total: number;
}

/** The coverage of one pipeline. */
export interface PipelineCoverage {
  readonly pipeline: string;
  readonly steps: readonly (StepBranches & { readonly tally: StepTally })[];
  readonly kinds: {
    readonly steps: Fraction;
    readonly guards: Fraction;
    readonly maps: Fraction;
    readonly policies: Fraction;
  };
  readonly total: Fraction;
  /** Percent of all items, 100 when there are none. */
  readonly percent: number;
  /** Each branch never taken, in words. */
  readonly missed: readonly string[];
}

/**
 * The branches a pipeline file declares; `defaults:` policies count for the model and module
 * steps that set none.
 *
 * @example
 * pipelineBranches(file).find(s => s.name === 'no_text'); // { name: 'no_text', guard: true, map: false, retry: false }
 */
export function pipelineBranches(file: PipelineFile): StepBranches[] {
  return file.steps.map(s => {
    const calls = s.model !== undefined || s.module !== undefined;
    const retry = calls && (s.retry ?? file.defaults?.retry) !== undefined;
    const onError = calls ? (s.on_error ?? file.defaults?.on_error) : undefined;
    return {
      name: s.name,
      guard: s.when !== undefined,
      map: s.map !== undefined,
      retry,
      ...(onError === 'skip' || onError === 'default' ? { onError } : {}),
    };
  });
}

const zero = (): StepTally => ({
  ran: 0,
  skipped: 0,
  returned: 0,
  failed: 0,
  defaulted: 0,
  cancelled: 0,
  retried: 0,
  fellBack: 0,
  guardTrue: 0,
  guardFalse: 0,
  mapEmpty: 0,
  mapItems: 0,
});

/**
 * Tallies step records by pipeline and step.
 *
 * @example
 * const c = new CoverageRecorder();
 * c.record(res.steps);
 * c.report('ocr', pipelineBranches(file)).percent; // 86.7
 */
export class CoverageRecorder {
  readonly #tallies = new Map<string, Map<string, StepTally>>();

  /** Adds one request's step records. */
  record(records: readonly StepRecord[]): void {
    for (const r of records) {
      let steps = this.#tallies.get(r.pipeline);
      if (!steps) this.#tallies.set(r.pipeline, (steps = new Map()));
      let t = steps.get(r.step);
      if (!t) steps.set(r.step, (t = zero()));
      if (r.status !== 'not_run') t[r.status]++;
      if ((r.retries ?? 0) > 0) t.retried++;
      if (r.onError) t.fellBack++;
      if (r.guard === true) t.guardTrue++;
      if (r.guard === false) t.guardFalse++;
      if (r.items === 0) t.mapEmpty++;
      if ((r.items ?? 0) > 0) t.mapItems++;
    }
  }

  /** Pipelines seen in the records. */
  get pipelines(): string[] {
    return [...this.#tallies.keys()];
  }

  /** The coverage of `pipeline`, whose branches `branches` lists. */
  report(pipeline: string, branches: readonly StepBranches[]): PipelineCoverage {
    const seen = this.#tallies.get(pipeline) ?? new Map<string, StepTally>();
    const steps = branches.map(b => ({ ...b, tally: seen.get(b.name) ?? zero() }));
    const count = { steps: [0, 0], guards: [0, 0], maps: [0, 0], policies: [0, 0] };
    const missed: string[] = [];
    const item = (kind: keyof typeof count, hit: boolean, what: string) => {
      count[kind][1]!++;
      if (hit) count[kind][0]!++;
      else missed.push(what);
    };
    for (const s of steps) {
      const t = s.tally;
      item(
        'steps',
        t.ran + t.returned + t.failed + t.defaulted + t.fellBack > 0,
        `step '${s.name}' never ran`,
      );
      if (s.guard) {
        item('guards', t.guardTrue > 0, `the guard of '${s.name}' was never true`);
        item('guards', t.guardFalse > 0, `the guard of '${s.name}' was never false`);
      }
      if (s.map) {
        item('maps', t.mapEmpty > 0, `the map of '${s.name}' never had zero items`);
        item('maps', t.mapItems > 0, `the map of '${s.name}' never had items`);
      }
      if (s.retry) item('policies', t.retried > 0, `'${s.name}' never retried`);
      if (s.onError)
        item('policies', t.fellBack > 0, `'${s.name}' never fell back (on_error: ${s.onError})`);
    }
    const fraction = (k: keyof typeof count): Fraction => ({
      covered: count[k][0]!,
      total: count[k][1]!,
    });
    const kinds = {
      steps: fraction('steps'),
      guards: fraction('guards'),
      maps: fraction('maps'),
      policies: fraction('policies'),
    };
    const total = Object.values(kinds).reduce(
      (a, f) => ({ covered: a.covered + f.covered, total: a.total + f.total }),
      { covered: 0, total: 0 },
    );
    return { pipeline, steps, kinds, total, percent: percentOf(total), missed };
  }
}

/** A fraction as a percentage, 100 when there is nothing to cover. */
export function percentOf(f: Fraction): number {
  return f.total === 0 ? 100 : (100 * f.covered) / f.total;
}
