import { EngineError } from '../../../engine/core/errors.js';
import { ModelConfigSchema } from '../../../engine/core/model-config.js';
import type { ModelConfig } from '../../../engine/core/model-config.js';
import type { InferRequest, InferResponse } from '../../../engine/core/request.js';
import type { Tensor, TensorMap } from '../../../engine/core/tensor.js';
import type {
  InferenceEngine,
  LoadOptions,
  ModelMetadata,
  RepositoryIndexEntry,
  ServerMetadata,
  TensorMetadata,
} from '../../../engine/runtime/types.js';
import { StatsRecorder } from '../../../engine/scheduling/stats.js';
import type { ModelStatistics } from '../../../engine/scheduling/stats.js';

/** What a fake model computes: `echo` returns INPUTn as OUTPUTn; `add_sub` returns a+b and a-b. */
export type FakeKind = 'echo' | 'add_sub';

/** Declaration of one fake model. */
export interface FakeModelSpec {
  readonly name: string;
  readonly kind: FakeKind;
  readonly versions?: readonly number[];
  readonly inputs: readonly TensorMetadata[];
  readonly outputs: readonly TensorMetadata[];
}

/** Behaviour a test scripts for one model's infer calls. */
export interface InferScript {
  /** Thrown by every infer call. */
  readonly error?: unknown;
  /** Infer waits this long (real timers) before answering, and rejects CANCELLED on abort. */
  readonly delayMs?: number;
  /** Infer never answers until its signal aborts. */
  readonly hang?: boolean;
  /** Infer answers once this settles, or rejects CANCELLED when its signal aborts first. */
  readonly gate?: Promise<void>;
}

interface FakeModel {
  readonly spec: FakeModelSpec;
  readonly ready: Map<number, boolean>;
}

/**
 * An InferenceEngine with in-memory models, for frontend tests. It records every call and lets
 * tests script readiness, failures and slowness.
 */
export class FakeEngine implements InferenceEngine {
  live = true;
  ready = true;
  metadata: ServerMetadata = {
    name: 'braid',
    version: '0.1.0',
    extensions: ['binary_tensor_data', 'statistics'],
  };
  /** Rows added after the models' own rows, e.g. never-loaded models (`{name}` only). */
  extraIndexRows: RepositoryIndexEntry[] = [];
  /** Thrown by load() when set. */
  loadError: unknown;
  /** When set, load() waits for it before finishing: a slow request that needs no codec. */
  loadGate: Promise<void> | undefined;
  readonly inferCalls: InferRequest[] = [];
  readonly loadCalls: { name: string; opts: LoadOptions | undefined }[] = [];
  readonly unloadCalls: string[] = [];
  readonly indexCalls: boolean[] = [];
  readonly statsCalls: { name: string | undefined; version: number | undefined }[] = [];
  readonly #models = new Map<string, FakeModel>();
  readonly #scripts = new Map<string, InferScript>();
  readonly #stats = new Map<string, StatsRecorder>();
  readonly #inferStarted: ((req: InferRequest) => void)[] = [];
  readonly #loadStarted: ((name: string) => void)[] = [];

  addModel(spec: FakeModelSpec): this {
    const versions = spec.versions ?? [1];
    this.#models.set(spec.name, { spec, ready: new Map(versions.map(v => [v, true])) });
    for (const v of versions)
      this.#stats.set(`${spec.name}/${v}`, new StatsRecorder(spec.name, String(v)));
    return this;
  }

  setModelReady(name: string, ready: boolean, version?: number): void {
    const m = this.#model(name);
    for (const v of m.ready.keys())
      if (version === undefined || v === version) m.ready.set(v, ready);
  }

  script(name: string, script: InferScript): void {
    this.#scripts.set(name, script);
  }

  /** The statistics recorder of a model version, to record fake activity. */
  recorder(name: string, version = 1): StatsRecorder {
    const r = this.#stats.get(`${name}/${version}`);
    if (!r) throw new Error(`no recorder for ${name}/${version}`);
    return r;
  }

