/**
 * @module Which versions of a model a version policy serves among those on disk.
 */
import type { VersionPolicy } from '../core/model-config.js';

/**
 * The versions a policy serves among those on disk, ascending: the `num_versions` highest for
 * `latest`, all of them for `all`, and those listed that exist for `specific` (report the listed
 * ones that do not exist with {@link missingVersions}). Pure.
 *
 * @example
 * selectVersions({ latest: { num_versions: 2 } }, [1, 3, 7]); // [3, 7]
 * selectVersions({ specific: { versions: [1, 4] } }, [1, 3]); // [1]
 */
export function selectVersions(policy: VersionPolicy, available: readonly number[]): number[] {
  const sorted = [...new Set(available)].sort((a, b) => a - b);
  if ('latest' in policy) {
    return sorted.slice(Math.max(0, sorted.length - policy.latest.num_versions));
  }
  if ('all' in policy) return sorted;
  const wanted = new Set(policy.specific.versions);
  return sorted.filter(v => wanted.has(v));
}

/**
 * Versions a `specific` policy lists that are not on disk, ascending; always empty for `latest`
 * and `all`. Pure.
 *
 * @example
 * missingVersions({ specific: { versions: [1, 4] } }, [1, 3]); // [4]
 */
export function missingVersions(policy: VersionPolicy, available: readonly number[]): number[] {
  if (!('specific' in policy)) return [];
  const present = new Set(available);
  return [...new Set(policy.specific.versions)].filter(v => !present.has(v)).sort((a, b) => a - b);
}
