/**
 * @module Trace settings as Triton's TraceManager keeps them (reference §6.1, §6.3): global
 * settings from the command line, per-model overrides set over the API that fall back to the
 * global value for every key they do not set, and sampling by rate and count.
 */
import { describeValue, quote } from '../../core/client-value.js';
import { EngineError } from '../../core/errors.js';
import type { TraceSettingsControl, TraceSettingsView } from '../../core/telemetry.js';

/** `OFF` traces nothing; `TIMESTAMPS` traces spans and their timestamps. */
export type TraceLevel = 'OFF' | 'TIMESTAMPS';

/** The settings that sample. */
export interface TraceSamplingSettings {
  readonly level: TraceLevel;
  /** Trace one request in every `rate`; 0 traces only requests whose client sent a sampled context. */
  readonly rate: number;
  /** Traces left to collect; -1 is unlimited. */
  readonly count: number;
}

/** Triton's defaults: level OFF, rate 1000, count -1. */
export const DEFAULT_TRACE_SETTINGS: TraceSamplingSettings = {
  level: 'OFF',
  rate: 1000,
  count: -1,
};

type Field = keyof TraceSamplingSettings;

/** One effective setting with its sampling state; replaced, never edited, when settings change. */
interface Setting {
  level: TraceLevel;
  rate: number;
  count: number;
  /** Requests seen, for the rate. */
  sample: number;
  /** Fields set at this level rather than inherited. */
  readonly specified: ReadonlySet<Field>;
}

/** A parsed POST body: a value sets the field, null clears it, absent keeps it. */
type Patch = { [K in Field]?: TraceSamplingSettings[K] | null };

/**
 * The trace settings and the sampling decision. Models without settings of their own share the
 * global setting, its sampling counter and its count, as in Triton. A change replaces the
 * setting, so the rate counts again from zero.
 *
 * @example
 * const settings = new TraceSettingsStore({ level: 'TIMESTAMPS', rate: 1, count: -1 });
 * settings.update('simple', { trace_rate: '10' });
 * settings.shouldSample('simple', () => false); // true for every 10th request of simple
 */
export class TraceSettingsStore implements TraceSettingsControl {
  readonly #defaults: TraceSamplingSettings;
  readonly #options: Readonly<Record<string, string>>;
  #global: Setting;
  readonly #models = new Map<string, Setting>();

  /** `options` are the mode's settings shown by GET (e.g. `url`); they cannot be changed. */
  constructor(
    initial: Partial<TraceSamplingSettings> = {},
    options: Readonly<Record<string, string>> = {},
  ) {
    this.#defaults = { ...DEFAULT_TRACE_SETTINGS, ...initial };
    this.#options = options;
    this.#global = build(undefined, this.#defaults, {});
  }

