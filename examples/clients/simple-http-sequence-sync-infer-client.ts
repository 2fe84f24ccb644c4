#!/usr/bin/env -S npx tsx
// Triton's simple_http_sequence_sync_infer_client.py in TypeScript, with fetch: three sequences
// sent one request at a time to simple_sequence over HTTP, each request carrying the
// `sequence_id`, `sequence_start` and `sequence_end` parameters.
//
//   npx tsx examples/clients/simple-http-sequence-sync-infer-client.ts [-u localhost:8000] [-o OFFSET]
import { report, sequencePlans, urlFlag, type SequencePlan } from './sequence-values.js';

const args = process.argv.slice(2);
const base = `http://${urlFlag(args, 'localhost:8000')}`;
const offsetAt = args.indexOf('-o');
const offset = offsetAt >= 0 ? Number(args[offsetAt + 1]) : 0;

interface InferResult {
  readonly outputs?: { name: string; data: number[] }[];
  readonly error?: string;
}

async function syncSend(plan: SequencePlan): Promise<number[]> {
  const results: number[] = [];
  for (const [i, value] of plan.values.entries()) {
    const res = await fetch(`${base}/v2/models/simple_sequence/infer`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        parameters: {
          sequence_id: plan.id,
          sequence_start: i === 0,
          sequence_end: i === plan.values.length - 1,
        },
        inputs: [{ name: 'INPUT', datatype: 'INT32', shape: [1, 1], data: [value] }],
        outputs: [{ name: 'OUTPUT' }],
      }),
    });
    const body = (await res.json()) as InferResult;
    if (!res.ok) throw new Error(body.error ?? `HTTP ${res.status}`);
    results.push(body.outputs!.find(o => o.name === 'OUTPUT')!.data[0]!);
  }
  return results;
}

try {
  const plans = sequencePlans(offset);
  const results: number[][] = [];
  for (const plan of plans) results.push(await syncSend(plan));
  process.exitCode = report(plans, results) ? 0 : 1;
} catch (e) {
  console.log(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
}
