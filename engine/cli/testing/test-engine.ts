/**
 * @module A Braid engine built for tests, in-process: the repository's models with the same
 * backends `braid serve` uses, loading only what the tested models call, stubs answering in
 * place of the models and modules they replace, a clock that jumps over stub delays, and every
 * pipeline step's outcome recorded. No HTTP: requests go straight to the engine.
 */
import path from 'node:path';
import { createJsBackend } from '../../../backends/js/index.js';
import { createOnnxRuntimeBackend } from '../../../backends/onnxruntime/index.js';
import { createPipelineBackend } from '../../../pipelines/index.js';
import type { StepEvent } from '../../../pipelines/index.js';
import type { AnyBackend } from '../../core/backend.js';
import { EngineError, toEngineError } from '../../core/errors.js';
import { noopLogger } from '../../core/logger.js';
import type { ModelCatalog } from '../../core/model-catalog.js';
import { createEngine } from '../../runtime/engine.js';
import type { Engine } from '../../runtime/engine.js';
import { httpStatusOf } from '../../server/errors.js';
import { planLoads } from './load-plan.js';
import { RepositoryInfo } from './repository-info.js';
import { fromStepEvent } from './step-records.js';
import { StubRuntime } from './stub-runtime.js';
import { stubbingCatalog, stubbingModules } from './stub-wiring.js';
import { activeStubs, compileStubs, isModuleKey } from './stubs.js';
import type { CompiledStub, StubMap } from './stubs.js';
import { toTensorMap } from './test-requests.js';
import type {
  TestEngineOptions,
  TestInferOptions,
  TestInputs,
  TestOutcome,
  TestResponse,
} from './test-requests.js';
import { WarpClock } from './warp-clock.js';

/**
 * Builds a test engine over a repository. Close it when done.
 *
 * @example
 * const t = await createTestEngine({ repository: 'examples/model_repository', models: ['ocr'], stubs: { ocr_cls: { error: 'UNAVAILABLE' } } });
 * await expect(t.infer('ocr', { IMAGE: { datatype: 'BYTES', shape: [1], file: 'examples/images/sign.png' } })).rejects.toThrow("step 'orient'");
 * await t.close();
 */
export async function createTestEngine(opts: TestEngineOptions): Promise<TestEngine> {
  return TestEngine.create(opts);
}

/** See {@link createTestEngine}. Requests run one at a time, so their step records stay apart. */
export class TestEngine {
  readonly repository: RepositoryInfo;
  readonly clock: WarpClock;
  readonly #engine: Engine;
  readonly #runtime: StubRuntime;
  readonly #baseDir: string;
  readonly #stubs: ReadonlyMap<string, CompiledStub>;
  readonly #events: StepEvent[][] = [];
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(parts: {
    repository: RepositoryInfo;
    clock: WarpClock;
    engine: Engine;
    runtime: StubRuntime;
    baseDir: string;
    stubs: ReadonlyMap<string, CompiledStub>;
    events: StepEvent[][];
  }) {
    this.repository = parts.repository;
    this.clock = parts.clock;
    this.#engine = parts.engine;
    this.#runtime = parts.runtime;
    this.#baseDir = parts.baseDir;
    this.#stubs = parts.stubs;
    this.#events = parts.events;
  }

  static create(opts: TestEngineOptions): Promise<TestEngine> {
    return held(TestEngine.#create(opts));
  }

  static async #create(opts: TestEngineOptions): Promise<TestEngine> {
    const logger = opts.logger ?? noopLogger;
    const baseDir = path.resolve(opts.baseDir ?? '.');
    const clock = new WarpClock();
    const js = createJsBackend({ logger, clock });
    const ort = createOnnxRuntimeBackend({ logger });
    const runtime = new StubRuntime({ clock, js });
    const describeOnly = [
      ort,
      js,
      createPipelineBackend({ catalog: UNUSED_CATALOG, modules: js, logger }),
    ];
    const repository = await RepositoryInfo.read(opts.repository, describeOnly);
    const stubs = await compileStubs(opts.stubs ?? {}, baseDir);
    const targets =
      opts.targets ??
      (opts.models ?? repository.names).map(model => ({ model, stubSets: [opts.stubs ?? {}] }));
    const plan = await planLoads(targets, m => repository.dependencies(m));
    const unloaded = new Set(plan.unloaded);
    const events: StepEvent[][] = [];
    const backends = (catalog: ModelCatalog): AnyBackend[] => [
      ort,
      js,
      createPipelineBackend({
        catalog: stubbingCatalog(catalog, {
          runtime,
          unloaded,
          signature: (n, v) => repository.signature(n, v),
        }),
        modules: stubbingModules(js, runtime),
        clock,
        logger,
        observer: { onStep: e => events.at(-1)?.push(e) },
      }),
    ];
    const engine = await createEngine({
      modelRepository: repository.root,
      controlMode: 'explicit',
      loadModels: [...plan.load],
      backends,
      clock,
      logger,
    });
    return new TestEngine({ repository, clock, engine, runtime, baseDir, stubs, events });
  }

  /** Whether `model` is loaded and ready. */
  isReady(model: string, version?: number): boolean {
    return this.#engine.isModelReady(model, version);
  }

