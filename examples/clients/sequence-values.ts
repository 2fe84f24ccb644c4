// What Triton's sequence client examples send and check, shared by the HTTP and gRPC versions
// (client/src/python/examples/simple_*_sequence_*_client.py): three sequences against
// simple_sequence, two with integer correlation IDs and one with a string ID.
import { randomUUID } from 'node:crypto';

/** The values after each sequence's first one. */
export const VALUES = [11, 7, 5, 3, 2, 0, 1];

/** One sequence: its correlation ID and the values it sends, START on the first, END on the last. */
export interface SequencePlan {
  readonly id: number | string;
  readonly values: readonly number[];
  /** What simple_sequence answers to each value: the value, plus 1 on the sequence's START. */
  readonly expected: readonly number[];
}

/**
 * The three sequences of Triton's examples, IDs shifted by `offset` as its `-o` flag does.
 *
 * @example
 * sequencePlans(0)[0]!.id; // 1000
 */
export function sequencePlans(offset: number): SequencePlan[] {
  const plan = (id: number | string, first: number, sign: number): SequencePlan => {
    const values = [first, ...VALUES.map(v => v * sign)];
    return { id, values, expected: values.map((v, i) => (i === 0 ? v + 1 : v)) };
  };
  return [
    plan(1000 + offset * 2, 0, 1),
    plan(1001 + offset * 2, 100, -1),
    plan(randomUUID(), 20, -1),
  ];
}

/**
 * Prints each row of results as Triton's examples do and says whether all matched.
 *
 * @example
 * if (!report(plans, results)) process.exit(1);
 */
export function report(plans: readonly SequencePlan[], results: readonly number[][]): boolean {
  for (let i = 0; i < plans[0]!.values.length; i++) {
    const got = results.map(r => r[i]);
    const want = plans.map(p => p.expected[i]);
    console.log(`[${i}] ${got.join(' : ')}`);
    if (got.some((g, k) => g !== want[k])) {
      console.log(`[ expected ] ${want.join(' : ')}`);
      return false;
    }
  }
  console.log('PASS: Sequence');
  return true;
}

/**
 * The value of `-u URL` / `--url URL` in `args`, else `fallback`.
 *
 * @example
 * urlFlag(['-u', 'localhost:9000'], 'localhost:8000'); // 'localhost:9000'
 */
export function urlFlag(args: readonly string[], fallback: string): string {
  const at = args.findIndex(a => a === '-u' || a === '--url');
  return at >= 0 && args[at + 1] ? args[at + 1]! : fallback;
}
