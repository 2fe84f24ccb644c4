/**
 * @module The rows of the repository index (POST /v2/repository/index), as Triton lists them.
 */
import type { VersionStatus } from '../lifecycle/model-registry.js';
import type { RepositoryIndexEntry } from './types.js';

/**
 * The rows of a repository index, as Triton lists them: every loaded version with its state and
 * reason, then (unless `readyOnly`) every repository model never loaded, by name alone; sorted by
 * name, then version.
 *
 * @example
 * repositoryIndexRows(registry.status(), scan.models.keys(), false);
 * // [{ name: 'simple', version: '1', state: 'READY' }, { name: 'unloaded' }]
 */
export function repositoryIndexRows(
  status: readonly VersionStatus[],
  repositoryModels: Iterable<string>,
  readyOnly: boolean,
): RepositoryIndexEntry[] {
  const rows: RepositoryIndexEntry[] = [];
  const seen = new Set<string>();
  for (const s of status) {
    seen.add(s.name);
    if (readyOnly && s.state !== 'READY') continue;
    rows.push({
      name: s.name,
      ...(s.version === undefined ? {} : { version: String(s.version) }),
      state: s.state,
      ...(s.reason === undefined ? {} : { reason: s.reason }),
    });
  }
  if (!readyOnly) for (const name of repositoryModels) if (!seen.has(name)) rows.push({ name });
  return rows.sort((a, b) =>
    a.name === b.name ? Number(a.version ?? 0) - Number(b.version ?? 0) : a.name < b.name ? -1 : 1,
  );
}
