/**
 * A copy of the Triton layout in test/fixtures/triton-repo (config.pbtxt models and an ensemble)
 * plus `classify`: Triton's `simple` model (OUTPUT0 = INPUT0 + INPUT1) under a config.pbtxt that
 * sets most of what Braid serves, with a label file for OUTPUT0 (serve it with
 * test/support/engine.ts).
 *
 * @module
 */
import { cp, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { ROOT, tempRepository } from '../../support/repo.js';

export const TRITON_REPO = path.join(ROOT, 'test', 'fixtures', 'triton-repo');

/** The classify model's config.pbtxt. */
export const CLASSIFY_PBTXT = `name: "classify"
platform: "onnxruntime_onnx"
max_batch_size: 8
version_policy: { specific: { versions: [ 1 ] } }
input [
  { name: "INPUT0" data_type: TYPE_FP32 dims: [ 16 ] },
  { name: "INPUT1" data_type: TYPE_FP32 format: FORMAT_NONE dims: [ 16 ] }
]
output [
  { name: "OUTPUT0" data_type: TYPE_FP32 dims: [ 16 ] label_filename: "labels.txt" },
  { name: "OUTPUT1" data_type: TYPE_FP32 dims: [ 4, 4 ] reshape: { shape: [ 16 ] } }
]
instance_group [ { name: "cpus" kind: KIND_CPU count: 2 } ]
dynamic_batching {
  preferred_batch_size: [ 4, 8 ]
  max_queue_delay_microseconds: 100
  priority_levels: 2
  default_priority_level: 1
  default_queue_policy { timeout_action: DELAY default_timeout_microseconds: 5000000 allow_timeout_override: true max_queue_size: 16 }
  priority_queue_policy { key: 2 value: { max_queue_size: 4 } }
}
optimization { graph { level: 1 } }
parameters { key: "execution_thread" value: { string_value: "main" } }
metric_tags { key: "team" value: "vision" }
`;

/** Labels of classify's OUTPUT0: `class-0` ... `class-15`, index 7 left empty. */
export const LABELS = Array.from({ length: 16 }, (_, i) => (i === 7 ? '' : `class-${i}`));

/** A temporary repository with the Triton models and classify, and its disposal. */
export async function tritonRepository(): Promise<{ dir: string; dispose(): Promise<void> }> {
  const repo = await tempRepository({
    simple: path.join(TRITON_REPO, 'simple'),
    mul_sub: path.join(TRITON_REPO, 'mul_sub'),
    add_mul: path.join(TRITON_REPO, 'add_mul'),
    classify: path.join(TRITON_REPO, 'simple'),
  });
  const dir = path.join(repo.dir, 'classify');
  await writeFile(path.join(dir, 'config.pbtxt'), CLASSIFY_PBTXT);
  await writeFile(path.join(dir, 'labels.txt'), `${LABELS.join('\n')}\n`);
  await cp(path.join(dir, '1'), path.join(dir, '2'), { recursive: true });
  return repo;
}
