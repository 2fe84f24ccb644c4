/**
 * @module Models loaded from files sent with the load request (`file:<version>/<name>` load
 * parameters), as Triton's repository manager handles them (core
 * src/model_repository_manager/model_repository_manager.cc, `LocalizeRepoAgent`): the files are
 * written into a private temporary model directory, never outside it, and the model is loaded
 * from there instead of the repository. The directory lives as long as that load serves the
 * model: it is removed when the model is unloaded, reloaded from anywhere else, or the server
 * stops, and at once when the load fails.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { quote } from '../core/client-value.js';
import { EngineError } from '../core/errors.js';
import { checkModelPath } from '../core/model-path.js';
import { scanRepository, type RepositoryModel } from '../repository/index.js';

/** Triton's prefix of file load parameters. */
export const FILE_PARAMETER_PREFIX = 'file:';

/** A written override: the temporary root that holds it and the model directory in it. */
export interface OverrideModel {
  readonly root: string;
  readonly model: RepositoryModel;
}

/**
 * The temporary directories of models loaded from request files, by model name.
 *
 * @example
 * const written = await overrides.write('m', new Map([['file:1/model.onnx', bytes]]));
 * try { await load(written.model); } catch (e) { await overrides.discard(written); throw e; }
 * await overrides.adopt('m', written);
 */
export class OverrideModels {
  readonly #roots = new Map<string, string>();

  /**
   * Writes `files` (load parameter name → content) into a new temporary model directory named
   * `name`. Throws INVALID_ARG, naming the parameter, for a name that would leave the model
   * directory or collides with another file, and for a model name that is not one path segment.
   */
  async write(name: string, files: ReadonlyMap<string, Uint8Array>): Promise<OverrideModel> {
    const fail = (why: string) =>
      new EngineError('INVALID_ARG', `load failed for model ${quote(name)}: ${why}`);
    if (name === '' || name === '.' || name === '..' || /[/\\\0]/.test(name)) {
      throw fail('the model name must be one path segment to be loaded from file parameters');
    }
    const root = await mkdtemp(path.join(tmpdir(), 'braid-override-'));
    const dir = path.join(root, name);
    try {
      await mkdir(dir);
      for (const [key, content] of files) {
        const check = checkModelPath(key.slice(FILE_PARAMETER_PREFIX.length));
        if (!check.ok) throw fail(`file parameter ${quote(key)}: ${check.problem}`);
        if (check.path === '') throw fail(`file parameter ${quote(key)} names no file`);
        const target = path.join(dir, ...check.path.split('/'));
        await writeFile(target, content, { flag: 'wx' }).catch(async (e: NodeJS.ErrnoException) => {
          if (e.code !== 'ENOENT') throw e;
          await mkdir(path.dirname(target), { recursive: true });
          await writeFile(target, content, { flag: 'wx' });
        });
      }
    } catch (e) {
      await rm(root, { recursive: true, force: true });
      if (e instanceof EngineError) throw e;
      throw fail(
        `the file parameters cannot be written as a model directory (${(e as NodeJS.ErrnoException).code ?? String(e)})`,
      );
    }
    const model = (await scanRepository(root)).models.get(name);
    if (!model) throw fail('the file parameters do not form a model directory');
    return { root, model };
  }

  /** `written` now serves `name`: the directory of what served it before is removed. */
  async adopt(name: string, written: OverrideModel): Promise<void> {
    const previous = this.#roots.get(name);
    this.#roots.set(name, written.root);
    if (previous !== undefined && previous !== written.root)
      await rm(previous, { recursive: true, force: true });
  }

  /** Removes a directory whose load failed. */
  async discard(written: OverrideModel): Promise<void> {
    await rm(written.root, { recursive: true, force: true });
  }

  /** `name` was unloaded, or reloaded from the repository: its files are removed. */
  async release(name: string): Promise<void> {
    const root = this.#roots.get(name);
    if (root === undefined) return;
    this.#roots.delete(name);
    await rm(root, { recursive: true, force: true });
  }

  /** Removes every directory (the server stops). */
  async releaseAll(): Promise<void> {
    await Promise.all([...this.#roots.keys()].map(n => this.release(n)));
  }
}
