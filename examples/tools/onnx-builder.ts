import onnxProto from 'onnx-proto';
import { endianness } from 'node:os';
import type { DataType } from '../../engine/core/datatype.js';

/*
 * A small ModelProto writer for the example and fixture models. It covers what those models
 * need (typed graph I/O with symbolic dims, float initializers, plain nodes with attributes)
 * and nothing more; anything bigger belongs in a real exporter.
 */

const { onnx } = onnxProto;

/** ONNX opset the generated models import; ONNX Runtime 1.30 runs it on every provider. */
export const DEFAULT_OPSET = 17;
/** IR version of the generated files (the newest the bundled onnx-proto schema knows). */
export const IR_VERSION = 8;

// TensorProto.DataType numbers from onnx.proto.
const ELEM_TYPE: Readonly<Record<DataType, number>> = {
  FP32: 1,
  UINT8: 2,
  INT8: 3,
  UINT16: 4,
  INT16: 5,
  INT32: 6,
  INT64: 7,
  BYTES: 8,
  BOOL: 9,
  FP16: 10,
  FP64: 11,
  UINT32: 12,
  UINT64: 13,
  BF16: 16,
};

/**
 * The ONNX element type number of a protocol datatype (BYTES is ONNX `string`).
 *
 * @example
 * onnxElemType('FP32'); // 1
 */
export function onnxElemType(dt: DataType): number {
  return ELEM_TYPE[dt];
}

/** A dimension: a fixed size, or a symbolic name such as `'batch'` for a dynamic one. */
export type Dim = number | string;

/** A node attribute; the key says which ONNX attribute type is written. */
export type AttributeValue =
  | { readonly int: number }
  | { readonly float: number }
  | { readonly ints: readonly number[] }
  | { readonly floats: readonly number[] }
  | { readonly string: string };

/** Options of {@link OnnxModelBuilder.node}. */
export interface NodeOptions {
  readonly name?: string;
  readonly attributes?: Readonly<Record<string, AttributeValue>>;
}

/** Options of {@link createModelBuilder}. */
export interface ModelBuilderOptions {
  /** Default {@link DEFAULT_OPSET}. */
  readonly opset?: number;
  readonly docString?: string;
}

type AttributeProps = Parameters<typeof onnx.AttributeProto.create>[0] & object;

function attributeProps(v: AttributeValue): AttributeProps {
  const T = onnx.AttributeProto.AttributeType;
  if ('int' in v) return { type: T.INT, i: v.int };
  if ('float' in v) return { type: T.FLOAT, f: v.float };
  if ('ints' in v) return { type: T.INTS, ints: [...v.ints] };
  if ('floats' in v) return { type: T.FLOATS, floats: [...v.floats] };
  return { type: T.STRING, s: new TextEncoder().encode(v.string) };
}

function valueInfo(name: string, dt: DataType, shape: readonly Dim[]) {
  const dim = shape.map(d => (typeof d === 'number' ? { dimValue: d } : { dimParam: d }));
  return onnx.ValueInfoProto.create({
    name,
    type: { tensorType: { elemType: ELEM_TYPE[dt], shape: { dim } } },
  });
}

/**
 * Accumulates one graph and encodes it as ONNX ModelProto bytes. Encoding is deterministic:
 * the same calls give the same bytes.
 */
export class OnnxModelBuilder {
  readonly #name: string;
  readonly #opts: ModelBuilderOptions;
  readonly #inputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  readonly #outputs: InstanceType<typeof onnx.ValueInfoProto>[] = [];
  readonly #initializers: InstanceType<typeof onnx.TensorProto>[] = [];
  readonly #nodes: InstanceType<typeof onnx.NodeProto>[] = [];

  constructor(name: string, opts: ModelBuilderOptions = {}) {
    this.#name = name;
    this.#opts = opts;
  }

  /** Declares a graph input. */
  input(name: string, dt: DataType, shape: readonly Dim[]): this {
    this.#inputs.push(valueInfo(name, dt, shape));
    return this;
  }

  /** Declares a graph output. */
  output(name: string, dt: DataType, shape: readonly Dim[]): this {
    this.#outputs.push(valueInfo(name, dt, shape));
    return this;
  }

