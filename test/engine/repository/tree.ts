import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Creates a directory tree under a fresh temp dir: keys are relative paths, a trailing `/` makes
 * an empty directory, anything else a file with the given text. Returns the root and a cleanup.
 *
 * @example
 * const { root, cleanup } = await makeTree({ 'simple/config.yaml': 'max_batch_size: 8\n', 'simple/1/': '' });
 */
export async function makeTree(
  spec: Readonly<Record<string, string>>,
): Promise<{ root: string; cleanup: () => Promise<void> }> {
  const root = await mkdtemp(path.join(tmpdir(), 'braid-repo-'));
  await addToTree(root, spec);
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** Adds entries to an existing tree, with the same spec format as {@link makeTree}. */
export async function addToTree(
  root: string,
  spec: Readonly<Record<string, string>>,
): Promise<void> {
  for (const [rel, text] of Object.entries(spec)) {
    const full = path.join(root, rel);
    if (rel.endsWith('/')) {
      await mkdir(full, { recursive: true });
    } else {
      await mkdir(path.dirname(full), { recursive: true });
      await writeFile(full, text);
    }
  }
}
