/**
 * @module How each step of a pipeline request ended, in one form whatever reported it: the
 * pipeline observer (in-process, for every request, failed ones included) or the `braid_debug`
 * response parameter (over HTTP, for successful requests).
 */
import type { StepEvent, StepStatusDecl } from '../../../pipelines/index.js';
import { show } from './values.js';

/** How a step ended, as the pipelines name it; `not_run` when it never started (pruned, or not reached). */
export type StepOutcome = StepStatusDecl;

/** One step of one request. */
export interface StepRecord {
  readonly pipeline: string;
  readonly step: string;
  readonly status: StepOutcome;
  readonly durationMs?: number;
  /** Since the request started (braid_debug only). */
  readonly startMs?: number;
  readonly calls?: number;
  readonly retries?: number;
  readonly items?: number;
  readonly reason?: string;
  /** Whether its `when:` guard held; absent when it has none or it was not evaluated. */
  readonly guard?: boolean;
  /** Its on_error policy answered for a failure. */
  readonly onError?: 'skip' | 'default';
}

/**
 * A step record from an observer event.
 *
 * @example
 * fromStepEvent({ pipeline: 'ocr', step: 'detect', status: 'ran', durationMs: 80, calls: 1, retries: 0 });
 */
export function fromStepEvent(e: StepEvent): StepRecord {
  return {
    pipeline: e.pipeline,
    step: e.step,
    status: e.status,
    durationMs: e.durationMs,
    calls: e.calls,
    retries: e.retries,
    ...(e.items === undefined ? {} : { items: e.items }),
    ...(e.reason === undefined ? {} : { reason: e.reason }),
    ...(e.guard === undefined ? {} : { guard: e.guard }),
    ...(e.onError === undefined ? {} : { onError: e.onError }),
  };
}

interface DebugStep {
  step?: unknown;
  status?: unknown;
  start_ms?: unknown;
  end_ms?: unknown;
  calls?: unknown;
  retries?: unknown;
  items?: unknown;
  reason?: unknown;
  guard?: unknown;
  on_error?: unknown;
}

const num = (v: unknown) => (typeof v === 'number' ? v : undefined);

/**
 * Step records from the `braid_debug` response parameter (JSON text); empty when it is absent
 * or not Braid's.
 *
 * @example
 * fromDebugParameter('{"pipeline":"ocr","steps":[{"step":"prepare","status":"ran","start_ms":0,"end_ms":3}]}');
 */
export function fromDebugParameter(text: unknown): StepRecord[] {
  if (typeof text !== 'string') return [];
  let doc: { pipeline?: unknown; steps?: unknown };
  try {
    doc = JSON.parse(text) as typeof doc;
  } catch {
    return [];
  }
  if (!Array.isArray(doc.steps)) return [];
  const pipeline = typeof doc.pipeline === 'string' ? doc.pipeline : '';
  return (doc.steps as DebugStep[]).flatMap(s => {
    if (typeof s.step !== 'string' || typeof s.status !== 'string') return [];
    const status = (
      s.status === 'pruned' || s.status === 'not_reached' ? 'not_run' : s.status
    ) as StepOutcome;
    const start = num(s.start_ms);
    const end = num(s.end_ms);
    const record: StepRecord = {
      pipeline,
      step: s.step,
      status,
      ...(start !== undefined && end !== undefined
        ? { startMs: start, durationMs: end - start }
        : {}),
      ...(num(s.calls) === undefined ? {} : { calls: num(s.calls)! }),
      ...(num(s.retries) === undefined ? {} : { retries: num(s.retries)! }),
      ...(num(s.items) === undefined ? {} : { items: num(s.items)! }),
      ...(typeof s.reason === 'string' ? { reason: s.reason } : {}),
      ...(typeof s.guard === 'boolean' ? { guard: s.guard } : {}),
      ...(s.on_error === 'skip' || s.on_error === 'default' ? { onError: s.on_error } : {}),
    };
    return [record];
  });
}

/**
 * One line per step for failure messages: status, time, retries and why.
 *
 * @example
 * formatSteps(records); // ['prepare     ran       12.1 ms', 'no_text     skipped   guard false', ...]
 */
export function formatSteps(records: readonly StepRecord[]): string[] {
  const width = Math.max(4, ...records.map(r => r.step.length));
  return records.map(r => {
    const time = r.durationMs === undefined ? '' : `${show(Math.round(r.durationMs * 10) / 10)} ms`;
    const extra = [
      r.retries ? `${r.retries} retr${r.retries === 1 ? 'y' : 'ies'}` : '',
      r.items !== undefined ? `${r.items} item(s)` : '',
      r.guard === false ? 'guard false' : '',
      r.onError ? `on_error ${r.onError}` : '',
      r.reason && r.guard !== false ? truncate(r.reason) : '',
    ].filter(Boolean);
    return `${r.step.padEnd(width)}  ${r.status.padEnd(9)} ${time.padStart(10)}${extra.length ? `  ${extra.join(', ')}` : ''}`.trimEnd();
  });
}

function truncate(s: string): string {
  const line = s.split('\n')[0] ?? s;
  return line.length > 100 ? `${line.slice(0, 97)}...` : line;
}
