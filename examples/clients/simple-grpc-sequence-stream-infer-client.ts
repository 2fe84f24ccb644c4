#!/usr/bin/env -S npx tsx
// Triton's simple_grpc_sequence_stream_infer_client.py in TypeScript, with @grpc/grpc-js: three
// sequences sent to simple_sequence on one ModelStreamInfer stream without waiting for answers,
// each request carrying the sequence_id / sequence_start / sequence_end parameters and an id
// "<sequence>_<n>" by which its response is matched.
//
//   npx tsx examples/clients/simple-grpc-sequence-stream-infer-client.ts [-u localhost:8001] [-o OFFSET]
import { fileURLToPath } from 'node:url';
import {
  credentials,
  loadPackageDefinition,
  type Client,
  type ClientDuplexStream,
} from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { report, sequencePlans, urlFlag, type SequencePlan } from './sequence-values.js';

const args = process.argv.slice(2);
const address = urlFlag(args, 'localhost:8001');
const offsetAt = args.indexOf('-o');
const offset = offsetAt >= 0 ? Number(args[offsetAt + 1]) : 0;

const proto = (p: string) => fileURLToPath(new URL(p, import.meta.url));
const definition = loadSync(proto('../../engine/server/grpc/grpc_service.proto'), {
  keepCase: true,
  longs: String,
  defaults: true,
  oneofs: true,
  includeDirs: [proto('../../engine/repository/pbtxt/')],
});
type StreamClient = Client & { ModelStreamInfer(): ClientDuplexStream<object, StreamResponse> };
interface StreamResponse {
  readonly error_message: string;
  readonly infer_response: { id: string; raw_output_contents: Buffer[] };
}
const inference = loadPackageDefinition(definition)['inference'] as unknown as Record<
  string,
  new (address: string, creds: ReturnType<typeof credentials.createInsecure>) => StreamClient
>;

/** Sends one sequence's requests on `stream`, as the Python example's async_stream_send. */
function asyncStreamSend(
  stream: ClientDuplexStream<object, StreamResponse>,
  plan: SequencePlan,
): void {
  const id =
    typeof plan.id === 'string' ? { string_param: plan.id } : { int64_param: String(plan.id) };
  plan.values.forEach((value, i) => {
    stream.write({
      model_name: 'simple_sequence',
      id: `${plan.id}_${i + 1}`,
      parameters: {
        sequence_id: id,
        sequence_start: { bool_param: i === 0 },
        sequence_end: { bool_param: i === plan.values.length - 1 },
      },
      inputs: [{ name: 'INPUT', datatype: 'INT32', shape: [1, 1] }],
      outputs: [{ name: 'OUTPUT' }],
      raw_input_contents: [Buffer.from(Int32Array.of(value).buffer)],
    });
  });
}

const client = new inference['GRPCInferenceService']!(address, credentials.createInsecure());
const plans = sequencePlans(offset);
const results: number[][] = plans.map(() => []);
const expectedCount = plans.reduce((n, p) => n + p.values.length, 0);
let received = 0;
const stream = client.ModelStreamInfer();
stream.on('data', (msg: StreamResponse) => {
  if (msg.error_message) {
    console.log(msg.error_message);
    process.exit(1);
  }
  const seq = msg.infer_response.id.slice(0, msg.infer_response.id.lastIndexOf('_'));
  const at = plans.findIndex(p => String(p.id) === seq);
  if (at < 0) {
    console.log(`unexpected sequence id returned by the server: ${seq}`);
    process.exit(1);
  }
  results[at]!.push(msg.infer_response.raw_output_contents[0]!.readInt32LE(0));
  if (++received === expectedCount) stream.end();
});
stream.on('error', e => {
  console.log(e.message);
  process.exit(1);
});
stream.on('end', () => {
  client.close();
  process.exitCode = report(plans, results) ? 0 : 1;
});
for (const plan of plans) asyncStreamSend(stream, plan);
