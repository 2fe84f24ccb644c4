/**
 * A private model repository per candidate: a temporary directory where every model but the
 * one analyzed is a symbolic link to the original, and the analyzed model is a directory of
 * links to its versions beside the candidate's config.yaml. Nothing in the original changes.
 *
 * @module
 */
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { EngineError } from '../../core/errors.js';
import { CONFIG_FILE_NAMES, PbtxtSyntaxError, pbtxtToYaml } from '../../repository/index.js';

/** Config file names a model directory may hold, in the order the repository reads them. */
export const CONFIG_FILES = CONFIG_FILE_NAMES;

/** A temporary repository; {@link CandidateRepository.dispose} removes it (links only, never targets). */
export interface CandidateRepository {
  readonly dir: string;
  dispose(): Promise<void>;
}

/**
 * The text of the model's config file, or undefined when it has none (auto-completed). A
 * config.pbtxt comes back as YAML, which the candidates are written in.
 *
 * @example
 * const text = await readModelConfigText('models', 'mlp');
 */
export async function readModelConfigText(
  repository: string,
  model: string,
): Promise<string | undefined> {
  const dir = path.join(repository, model);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch (e) {
    throw new EngineError(
      'NOT_FOUND',
      `model '${model}': no directory ${dir} (${(e as Error).message})`,
    );
  }
  const file = CONFIG_FILES.find(f => names.includes(f));
  if (file === undefined) return undefined;
  const text = await readFile(path.join(dir, file), 'utf8');
  if (!file.endsWith('.pbtxt')) return text;
  try {
    return pbtxtToYaml(text);
  } catch (e) {
    if (!(e instanceof PbtxtSyntaxError)) throw e;
    throw new EngineError(
      'INVALID_ARG',
      `model '${model}': ${path.join(dir, file)}:${e.line}:${e.col}: ${e.reason}`,
    );
  }
}

/**
 * Creates the repository of one candidate; `configText` undefined leaves the model without a
 * config file (as the original may be).
 *
 * @example
 * const repo = await candidateRepository('models', 'mlp', text);
 * try { ... } finally { await repo.dispose(); }
 */
export async function candidateRepository(
  repository: string,
  model: string,
  configText: string | undefined,
): Promise<CandidateRepository> {
  const source = path.resolve(repository);
  const dir = await mkdtemp(path.join(tmpdir(), 'braid-analyze-'));
  try {
    for (const entry of await readdir(source)) {
      if (entry !== model) await symlink(path.join(source, entry), path.join(dir, entry));
    }
    const modelDir = path.join(dir, model);
    await mkdir(modelDir);
    for (const entry of await readdir(path.join(source, model))) {
      if ((CONFIG_FILES as readonly string[]).includes(entry)) continue;
      await symlink(path.join(source, model, entry), path.join(modelDir, entry));
    }
    if (configText !== undefined) await writeFile(path.join(modelDir, 'config.yaml'), configText);
  } catch (e) {
    await rm(dir, { recursive: true, force: true });
    throw e;
  }
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}
