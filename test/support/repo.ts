import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Tensor, TensorMap } from '../../engine/core/tensor.js';

/** Repository root of this project. */
export const ROOT = path.resolve(import.meta.dirname, '..', '..');
export const EXAMPLES = path.join(ROOT, 'examples', 'model_repository');
export const FIXTURES = path.join(ROOT, 'test', 'fixtures', 'models');

/**
 * Copies model directories into a fresh temporary repository, so a test can change it freely.
 * `models` maps the name in the new repository to a directory to copy.
 */
export async function tempRepository(
  models: Record<string, string>,
): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'braid-repo-'));
  for (const [name, src] of Object.entries(models))
    await cp(src, path.join(dir, name), { recursive: true });
  return { dir, dispose: () => rm(dir, { recursive: true, force: true }) };
}

/** Inputs for the example `simple` model: INPUT0 = 0..15, INPUT1 = all `b`, batch `n`. */
export function simpleInputs(n = 1, b = 1): TensorMap {
  const a = new Float32Array(16 * n).map((_, i) => i % 16);
  const c = new Float32Array(16 * n).fill(b);
  const t = (data: Float32Array): Tensor => ({ datatype: 'FP32', shape: [n, 16], data });
  return new Map([
    ['INPUT0', t(a)],
    ['INPUT1', t(c)],
  ]);
}
