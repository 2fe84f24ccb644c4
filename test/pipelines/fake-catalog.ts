import { EngineError } from '../../engine/core/errors.js';
import type {
  CatalogCallContext,
  CatalogModel,
  CatalogTensor,
  ModelCatalog,
} from '../../engine/core/model-catalog.js';
import type { InferRequest, InferResponse, ResponseSink } from '../../engine/core/request.js';
import type { Tensor, TensorMap } from '../../engine/core/tensor.js';

/** A model of a {@link FakeCatalog}: its signature and what it computes. */
export interface FakeModel {
  readonly name: string;
  readonly version?: number;
  readonly maxBatchSize?: number;
  readonly inputs: readonly CatalogTensor[];
  readonly outputs: readonly CatalogTensor[];
  readonly run: (inputs: TensorMap, req: InferRequest) => TensorMap | Promise<TensorMap>;
  /** A decoupled model: its responses, in order; `infer` refuses it as the engine does. */
  readonly stream?: (inputs: TensorMap, req: InferRequest) => AsyncIterable<TensorMap>;
}

/**
 * A catalog of in-process models for pipeline tests: records every request, and can hold
 * models unready.
 */
export class FakeCatalog implements ModelCatalog {
  readonly calls: InferRequest[] = [];
  /** The context of each call, in the order of `calls`. */
  readonly contexts: (CatalogCallContext | undefined)[] = [];
  readonly unready = new Set<string>();
  readonly #models: FakeModel[];

  constructor(models: readonly FakeModel[]) {
    this.#models = [...models];
  }

  metadata(name: string, version?: number): Promise<CatalogModel> {
    try {
      const m = this.#find(name, version);
      return Promise.resolve({
        name: m.name,
        version: m.version ?? 1,
        platform: 'fake',
        maxBatchSize: m.maxBatchSize ?? 0,
        inputs: m.inputs,
        outputs: m.outputs,
        ...(m.stream ? { decoupled: true } : {}),
      });
    } catch (e) {
      return Promise.reject(e);
    }
  }

  async infer(req: InferRequest, ctx?: CatalogCallContext): Promise<InferResponse> {
    this.calls.push(req);
    this.contexts.push(ctx);
    const m = this.#find(req.modelName, req.modelVersion);
    if (m.stream) throw new EngineError('UNSUPPORTED', `model '${m.name}' is decoupled`);
    if (req.signal?.aborted) throw new EngineError('CANCELLED', `model '${m.name}': cancelled`);
    for (const i of m.inputs) {
      if (!i.optional && !req.inputs.has(i.name))
        throw new EngineError('INVALID_ARG', `model '${m.name}' missing input '${i.name}'`);
    }
    const all = await m.run(req.inputs, req);
    const names = req.outputs?.map(o => o.name) ?? m.outputs.map(o => o.name);
    const outputs: TensorMap = new Map();
    for (const n of names) {
      const t = all.get(n);
      if (!t) throw new EngineError('INTERNAL', `model '${m.name}' did not produce output '${n}'`);
      outputs.set(n, t);
    }
    return { modelName: m.name, modelVersion: String(m.version ?? 1), outputs };
  }

  /** Runs a decoupled model as the engine does: responses to `sink` until it ends or is cancelled. */
  async stream(req: InferRequest, sink: ResponseSink, ctx?: CatalogCallContext): Promise<void> {
    const m = this.#find(req.modelName, req.modelVersion);
    if (!m.stream) {
      sink(await this.infer(req, ctx));
      return;
    }
    this.calls.push(req);
    this.contexts.push(ctx);
    const names = req.outputs?.map(o => o.name) ?? m.outputs.map(o => o.name);
    for await (const all of m.stream(req.inputs, req)) {
      if (req.signal?.aborted) break;
      const outputs: TensorMap = new Map(
        names.flatMap(n => (all.has(n) ? [[n, all.get(n)!]] : [])),
      );
      sink({ modelName: m.name, modelVersion: String(m.version ?? 1), outputs });
    }
    if (req.signal?.aborted) throw new EngineError('CANCELLED', `model '${m.name}': cancelled`);
  }

  /** Requests sent to one model. */
  callsTo(name: string): InferRequest[] {
    return this.calls.filter(c => c.modelName === name);
  }

  #find(name: string, version?: number): FakeModel {
    if (this.unready.has(name))
      throw new EngineError(
        'UNAVAILABLE',
        `Request for unknown model: '${name}' has no available versions`,
      );
    const m = this.#models.find(
      x => x.name === name && (version === undefined || (x.version ?? 1) === version),
    );
    if (!m) throw new EngineError('NOT_FOUND', `Request for unknown model: '${name}' is not found`);
    return m;
  }
}

/** An FP32 tensor. */
export function fp32(shape: readonly number[], values: readonly number[]): Tensor {
  return { datatype: 'FP32', shape, data: Float32Array.from(values) };
}

/** An INT32 tensor. */
export function int32(shape: readonly number[], values: readonly number[]): Tensor {
  return { datatype: 'INT32', shape, data: Int32Array.from(values) };
}

/** The elements of a fixed-size tensor as plain numbers. */
export function values(t: Tensor | undefined): number[] {
  if (!t) throw new Error('tensor is absent');
  return Array.from(t.data as Float32Array, Number);
}

/** A model that applies `f` to every element of FP32 input `x`, giving output `y`. */
export function elementwise(
  name: string,
  f: (v: number) => number,
  opts: { maxBatchSize?: number; shape?: number[] } = {},
): FakeModel {
  const shape = opts.shape ?? [-1, -1];
  return {
    name,
    ...(opts.maxBatchSize === undefined ? {} : { maxBatchSize: opts.maxBatchSize }),
    inputs: [{ name: 'x', datatype: 'FP32', shape }],
    outputs: [{ name: 'y', datatype: 'FP32', shape }],
    run: inputs => {
      const x = inputs.get('x')!;
      return new Map([
        ['y', { datatype: 'FP32', shape: x.shape, data: (x.data as Float32Array).map(f) }],
      ]);
    },
  };
}