  get(model?: string): TraceSettingsView {
    const s = (model === undefined ? undefined : this.#models.get(model)) ?? this.#global;
    return {
      trace_level: [s.level],
      trace_rate: String(s.rate),
      trace_count: String(s.count),
      trace_mode: 'opentelemetry',
      ...this.#options,
    };
  }

  update(model: string | undefined, body: Readonly<Record<string, unknown>>): TraceSettingsView {
    const patch = parsePatch(body, model);
    if (model === undefined) {
      this.#global = build(this.#global, this.#defaults, patch);
      // Models that set every field do not mirror the global setting; the others follow it.
      for (const [name, s] of this.#models)
        if (s.specified.size < 3) this.#setModel(name, build(s, this.#global, {}));
    } else {
      this.#setModel(model, build(this.#models.get(model), this.#global, patch));
    }
    return this.get(model);
  }

  /**
   * Whether to trace the next request for `model`. `forced` tells whether the client sent a
   * sampled trace context; it is asked only when the level is not OFF, so the caller can leave
   * parsing headers until then. Follows Triton's `TraceSetting::SampleTrace`.
   */
  shouldSample(model: string, forced: () => boolean): boolean {
    const s = this.#models.get(model) ?? this.#global;
    if (s.level === 'OFF') return false;
    const force = forced();
    if (s.rate === 0) return force;
    if (s.count === 0 && !force) return false;
    let hit = ++s.sample % s.rate === 0;
    if (hit && s.count > 0) s.count--;
    else if (hit && s.count === 0) hit = false;
    return hit || force;
  }

  /** Whether any request could be traced now: some level, global or a model's, is not OFF. */
  anyOn(): boolean {
    if (this.#global.level !== 'OFF') return true;
    for (const s of this.#models.values()) if (s.level !== 'OFF') return true;
    return false;
  }

  #setModel(name: string, s: Setting): void {
    if (s.specified.size === 0) this.#models.delete(name);
    else this.#models.set(name, s);
  }
}

/** The next setting: patched fields, then fields `current` set, then `fallback`. */
function build(
  current: Setting | undefined,
  fallback: TraceSamplingSettings,
  patch: Patch,
): Setting {
  const specified = new Set<Field>();
  const pick = <K extends Field>(f: K): TraceSamplingSettings[K] => {
    const p = patch[f];
    if (p === null) return fallback[f];
    if (p !== undefined || current?.specified.has(f)) specified.add(f);
    return (
      p ?? (current?.specified.has(f) ? (current[f] as TraceSamplingSettings[K]) : fallback[f])
    );
  };
  return { level: pick('level'), rate: pick('rate'), count: pick('count'), sample: 0, specified };
}

const UINT32_MAX = 0xffff_ffff;
const LOG_FREQUENCY =
  "'log_frequency' applies to trace mode triton; this server traces in opentelemetry mode";
const INT32_MAX = 0x7fff_ffff;

/** Validates a POST body, with Triton's key names and rules. */
function parsePatch(body: Readonly<Record<string, unknown>>, model: string | undefined): Patch {
  const where =
    model === undefined
      ? 'the global trace settings'
      : `the trace settings of model ${quote(model)}`;
  const patch: Patch = {};
  for (const [key, v] of Object.entries(body)) {
    if (key === 'trace_level') patch.level = v === null ? null : level(v, where);
    else if (key === 'trace_rate')
      patch.rate = v === null ? null : int(key, v, 0, UINT32_MAX, where);
    else if (key === 'trace_count')
      patch.count = v === null ? null : int(key, v, -1, INT32_MAX, where);
    else if (key === 'trace_file')
      throw unsupported('trace file location can not be updated through network protocol');
    else if (key === 'log_frequency') throw unsupported(LOG_FREQUENCY);
    else if (key === 'trace_mode')
      throw unsupported(`'trace_mode' can not be updated through network protocol`);
    else
      throw new EngineError(
        'INVALID_ARG',
        `unknown key ${quote(key)} in ${where}: expected trace_level, trace_rate or trace_count`,
      );
  }
  return patch;
}

function level(v: unknown, where: string): TraceLevel {
  if (!Array.isArray(v) || v.length === 0 || v.some(x => typeof x !== 'string')) {
    const got = describeValue(v);
    throw new EngineError(
      'INVALID_ARG',
      `'trace_level' in ${where} must be an array of strings such as ["TIMESTAMPS"], got ${got}`,
    );
  }
  const levels = v as string[];
  if (levels.includes('OFF')) {
    if (levels.length > 1)
      throw new EngineError('INVALID_ARG', "Expect only one trace level 'OFF' is specified");
    return 'OFF';
  }
  const unknown = levels.find(l => l !== 'TIMESTAMPS' && l !== 'TENSORS');
  if (unknown !== undefined) {
    throw new EngineError(
      'INVALID_ARG',
      `unknown trace level ${quote(unknown)} in ${where}: expected OFF, TIMESTAMPS or TENSORS`,
    );
  }
  if (levels.includes('TENSORS'))
    throw unsupported('trace level TENSORS is not available in opentelemetry mode; use TIMESTAMPS');
  return 'TIMESTAMPS';
}

function int(key: string, v: unknown, min: number, max: number, where: string): number {
  const n =
    typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : typeof v === 'number' ? v : NaN;
  if (!Number.isInteger(n) || n < min || n > max) {
    const expected = `an integer in [${min}, ${max}]`;
    throw new EngineError(
      'INVALID_ARG',
      `Unable to parse '${key}' in ${where}: expected ${expected}, got ${describeValue(v)}`,
    );
  }
  return n;
}

function unsupported(msg: string): EngineError {
  return new EngineError('UNSUPPORTED', msg);
}
