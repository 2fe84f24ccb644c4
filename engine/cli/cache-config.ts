/**
 * @module `--cache-config <cache>,<key>=<value>` as Triton writes it (src/command_line_parser.cc),
 * and the deprecated `--response-cache-byte-size N`, which Triton turns into
 * `--cache-config local,size=N`. Braid's one cache implementation is `local`: an LRU cache in
 * memory, limited by `size` bytes.
 */
import { int, usage } from './flag-values.js';
import type { ServeWarning } from './restricted-flags.js';

/** The response cache `braid serve` creates; absent when none is configured. */
export interface CacheSettings {
  /** Most bytes the cache holds (Triton's `local,size`). */
  readonly sizeBytes: number;
}

/** What the cache flags set, and the warnings they earn. */
export interface CacheFlags {
  readonly cache?: CacheSettings;
  readonly warnings: readonly ServeWarning[];
}

/**
 * Reads every `--cache-config` and `--response-cache-byte-size` value. Throws INVALID_ARG naming
 * the flag for a cache other than `local`, an unknown key, a bad size, or both flags at once.
 *
 * @example
 * parseCacheFlags(['local,size=1048576'], []).cache; // { sizeBytes: 1048576 }
 * parseCacheFlags([], ['0']).cache; // undefined: Triton's default, no cache
 */
export function parseCacheFlags(
  cacheConfig: readonly string[],
  byteSize: readonly string[],
): CacheFlags {
  if (cacheConfig.length > 0 && byteSize.length > 0) {
    throw usage(
      '--response-cache-byte-size and --cache-config are incompatible flags: use --cache-config local,size=BYTES alone',
    );
  }
  if (byteSize.length > 0) {
    const size = int('--response-cache-byte-size', byteSize.at(-1)!, 0);
    const warnings = [
      {
        msg: '--response-cache-byte-size is deprecated',
        fields: { use: `--cache-config local,size=${size}` },
      },
    ];
    return size > 0 ? { cache: { sizeBytes: size }, warnings } : { warnings };
  }
  if (cacheConfig.length === 0) return { warnings: [] };
  const settings = new Map<string, string>();
  const names = new Set<string>();
  for (const value of cacheConfig) {
    const m = /^([^,=]+),([^=]+)=(.*)$/.exec(value);
    if (!m)
      throw usage(
        `--cache-config '${value}': expected <cache>,<key>=<value>, e.g. local,size=1048576`,
      );
    names.add(m[1]!);
    settings.set(m[2]!, m[3]!);
  }
  if (names.size > 1)
    throw usage(
      `--cache-config names ${[...names].join(' and ')}: multiple cache configurations are not supported`,
    );
  const [name] = names;
  if (name !== 'local')
    throw usage(`--cache-config ${name}: Braid's only cache is 'local' (an LRU cache in memory)`);
  for (const key of settings.keys()) {
    if (key !== 'size')
      throw usage(
        `--cache-config local,${key}: unknown setting (the local cache takes size=BYTES)`,
      );
  }
  const size = settings.get('size');
  if (size === undefined) throw usage('--cache-config local: size=BYTES is required');
  return { cache: { sizeBytes: int('--cache-config local,size', size, 1) }, warnings: [] };
}