  /** Why a model is not ready (its load error, and those of the models it calls), if it is not. */
  async notReadyReason(model: string): Promise<string | undefined> {
    if (this.#engine.isModelReady(model)) return undefined;
    if (!this.repository.has(model))
      return `there is no model '${model}' in ${this.repository.root}`;
    const rows = await this.#engine.repositoryIndex(false);
    const reason = (name: string) =>
      rows.find(r => r.name === name && r.reason !== undefined)?.reason;
    const own = reason(model) ?? 'it was not loaded';
    const deps = (await this.repository.dependencies(model)).filter(
      d => !this.#engine.isModelReady(d) && reason(d) !== undefined,
    );
    return [own, ...deps.map(d => `model '${d}' did not load: ${reason(d)}`)].join('\n');
  }

  /** Runs one request and reports how it went, failure included. */
  run(model: string, inputs: TestInputs, opts: TestInferOptions = {}): Promise<TestOutcome> {
    const next = this.#queue.then(() => held(this.#run(model, inputs, opts)));
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Runs one request; rejects with the engine's error when it fails. */
  async infer(
    model: string,
    inputs: TestInputs,
    opts: TestInferOptions = {},
  ): Promise<TestResponse> {
    const o = await this.run(model, inputs, opts);
    if (!o.ok) throw o.error;
    return o;
  }

  /** Unloads everything and stops the workers. Idempotent. */
  close(): Promise<void> {
    return held(this.#engine.shutdown(10_000).then(() => this.#runtime.dispose()));
  }

  async #run(model: string, inputs: TestInputs, opts: TestInferOptions): Promise<TestOutcome> {
    const baseDir = opts.baseDir === undefined ? this.#baseDir : path.resolve(opts.baseDir);
    const start = this.clock.now();
    const events: StepEvent[] = [];
    let release: (() => void) | undefined;
    try {
      const tensors = await toTensorMap(inputs, baseDir);
      const layer =
        opts.stubs instanceof Map
          ? (opts.stubs as ReadonlyMap<string, CompiledStub>)
          : await compileStubs((opts.stubs ?? {}) as StubMap, baseDir);
      const stubs = await this.#activeStubs(model, opts.version, [this.#stubs, layer]);
      release = stubs ? this.#runtime.activate(stubs) : undefined;
      this.#events.push(events);
      const res = await this.#engine.infer({
        modelName: model,
        inputs: tensors,
        ...(opts.version === undefined ? {} : { modelVersion: opts.version }),
        ...(opts.parameters ? { parameters: opts.parameters } : {}),
        ...(opts.outputs ? { outputs: opts.outputs.map(name => ({ name })) } : {}),
      });
      return {
        ok: true,
        model,
        outputs: res.outputs,
        steps: events.map(fromStepEvent),
        durationMs: this.clock.now() - start,
      };
    } catch (e) {
      const error = await this.#explain(model, toEngineError(e));
      return {
        ok: false,
        error,
        status: httpStatusOf(error.code),
        steps: events.map(fromStepEvent),
        durationMs: this.clock.now() - start,
      };
    } finally {
      release?.();
      const i = this.#events.indexOf(events);
      if (i >= 0) this.#events.splice(i, 1);
    }
  }

  /** The stubs for a request to `model`, checked against what it can call; undefined when none. */
  async #activeStubs(
    model: string,
    version: number | undefined,
    layers: ReadonlyMap<string, CompiledStub>[],
  ) {
    if (layers.every(l => l.size === 0)) return undefined;
    const pipelineFile = await this.repository.pipelineFile(model, version);
    const modules = new Set(await this.repository.pipelineModules(model, version));
    const stubs = activeStubs(
      layers,
      pipelineFile === undefined ? undefined : path.dirname(pipelineFile),
    );
    for (const layer of layers) {
      for (const key of layer.keys()) {
        if (!isModuleKey(key) && !this.repository.has(key))
          throw new EngineError(
            'INVALID_ARG',
            `stub '${key}' replaces nothing: there is no model '${key}' in ${this.repository.root}`,
          );
      }
    }
    for (const file of stubs.modules.keys()) {
      if (!modules.has(file)) {
        const known = [...modules].map(m => path.relative(path.dirname(pipelineFile ?? '.'), m));
        throw new EngineError(
          'INVALID_ARG',
          `a module stub names ${file}, which ${pipelineFile ? `pipeline '${model}' does not run (its modules: ${known.join(', ') || 'none'})` : `'${model}' cannot run: it is not a pipeline`}`,
        );
      }
    }
    return stubs;
  }

  async #explain(model: string, e: EngineError): Promise<EngineError> {
    if (e.code !== 'NOT_FOUND' && e.code !== 'UNAVAILABLE') return e;
    const why = await this.notReadyReason(model).catch(() => undefined);
    return why === undefined
      ? e
      : new EngineError(e.code, `${e.message} (model '${model}' is not ready: ${why})`, {
          cause: e,
        });
  }
}

/** Signatures are read from files when only describing; nothing calls a model through this. */
const UNUSED_CATALOG: ModelCatalog = {
  metadata: name =>
    Promise.reject(new EngineError('UNAVAILABLE', `model '${name}': no catalog while describing`)),
  infer: req =>
    Promise.reject(
      new EngineError('UNAVAILABLE', `model '${req.modelName}': no catalog while describing`),
    ),
};

/**
 * Keeps the process alive until `work` settles. The engine's timers and model workers do not
 * hold it open (a server has its sockets for that), so a script awaiting a request would
 * otherwise end in the middle of it.
 */
async function held<T>(work: Promise<T>): Promise<T> {
  const hold = setInterval(() => undefined, 1 << 30);
  try {
    return await work;
  } finally {
    clearInterval(hold);
  }
}