  /** Resolves with the next request that reaches infer(). */
  nextInfer(): Promise<InferRequest> {
    return new Promise(resolve => this.#inferStarted.push(resolve));
  }

  /** Resolves with the model name of the next load() call. */
  nextLoad(): Promise<string> {
    return new Promise(resolve => this.#loadStarted.push(resolve));
  }

  async infer(req: InferRequest): Promise<InferResponse> {
    this.inferCalls.push(req);
    for (const notify of this.#inferStarted.splice(0)) notify(req);
    const model = this.#model(req.modelName);
    const version = this.#readyVersion(model, req.modelVersion);
    const script = this.#scripts.get(req.modelName) ?? {};
    if (script.error !== undefined) throw script.error;
    if (script.hang || script.delayMs !== undefined)
      await wait(script.hang ? undefined : script.delayMs, req);
    if (script.gate) await Promise.race([script.gate, wait(undefined, req)]);
    const outputs = compute(model.spec, req.inputs);
    const wanted = req.outputs?.map(o => o.name);
    const selected: TensorMap = new Map(
      [...outputs].filter(([n]) => !wanted || wanted.includes(n)),
    );
    return {
      id: req.id,
      modelName: req.modelName,
      modelVersion: String(version),
      outputs: selected,
    };
  }

  /** One response, as a model that is not decoupled answers a stream. */
  async stream(req: InferRequest, sink: (res: InferResponse) => void): Promise<void> {
    sink(await this.infer(req));
  }

  serverMetadata(): ServerMetadata {
    return this.metadata;
  }

  isLive(): boolean {
    return this.live;
  }

  isReady(): boolean {
    return this.ready;
  }

  modelMetadata(name: string, version?: number): ModelMetadata {
    const m = this.#model(name);
    if (version !== undefined) this.#version(m, version);
    const versions =
      version !== undefined ? [version] : [...m.ready].filter(([, r]) => r).map(([v]) => v);
    const { inputs, outputs } = m.spec;
    return { name, versions: versions.map(String), platform: 'fake', inputs, outputs };
  }

  modelConfig(name: string, version?: number): ModelConfig {
    const m = this.#model(name);
    if (version !== undefined) this.#version(m, version);
    const io = (t: TensorMetadata) => ({
      name: t.name,
      data_type: `TYPE_${t.datatype}`,
      dims: t.shape.slice(1),
    });
    return ModelConfigSchema.parse({
      name,
      backend: 'fake',
      max_batch_size: 8,
      input: m.spec.inputs.map(io),
      output: m.spec.outputs.map(io),
    });
  }

  isModelReady(name: string, version?: number): boolean {
    const m = this.#models.get(name);
    if (!m) return false;
    if (version === undefined) return [...m.ready.values()].some(Boolean);
    return m.ready.get(version) === true;
  }

  statistics(name?: string, version?: number): ModelStatistics[] {
    this.statsCalls.push({ name, version });
    if (name !== undefined) {
      const m = this.#model(name);
      if (version !== undefined) this.#version(m, version);
    }
    return [...this.#stats.values()]
      .filter(
        r =>
          (name === undefined || r.name === name) &&
          (version === undefined || r.version === String(version)),
      )
      .map(r => r.snapshot());
  }

  async repositoryIndex(readyOnly: boolean): Promise<RepositoryIndexEntry[]> {
    this.indexCalls.push(readyOnly);
    const rows: RepositoryIndexEntry[] = [];
    for (const [name, m] of this.#models) {
      for (const [v, r] of m.ready) {
        if (!readyOnly || r)
          rows.push({ name, version: String(v), state: r ? 'READY' : 'UNAVAILABLE' });
      }
    }
    return readyOnly ? rows : [...rows, ...this.extraIndexRows];
  }

  async load(name: string, opts?: LoadOptions): Promise<void> {
    this.loadCalls.push({ name, opts });
    for (const notify of this.#loadStarted.splice(0)) notify(name);
    if (this.loadGate) await this.loadGate;
    if (this.loadError !== undefined) throw this.loadError;
    if (this.#models.has(name)) this.setModelReady(name, true);
  }

  async unload(name: string): Promise<void> {
    this.unloadCalls.push(name);
    this.setModelReady(name, false);
  }

  async shutdown(): Promise<void> {
    this.ready = false;
  }

  #model(name: string): FakeModel {
    const m = this.#models.get(name);
    if (!m) throw new EngineError('NOT_FOUND', `Request for unknown model: '${name}' is not found`);
    return m;
  }

  #version(m: FakeModel, version: number): void {
    if (!m.ready.has(version)) {
      throw new EngineError(
        'NOT_FOUND',
        `Request for unknown model: '${m.spec.name}' version ${version} is not found`,
      );
    }
  }

  #readyVersion(m: FakeModel, version: number | undefined): number {
    if (version !== undefined) this.#version(m, version);
    const ready = [...m.ready]
      .filter(([v, r]) => r && (version === undefined || v === version))
      .map(([v]) => v);
    if (ready.length === 0)
      throw new EngineError('UNAVAILABLE', `model '${m.spec.name}' is not ready`);
    return Math.max(...ready);
  }
}

function wait(ms: number | undefined, req: InferRequest): Promise<void> {
  return new Promise((resolve, reject) => {
    const cancelled = () => {
      clearTimeout(timer);
      reject(new EngineError('CANCELLED', `request for model '${req.modelName}' was cancelled`));
    };
    const timer =
      ms === undefined
        ? undefined
        : setTimeout(() => {
            req.signal?.removeEventListener('abort', cancelled);
            resolve();
          }, ms);
    if (req.signal?.aborted) cancelled();
    else req.signal?.addEventListener('abort', cancelled, { once: true });
  });
}

function compute(spec: FakeModelSpec, inputs: TensorMap): TensorMap {
  if (spec.kind === 'echo') {
    return new Map([...inputs].map(([name, t]) => [name.replace(/^INPUT/, 'OUTPUT'), t]));
  }
  const a = inputs.get('INPUT0');
  const b = inputs.get('INPUT1');
  if (!a || !b)
    throw new EngineError('INVALID_ARG', `model '${spec.name}' expects inputs INPUT0 and INPUT1`);
  return new Map([
    ['OUTPUT0', combine(a, b, (x, y) => x + y)],
    ['OUTPUT1', combine(a, b, (x, y) => x - y)],
  ]);
}

function combine(a: Tensor, b: Tensor, op: (x: number, y: number) => number): Tensor {
  const x = a.data as Int32Array | Float32Array;
  const y = b.data as Int32Array | Float32Array;
  const out = x instanceof Int32Array ? new Int32Array(x.length) : new Float32Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = op(x[i]!, y[i]!);
  return { datatype: a.datatype, shape: a.shape, data: out };
}
