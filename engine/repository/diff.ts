/**
 * @module What changed between two scans of a repository (poll mode).
 */
import type { RepositoryModel, RepositoryScan } from './scan.js';

/** What changed between two scans of a repository, each list in name order. */
export interface ScanDiff {
  readonly added: string[];
  readonly removed: string[];
  /** Models present in both whose config files, version set or any version's files changed. */
  readonly changed: string[];
}

/**
 * Compares two scans by model name. Pure.
 *
 * @example
 * const { added, removed, changed } = diffScans(previous, await scanRepository(root));
 */
export function diffScans(prev: RepositoryScan, next: RepositoryScan): ScanDiff {
  const added: string[] = [];
  const changed: string[] = [];
  for (const [name, model] of next.models) {
    const before = prev.models.get(name);
    if (!before) added.push(name);
    else if (modelChanged(before, model)) changed.push(name);
  }
  const removed = [...prev.models.keys()].filter(name => !next.models.has(name));
  return { added: added.sort(), removed: removed.sort(), changed: changed.sort() };
}

function modelChanged(a: RepositoryModel, b: RepositoryModel): boolean {
  if (a.configFile !== b.configFile || a.configFingerprint !== b.configFingerprint) return true;
  const sameVersions =
    a.versions.length === b.versions.length && a.versions.every((v, i) => v === b.versions[i]);
  if (!sameVersions) return true;
  return a.versions.some(v => a.versionFingerprints.get(v) !== b.versionFingerprints.get(v));
}
