import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

/*
 * The import rules of backends/README.md: the worker host imports only engine/core and node
 * built-ins; a backend imports engine/core, its runtime library and the worker host, never
 * another backend.
 */

const ROOT = resolve(import.meta.dirname, '..', '..', '..');
const IMPORT =
  /(?:^|\n)\s*(?:import|export)\b[^'"]*?from\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

/** Every import specifier of every .ts file in a folder of the repository, resolved against the repository root. */
function importsOf(folder: string): { file: string; target: string }[] {
  const dir = join(ROOT, folder);
  const found: { file: string; target: string }[] = [];
  for (const name of readdirSync(dir).filter(f => f.endsWith('.ts'))) {
    const text = readFileSync(join(dir, name), 'utf8');
    for (const m of text.matchAll(IMPORT)) {
      const spec = (m[1] ?? m[2])!;
      const target = spec.startsWith('.') ? relative(ROOT, resolve(dir, spec)) : spec;
      found.push({ file: `${folder}/${name}`, target });
    }
  }
  return found;
}

const allowed = (target: string, rules: readonly (string | RegExp)[]): boolean =>
  rules.some(r => (typeof r === 'string' ? target.startsWith(r) : r.test(target)));

describe('backend import rules', () => {
  it('the worker host imports only engine/core and node built-ins', () => {
    const bad = importsOf('backends/worker-host').filter(
      i => !allowed(i.target, ['engine/core/', 'backends/worker-host/', /^node:/]),
    );
    expect(bad).toEqual([]);
  });

  it.each([
    ['backends/js', ['engine/core/', 'backends/js/', 'backends/worker-host/', /^node:/, /^tsx\//]],
    [
      'backends/onnxruntime',
      [
        'engine/core/',
        'backends/onnxruntime/',
        'backends/worker-host/',
        /^node:/,
        'onnxruntime-node',
      ],
    ],
  ] as const)(
    '%s imports engine/core, its runtime library and the worker host, never another backend',
    (folder, rules) => {
      const found = importsOf(folder);
      expect(found.length).toBeGreaterThan(10);
      expect(found.filter(i => !allowed(i.target, rules))).toEqual([]);
    },
  );
});
