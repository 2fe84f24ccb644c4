/**
 * @module Finding test files and the repository each one tests. Directories are searched for
 * `*.test.yaml`; a file's repository is `--model-repository` when given, else the nearest
 * directory above it holding the model it names (`<repo>/<pipeline>/tests/x.test.yaml`).
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { EngineError } from '../../core/errors.js';

/** The suffix of test files. */
export const TEST_FILE_SUFFIX = '.test.yaml';

const SKIPPED_DIRS = new Set(['node_modules', '__snapshots__']);

/**
 * The test files under `paths` (files are taken as they are), sorted, without duplicates.
 * Throws INVALID_ARG for a path that does not exist.
 *
 * @example
 * await findTestFiles(['examples/model_repository']); // ['/abs/examples/model_repository/ocr/tests/ocr.test.yaml', ...]
 */
export async function findTestFiles(paths: readonly string[]): Promise<string[]> {
  const found = new Set<string>();
  for (const p of paths) {
    const full = path.resolve(p);
    const st = await stat(full).catch(() => undefined);
    if (!st) throw new EngineError('INVALID_ARG', `braid test: ${p} does not exist`);
    if (st.isFile()) found.add(full);
    else for (const f of await walk(full)) found.add(f);
  }
  return [...found].sort();
}

async function walk(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const out: string[] = [];
  for (const e of entries) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      if (!e.name.startsWith('.') && !SKIPPED_DIRS.has(e.name)) out.push(...(await walk(full)));
    } else if (e.name.endsWith(TEST_FILE_SUFFIX)) {
      out.push(full);
    }
  }
  return out;
}

/**
 * The repository a test file of `model` belongs to: the nearest directory above the file with
 * a subdirectory named `model`; undefined when there is none.
 *
 * @example
 * await repositoryOf('/r/ocr/tests/a.test.yaml', 'ocr'); // '/r'
 */
export async function repositoryOf(file: string, model: string): Promise<string | undefined> {
  let dir = path.dirname(path.resolve(file));
  for (;;) {
    const st = await stat(path.join(dir, model)).catch(() => undefined);
    if (st?.isDirectory()) return dir;
    const up = path.dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}
