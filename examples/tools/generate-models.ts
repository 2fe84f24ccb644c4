import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { DataType } from '../../engine/core/datatype.js';
import { DATATYPES } from '../../engine/core/datatype.js';
import type { Dim } from './onnx-builder.js';
import { buildMlp, createModelBuilder } from './onnx-builder.js';

/*
 * Writes the example model repository and the test fixture models. Output is a pure function
 * of this file, so `npx tsx examples/tools/generate-models.ts` reproduces the committed files
 * byte for byte, and test/examples/generate-models.test.ts fails when they drift apart.
 */

/** One generated file, its path relative to the repository root. */
export interface GeneratedFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** The model directories the generator owns, relative to the repository root. */
export const GENERATED_MODEL_DIRS = [
  'examples/model_repository/simple',
  'examples/model_repository/mlp',
  'examples/model_repository/text_identity',
  'examples/model_repository/sequence_accumulator',
  'test/fixtures/models/all_types',
  'test/fixtures/models/corrupt',
  'test/fixtures/models/add_sub_int32',
] as const;

/**
 * Datatypes in the all_types fixture: every protocol type that onnxruntime-node can run
 * Identity on. BF16 is absent because onnxruntime-node 1.30 cannot load a model with
 * bfloat16 inputs or outputs ("Unsupported data type: 16").
 */
export const ALL_TYPES_DATATYPES: readonly DataType[] = DATATYPES.filter(dt => dt !== 'BF16');

const text = (s: string): Uint8Array => new TextEncoder().encode(s);

/** OUTPUT0 = op0(INPUT0, INPUT1) and OUTPUT1 = op1(INPUT0, INPUT1), all of one type and shape. */
function twoOps(
  name: string,
  dt: DataType,
  shape: readonly Dim[],
  op0: string,
  op1: string,
): Uint8Array {
  return createModelBuilder(name)
    .input('INPUT0', dt, shape)
    .input('INPUT1', dt, shape)
    .node(op0, ['INPUT0', 'INPUT1'], ['OUTPUT0'])
    .node(op1, ['INPUT0', 'INPUT1'], ['OUTPUT1'])
    .output('OUTPUT0', dt, shape)
    .output('OUTPUT1', dt, shape)
    .build();
}

function ioBlock(dataType: string, dims: string): string {
  const tensor = (n: string) => `  - name: ${n}\n    data_type: ${dataType}\n    dims: ${dims}\n`;
  const inputs = tensor('INPUT0') + tensor('INPUT1');
  const outputs = tensor('OUTPUT0') + tensor('OUTPUT1');
  return `input:\n${inputs}output:\n${outputs}`;
}

const SIMPLE_CONFIG = `# yaml-language-server: $schema=../../../ui-schema/model-config.schema.json
# Triton's classic "simple" model. Version 1: OUTPUT0 = INPUT0 + INPUT1, OUTPUT1 = INPUT0 - INPUT1.
# Version 2: OUTPUT0 = INPUT0 * INPUT1, OUTPUT1 = INPUT0 - INPUT1. Both versions are served.
# Written by examples/tools/generate-models.ts; edit the script, not this file.
name: simple
backend: onnxruntime
max_batch_size: 8
version_policy:
  all: {}
${ioBlock('TYPE_FP32', '[16]')}instance_group:
  - count: 1
    kind: KIND_CPU
dynamic_batching:
  max_queue_delay_microseconds: 500
# A model this small runs in microseconds: a hop to a worker thread would cost more than it saves.
parameters:
  execution_thread: { string_value: main }
`;

const ADD_SUB_INT32_CONFIG = `# yaml-language-server: $schema=../../../../ui-schema/model-config.schema.json
# OUTPUT0 = INPUT0 + INPUT1, OUTPUT1 = INPUT0 - INPUT1 on INT32 [4], without batching.
# Written by examples/tools/generate-models.ts; edit the script, not this file.
name: add_sub_int32
backend: onnxruntime
max_batch_size: 0
${ioBlock('TYPE_INT32', '[4]')}`;

