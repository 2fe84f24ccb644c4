/**
 * The settings `braid analyze` searches, the candidate configurations they make, and the default
 * search space: small enough that a brute-force search finishes in minutes on two cores.
 *
 * @module
 */
import type { GridPoint } from './search.js';

/** Dynamic batching off, or its max_queue_delay_microseconds. */
export type QueueDelay = number | 'off';
/** preferred_batch_size: a list (empty for none), or `max` for [max_batch_size]. */
export type Preferred = readonly number[] | 'max';
/** intra_op_thread_count, or the backend's own choice. */
export type IntraOp = number | 'default';

/** One candidate configuration: the searched settings. */
export interface Candidate {
  readonly maxBatchSize: number;
  readonly queueDelayUs: QueueDelay;
  readonly preferred: Preferred;
  readonly instances: number;
  readonly intraOpThreads: IntraOp;
}

/** The values searched for each setting. */
export interface SearchSpace {
  readonly maxBatchSize: readonly number[];
  readonly queueDelayUs: readonly QueueDelay[];
  readonly preferred: readonly Preferred[];
  readonly instances: readonly number[];
  readonly intraOpThreads: readonly IntraOp[];
}

/** The model's current configuration, as the searched settings plus what decides which apply. */
export interface BaseSettings extends Candidate {
  readonly backend: string;
  /** Whether the model batches at all (max_batch_size > 0); if not, only instances and threads are searched. */
  readonly batches: boolean;
  /** Whether the instance count can be changed (one instance group). */
  readonly oneGroup: boolean;
}

const KEYS = ['maxBatchSize', 'queueDelayUs', 'preferred', 'instances', 'intraOpThreads'] as const;

const rankDelay = (d: QueueDelay) => (d === 'off' ? -1 : d);
const rankIntra = (t: IntraOp) => (t === 'default' ? -1 : t);
const rankPreferred = (p: Preferred) =>
  p === 'max' ? Number.MAX_SAFE_INTEGER : p.length === 0 ? -1 : p[0]! * 1e6 + p.length;
const samePreferred = (a: Preferred, b: Preferred) =>
  a === 'max' || b === 'max' ? a === b : a.join(',') === b.join(',');

function withValue<T>(
  values: readonly T[],
  v: T,
  same: (a: T, b: T) => boolean,
  rank: (x: T) => number,
): T[] {
  const out = values.some(x => same(x, v)) ? [...values] : [...values, v];
  return out.sort((a, b) => rank(a) - rank(b));
}

/**
 * `space` with the base configuration's value added to every setting (sorted), and settings
 * that do not apply to the model narrowed to the base value.
 *
 * @example
 * withBase(defaultSpace(base, 2), base).queueDelayUs; // ['off', 100, 1000]
 */
export function withBase(space: SearchSpace, base: BaseSettings): SearchSpace {
  const eq = <T>(a: T, b: T) => a === b;
  const ident = (n: number) => n;
  const b = base.batches;
  const ort = base.backend === 'onnxruntime';
  const batchSizes = space.maxBatchSize.filter(n => n > 0);
  return {
    maxBatchSize: b ? withValue(batchSizes, base.maxBatchSize, eq, ident) : [base.maxBatchSize],
    queueDelayUs: b
      ? withValue(space.queueDelayUs, base.queueDelayUs, eq, rankDelay)
      : [base.queueDelayUs],
    preferred: b
      ? withValue(space.preferred, base.preferred, samePreferred, rankPreferred)
      : [base.preferred],
    instances: base.oneGroup
      ? withValue(space.instances, base.instances, eq, ident)
      : [base.instances],
    intraOpThreads: ort
      ? withValue(space.intraOpThreads, base.intraOpThreads, eq, rankIntra)
      : [base.intraOpThreads],
  };
}

/**
 * The default space around the model's current config: max_batch_size at a quarter of and at
 * its value, dynamic batching off / 100 µs / 1 ms, 1 or 2 instances, and for ONNX Runtime the
 * backend's thread default or 1 intra-op thread (and half the cores on 4 or more).
 *
 * @example
 * defaultSpace(base, availableParallelism());
 */
export function defaultSpace(base: BaseSettings, cores: number): SearchSpace {
  const quarter = Math.max(1, Math.floor(base.maxBatchSize / 4));
  return {
    maxBatchSize: [quarter, base.maxBatchSize],
    queueDelayUs: ['off', 100, 1000],
    preferred: [base.preferred],
    instances: [1, 2],
    intraOpThreads: cores >= 4 ? ['default', 1, Math.floor(cores / 2)] : ['default', 1],
  };
}

/** The number of values of each setting, in grid order. */
export function spaceSizes(space: SearchSpace): number[] {
  return KEYS.map(k => space[k].length);
}

/**
 * The candidate at a grid point.
 *
 * @example
 * candidateAt(space, [0, 0, 0, 0, 0]);
 */
export function candidateAt(space: SearchSpace, p: GridPoint): Candidate {
  const at = <T>(values: readonly T[], i: number | undefined): T => {
    const v = values[i ?? -1];
    if (v === undefined)
      throw new RangeError(`grid point [${p.join(',')}] is outside the search space`);
    return v;
  };
  return {
    maxBatchSize: at(space.maxBatchSize, p[0]),
    queueDelayUs: at(space.queueDelayUs, p[1]),
    preferred: at(space.preferred, p[2]),
    instances: at(space.instances, p[3]),
    intraOpThreads: at(space.intraOpThreads, p[4]),
  };
}

/**
 * The grid point of a candidate whose values are all in the space (the base always is).
 *
 * @example
 * pointOf(space, base); // where the quick search starts
 */
export function pointOf(space: SearchSpace, c: Candidate): GridPoint {
  const p = [
    space.maxBatchSize.indexOf(c.maxBatchSize),
    space.queueDelayUs.indexOf(c.queueDelayUs),
    space.preferred.findIndex(x => samePreferred(x, c.preferred)),
    space.instances.indexOf(c.instances),
    space.intraOpThreads.indexOf(c.intraOpThreads),
  ];
  if (p.some(i => i < 0)) throw new RangeError('candidate is not in the search space');
  return p;
}

/** Text of a preferred setting: `none`, `max`, or the list. */
export function preferredLabel(p: Preferred): string {
  return p === 'max' ? 'max' : p.length === 0 ? 'none' : p.join('/');
}

/**
 * A short label of a candidate for tables and legends.
 *
 * @example
 * candidateLabel(c); // 'batch 64, delay 1000 µs, 1 instance, threads default'
 */
export function candidateLabel(c: Candidate): string {
  const delay = c.queueDelayUs === 'off' ? 'no dynamic batching' : `delay ${c.queueDelayUs} µs`;
  const pref = preferredLabel(
    c.preferred === 'max' ? 'max' : c.preferred.filter(n => n <= c.maxBatchSize),
  );
  const preferred = c.queueDelayUs === 'off' || pref === 'none' ? '' : `, preferred ${pref}`;
  const inst = `${c.instances} instance${c.instances === 1 ? '' : 's'}`;
  return `batch ${c.maxBatchSize}, ${delay}${preferred}, ${inst}, threads ${c.intraOpThreads}`;
}
