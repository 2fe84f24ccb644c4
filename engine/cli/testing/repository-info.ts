/**
 * @module What tests need to know about a model repository without loading it: which models
 * are pipelines and where their files are, what each calls, the modules a pipeline runs, and
 * the signature of a model that stubs replace (read from its config, so it is never loaded).
 */
import { access, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseDocument } from 'yaml';
import type { AnyBackend } from '../../core/backend.js';
import { EngineError } from '../../core/errors.js';
import type { CatalogModel } from '../../core/model-catalog.js';
import { DEFAULT_MAX_BATCH_SIZE, scanRepository } from '../../repository/index.js';
import type { RepositoryModel, RepositoryScan } from '../../repository/index.js';
import { catalogModel } from '../../runtime/load-order.js';
import { prepareVersion } from '../../runtime/load-version.js';
import { modelDependencies, readConfig } from '../../runtime/model-loader.js';
import { PIPELINE_FILENAME } from '../../../pipelines/index.js';

/**
 * A scanned repository and the facts tests read from it.
 *
 * @example
 * const repo = await RepositoryInfo.read('examples/model_repository', backends);
 * await repo.dependencies('ocr'); // ['ocr_preprocess', 'ocr_det', ...]
 */
export class RepositoryInfo {
  readonly root: string;
  readonly #scan: RepositoryScan;
  readonly #backends: readonly AnyBackend[];
  readonly #signatures = new Map<string, Promise<CatalogModel>>();

  private constructor(root: string, scan: RepositoryScan, backends: readonly AnyBackend[]) {
    this.root = root;
    this.#scan = scan;
    this.#backends = backends;
  }

  static async read(root: string, backends: readonly AnyBackend[]): Promise<RepositoryInfo> {
    return new RepositoryInfo(path.resolve(root), await scanRepository(root), backends);
  }

  /** Every model name, sorted. */
  get names(): string[] {
    return [...this.#scan.models.keys()].sort();
  }

  has(name: string): boolean {
    return this.#scan.models.has(name);
  }

  /** The version tests use: the one asked for, else the highest. */
  version(name: string, version?: number): number | undefined {
    const m = this.#scan.models.get(name);
    if (!m) return undefined;
    return version ?? m.versions.at(-1);
  }

  /** The pipeline file of a version, when `name` is a pipeline. */
  async pipelineFile(name: string, version?: number): Promise<string | undefined> {
    const m = this.#scan.models.get(name);
    const v = this.version(name, version);
    if (!m || v === undefined) return undefined;
    const file = path.join(m.dir, String(v), PIPELINE_FILENAME);
    return (await access(file).then(
      () => true,
      () => false,
    ))
      ? file
      : undefined;
  }

  /** The models `name` calls directly (none for an ordinary model). */
  async dependencies(name: string): Promise<string[]> {
    const m = this.#scan.models.get(name);
    if (!m) return [];
    const deps = await modelDependencies(m, { backends: this.#backends, strictModelConfig: false });
    return [...new Set((deps ?? []).map(d => d.name))];
  }

  /** Absolute paths of the modules a pipeline's `module:` steps run. */
  async pipelineModules(name: string, version?: number): Promise<string[]> {
    const file = await this.pipelineFile(name, version);
    if (!file) return [];
    const raw = parseDocument(await readFile(file, 'utf8')).toJS() as {
      steps?: { module?: unknown }[];
    } | null;
    const steps = Array.isArray(raw?.steps) ? raw.steps : [];
    return steps.flatMap(s =>
      typeof s?.module === 'string' ? [path.resolve(path.dirname(file), s.module)] : [],
    );
  }

  /**
   * The signature of a model as the catalog would report it once loaded, from its config, or
   * from its model file when the config leaves inputs or outputs to auto-complete.
   */
  signature(name: string, version?: number): Promise<CatalogModel> {
    const key = `${name}@${version ?? ''}`;
    let sig = this.#signatures.get(key);
    if (!sig) {
      sig = this.#readSignature(name, version);
      this.#signatures.set(key, sig);
    }
    return sig;
  }

  async #readSignature(name: string, version?: number): Promise<CatalogModel> {
    const m: RepositoryModel | undefined = this.#scan.models.get(name);
    const v = this.version(name, version);
    if (!m || v === undefined)
      throw new EngineError(
        'NOT_FOUND',
        `model '${name}'${version === undefined ? '' : ` version ${version}`} is not in the repository ${this.root}`,
      );
    const { config, explicitMaxBatch } = await readConfig(
      m,
      { strictModelConfig: false },
      undefined,
    );
    if (config.input.length > 0 && config.output.length > 0 && explicitMaxBatch)
      return catalogModel(config, name, v);
    const prepared = await prepareVersion(m, v, config, explicitMaxBatch, {
      backends: this.#backends,
      defaultMaxBatchSize: DEFAULT_MAX_BATCH_SIZE,
      gpuCount: 0,
    });
    return catalogModel(prepared.config, name, v);
  }
}