const ACCUMULATOR_CONFIG = `# yaml-language-server: $schema=../../../ui-schema/model-config.schema.json
# A stateful model with implicit state: OUTPUT is the running sum of INPUT over a sequence. The
# model itself keeps nothing: it computes ACC_OUT = ACC + INPUT, and the sequence batcher feeds
# ACC_OUT back as ACC on the sequence's next request (zeros on its START). The oldest strategy
# batches the oldest waiting requests of up to 16 sequences, at most one per sequence.
# Written by examples/tools/generate-models.ts; edit the script, not this file.
name: sequence_accumulator
backend: onnxruntime
max_batch_size: 8
input:
  - name: INPUT
    data_type: TYPE_INT32
    dims: [1]
output:
  - name: OUTPUT
    data_type: TYPE_INT32
    dims: [1]
sequence_batching:
  max_sequence_idle_microseconds: 5000000
  oldest:
    max_candidate_sequences: 16
    max_queue_delay_microseconds: 100
  state:
    - input_name: ACC
      output_name: ACC_OUT
      data_type: TYPE_INT32
      dims: [1]
      initial_state:
        - data_type: TYPE_INT32
          dims: [1]
          zero_data: true
instance_group:
  - count: 1
    kind: KIND_CPU
`;

/** ACC_OUT = ACC + INPUT and OUTPUT = ACC_OUT: an accumulator whose state the server keeps. */
function accumulatorModel(): Uint8Array {
  const shape = ['batch', 1];
  return createModelBuilder('sequence_accumulator')
    .input('INPUT', 'INT32', shape)
    .input('ACC', 'INT32', shape)
    .node('Add', ['ACC', 'INPUT'], ['ACC_OUT'])
    .node('Identity', ['ACC_OUT'], ['OUTPUT'])
    .output('OUTPUT', 'INT32', shape)
    .output('ACC_OUT', 'INT32', shape)
    .build();
}

const MLP_SIZE = { inputSize: 64, hidden: 32, outputSize: 8 };

function allTypesModel(): Uint8Array {
  const b = createModelBuilder('all_types');
  for (const dt of ALL_TYPES_DATATYPES) {
    b.input(`IN_${dt}`, dt, ['batch', 3])
      .node('Identity', [`IN_${dt}`], [`OUT_${dt}`])
      .output(`OUT_${dt}`, dt, ['batch', 3]);
  }
  return b.build();
}

function textIdentityModel(): Uint8Array {
  return createModelBuilder('text_identity')
    .input('text', 'BYTES', ['batch', 'length'])
    .node('Identity', ['text'], ['text_out'])
    .output('text_out', 'BYTES', ['batch', 'length'])
    .build();
}

/**
 * Every generated file with its contents, in a fixed order. Pure: no file system access.
 *
 * @example
 * modelFiles().map(f => f.path); // ['examples/model_repository/simple/config.yaml', ...]
 */
export function modelFiles(): GeneratedFile[] {
  const ex = 'examples/model_repository';
  const fx = 'test/fixtures/models';
  const batch16 = ['batch', 16];
  return [
    { path: `${ex}/simple/config.yaml`, bytes: text(SIMPLE_CONFIG) },
    { path: `${ex}/simple/1/model.onnx`, bytes: twoOps('simple', 'FP32', batch16, 'Add', 'Sub') },
    { path: `${ex}/simple/2/model.onnx`, bytes: twoOps('simple', 'FP32', batch16, 'Mul', 'Sub') },
    { path: `${ex}/mlp/1/model.onnx`, bytes: buildMlp({ ...MLP_SIZE, seed: 2024 }) },
    { path: `${ex}/text_identity/1/model.onnx`, bytes: textIdentityModel() },
    { path: `${ex}/sequence_accumulator/config.yaml`, bytes: text(ACCUMULATOR_CONFIG) },
    { path: `${ex}/sequence_accumulator/1/model.onnx`, bytes: accumulatorModel() },
    { path: `${fx}/all_types/1/model.onnx`, bytes: allTypesModel() },
    { path: `${fx}/corrupt/1/model.onnx`, bytes: text('this is not an ONNX model\n') },
    { path: `${fx}/add_sub_int32/config.yaml`, bytes: text(ADD_SUB_INT32_CONFIG) },
    {
      path: `${fx}/add_sub_int32/1/model.onnx`,
      bytes: twoOps('add_sub_int32', 'INT32', [4], 'Add', 'Sub'),
    },
  ];
}

/**
 * Writes every generated file under `root` (a repository root, or a scratch directory) and
 * returns the relative paths written.
 *
 * @example
 * await generateModels('/tmp/scratch'); // writes /tmp/scratch/examples/model_repository/...
 */
export async function generateModels(root: string): Promise<string[]> {
  const files = modelFiles();
  for (const f of files) {
    const target = join(root, f.path);
    await mkdir(dirname(target), { recursive: true });
    await writeFile(target, f.bytes);
  }
  return files.map(f => f.path);
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

if (
  process.argv[1] !== undefined &&
  import.meta.url === pathToFileURL(resolve(process.argv[1])).href
) {
  const written = await generateModels(REPO_ROOT);
  for (const p of written) console.log(`wrote ${p}`);
}