  /** Adds a float initializer (a constant weight), stored as little-endian raw data. */
  initializer(name: string, dims: readonly number[], data: Float32Array): this {
    const expected = dims.reduce((a, b) => a * b, 1);
    if (data.length !== expected) {
      const want = `dims [${dims.join(',')}] need ${expected} floats`;
      throw new Error(`initializer '${name}': ${want}, got ${data.length}`);
    }
    // ONNX raw_data is little-endian; a view avoids copying multi-megabyte weights twice.
    if (endianness() !== 'LE') throw new Error('raw initializers need a little-endian host');
    const rawData = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
    const dataType = ELEM_TYPE.FP32;
    this.#initializers.push(onnx.TensorProto.create({ name, dims: [...dims], dataType, rawData }));
    return this;
  }

  /** Adds a node of the default ONNX domain, e.g. `node('Add', ['a', 'b'], ['c'])`. */
  node(
    opType: string,
    inputs: readonly string[],
    outputs: readonly string[],
    opts: NodeOptions = {},
  ): this {
    const attribute = Object.entries(opts.attributes ?? {}).map(([k, v]) =>
      onnx.AttributeProto.create({ name: k, ...attributeProps(v) }),
    );
    const name = opts.name ?? `${opType.toLowerCase()}_${this.#nodes.length}`;
    const node = { name, opType, input: [...inputs], output: [...outputs], attribute };
    this.#nodes.push(onnx.NodeProto.create(node));
    return this;
  }

  /** Encodes the model. */
  build(): Uint8Array {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      producerName: 'braid-examples',
      opsetImport: [{ domain: '', version: this.#opts.opset ?? DEFAULT_OPSET }],
      docString: this.#opts.docString ?? '',
      graph: {
        name: this.#name,
        input: this.#inputs,
        output: this.#outputs,
        initializer: this.#initializers,
        node: this.#nodes,
      },
    });
    return onnx.ModelProto.encode(model).finish();
  }
}

/**
 * Starts a model with one graph named `name`.
 *
 * @example
 * const bytes = createModelBuilder('add')
 *   .input('a', 'FP32', ['batch', 4]).input('b', 'FP32', ['batch', 4])
 *   .node('Add', ['a', 'b'], ['c'])
 *   .output('c', 'FP32', ['batch', 4])
 *   .build();
 */
export function createModelBuilder(name: string, opts: ModelBuilderOptions = {}): OnnxModelBuilder {
  return new OnnxModelBuilder(name, opts);
}

/**
 * A seeded PRNG (mulberry32) returning floats in [0, 1). The same seed gives the same
 * sequence on every platform, which keeps generated weights byte-identical.
 *
 * @example
 * const next = seededRandom(42); next(); // 0.6011...
 */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uniform(n: number, bound: number, next: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (next() * 2 - 1) * bound;
  return out;
}

/** Options of {@link buildMlp}. */
export interface MlpOptions {
  readonly inputSize: number;
  readonly hidden: number;
  readonly outputSize: number;
  readonly seed: number;
  /** Default `'x'`. */
  readonly inputName?: string;
  /** Default `'y'`. */
  readonly outputName?: string;
  /** Graph name, default `'mlp'`. */
  readonly name?: string;
}

/**
 * A two-layer perceptron `y = relu(x·W1 + b1)·W2 + b2` over FP32 with a dynamic batch
 * dimension, weights drawn uniformly in ±1/√fan_in from a seeded PRNG (so outputs stay near
 * unit scale). Builds a 512→2048→512 model (about 2.1M floats, 8 MB) in well under a second.
 *
 * @example
 * const bytes = buildMlp({ inputSize: 64, hidden: 32, outputSize: 8, seed: 1 });
 */
export function buildMlp(opts: MlpOptions): Uint8Array {
  const { inputSize, hidden, outputSize } = opts;
  const x = opts.inputName ?? 'x';
  const y = opts.outputName ?? 'y';
  const next = seededRandom(opts.seed);
  const b1 = 1 / Math.sqrt(inputSize);
  const b2 = 1 / Math.sqrt(hidden);
  return createModelBuilder(opts.name ?? 'mlp')
    .input(x, 'FP32', ['batch', inputSize])
    .output(y, 'FP32', ['batch', outputSize])
    .initializer('W1', [inputSize, hidden], uniform(inputSize * hidden, b1, next))
    .initializer('B1', [hidden], uniform(hidden, b1, next))
    .initializer('W2', [hidden, outputSize], uniform(hidden * outputSize, b2, next))
    .initializer('B2', [outputSize], uniform(outputSize, b2, next))
    .node('MatMul', [x, 'W1'], ['h0'])
    .node('Add', ['h0', 'B1'], ['h1'])
    .node('Relu', ['h1'], ['h2'])
    .node('MatMul', ['h2', 'W2'], ['o0'])
    .node('Add', ['o0', 'B2'], [y])
    .build();
}
